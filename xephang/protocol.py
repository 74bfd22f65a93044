"""MQTT contract version 1 (DESIGN.md section 3): topics and payloads as pydantic models.

Every payload is a UTF-8 JSON object with `"v": 1`. Receivers call `decode()`, which turns anything
malformed into a ProtocolError carrying an error code and a human-readable detail, ready to be sent
back as an `ErrorReply`. Unknown extra keys are ignored so that a newer sender does not break an older
receiver; a missing or ill-typed key is an error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final, Literal, TypeVar, get_args
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)

from xephang.errors import ProtocolError

log = logging.getLogger(__name__)

VERSION: Literal[1] = 1
BROKER_ID = "broker"  # the queue server's device id: its MQTT username and `device/broker/status`


def doctor_login(device_id: str) -> str:
    """The MQTT username (so also client id) `xephang doctor` checks `device_id`'s password with:
    a login of its own, so the running device keeps its connection. Device ids never hold a dot."""
    return f"{device_id}.doctor"

MAX_PAYLOAD_BYTES = 16 * 1024


def city_bridge_id(site: str) -> str:
    """The login and client id of a center's Mosquitto bridge on the city's MQTT cluster."""
    return f"bridge-{site}"


Priority = Literal["none", "elderly", "disabled", "pregnant", "merit", "appointment"]
Source = Literal["button", "cccd", "booking", "dossier"]
# What a staff member presses at a counter; a citizen's `rate` is the one other counter action.
# `serve`: the called citizen is at the desk (service time runs from here); `call`: call one
# particular waiting ticket (by id or printed number) instead of the next in line.
StaffAction = Literal["call_next", "recall", "no_show", "done", "transfer", "pause", "resume",
                      "serve", "call"]
CounterAction = Literal[StaffAction, "rate"]
CounterStatus = Literal["idle", "calling", "serving", "paused", "closed"]
# A manager closes a counter while a citizen is at it: the counter calls nobody new and closes when
# that citizen's ticket ends (done, no-show, transfer, set aside). Event types: the close is pending
# (COUNTER_CLOSING), a reopen called it off before (COUNTER_CLOSING_CANCELLED); the close itself is
# the usual `counter_closed`, once. `CounterState.closing` says it while pending.
COUNTER_CLOSING: Final = "counter_closing"
COUNTER_CLOSING_CANCELLED: Final = "counter_closing_cancelled"
# A ticket is valid on its (local) day only: one still waiting, set aside for a missing paper or at
# a counter when its day ends gets this final status, recorded by the event TICKET_EXPIRED (dated
# the last moment of the ticket's day, so every count puts it in its own day).
EXPIRED: Final = "expired"
TICKET_EXPIRED: Final = "ticket_expired"
# A ticket a kiosk printed while the broker was away, stored when it synced; on `uplink/event` it
# is dated when it was printed (never after it was stored), so the city counts it in its own day.
TICKET_OFFLINE: Final = "ticket_offline"
# The manager confirmed the broker's clock after it jumped far ahead of the last moment it was
# believed (`account`; `last_believed`: that moment): believed from then on (broker/queue/clock_check.py).
CLOCK_CONFIRMED: Final = "clock_confirmed"
# A call replaced by another call (`call_next`, `call`) within the site's `[routing]
# withdraw_call_within_s` of being made, its citizen never served, is withdrawn, not served: the
# ticket waits again in its own place (issue time, priority, a transfer's counter unchanged), and
# the event TICKET_CALL_WITHDRAWN (`number`, `service`, `to_counter`) records it; the reply's
# `withdrawn` names the number.
TICKET_CALL_WITHDRAWN: Final = "ticket_call_withdrawn"
Rating = Literal["very_satisfied", "satisfied", "unsatisfied"]
RATINGS: Final[tuple[Rating, ...]] = get_args(Rating)

# A service code without anchors, for patterns that embed it (the booking QR code).
SERVICE_CODE: Final = r"[A-Z][A-Z0-9]{0,7}"
ServiceCode = Annotated[str, Field(pattern=rf"^{SERVICE_CODE}$")]
ShortText = Annotated[str, Field(max_length=128)]
TicketId = Annotated[str, Field(min_length=1, max_length=64)]

_NUMBER = re.compile(r"^([1-9])([0-9]{3})$")


def ticket_number(prefix: int, seq: int) -> str:
    """The printed and called number: the service's prefix digit, then the day's sequence in three
    digits (prefix 1, seq 23 -> "1023")."""
    return f"{prefix}{seq:03d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """(prefix, seq) of a number `ticket_number` made, or None for anything else."""
    match = _NUMBER.match(number)
    return (int(match[1]), int(match[2])) if match else None


def _plausible(moment: datetime) -> datetime:
    """A time this system could have written: converting year 9999 to a local zone overflows."""
    if not 2000 <= moment.year <= 2999:
        raise ValueError("time outside the years 2000-2999")
    return moment


Moment = Annotated[datetime, AfterValidator(_plausible)]


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    v: Literal[1] = VERSION

    @field_validator("v", mode="before")
    @classmethod
    def _integer_version(cls, value: object) -> object:
        if type(value) is not int:  # JSON `true` is not the version 1
            raise ValueError("v must be the integer 1")
        return value

    def encode(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class WaitRange(BaseModel):
    """A forecast wait from issue (forecast/run.py): its 5th and 95th percentile, in seconds."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    low_s: int = Field(ge=0)
    high_s: int = Field(ge=0)


class Ticket(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: TicketId
    number: Annotated[str, Field(pattern=r"^[0-9]{1,6}$")]
    service: ServiceCode
    issued_at: Moment
    ahead: int = Field(ge=0)
    eta_s: int = Field(ge=0)
    priority: Priority = "none"
    # The forecast range printed on the ticket; absent when no forecast was ready (the receiver
    # then prints the range around `eta_s`). Optional; older receivers ignore it.
    wait: WaitRange | None = None


class TicketRequest(Message):
    request_id: UUID
    service: ServiceCode
    priority: Priority = "none"
    source: Source = "button"
    booking_code: ShortText | None = None
    dossier_code: ShortText | None = None
    id_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{16,128}$")] | None = None


class TicketReply(Message):
    request_id: UUID
    ok: bool
    ticket: Ticket | None = None
    # True when the citizen (same id_hash) already held a waiting ticket for the service: the
    # kiosk reprints that ticket instead of a new one. Optional; older receivers ignore it.
    reprint: bool = False
    error: str | None = None
    detail: str | None = None


class OfflineTicket(Ticket, Message):
    request_id: UUID
    # The online request the kiosk gave up waiting for before it issued this ticket. The broker
    # cancels a ticket it issued for that request (nobody holds its paper) or, if the request
    # arrives later, answers it without issuing one: one press, one number.
    abandoned_request_id: UUID | None = None


# A command's arguments are flat and small: a ticket id, a counter id, a service code, a rating.
# Bounded scalars only, so nothing a sender puts there can overflow the database or nest deep.
ArgKey = Annotated[str, Field(min_length=1, max_length=32)]
ArgValue = (Annotated[int, Field(strict=True, ge=-(2**31), le=2**31 - 1)]
            | StrictBool | Annotated[str, Field(max_length=64)] | None)


class ActionArgs(BaseModel):
    """The `args` of an action that takes none (call_next, recall, no_show, done, pause, resume)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class TransferArgs(ActionArgs):
    """To one counter (`counter`; the service defaults to the ticket's own), or to a service's line
    (`service`)."""

    counter: StrictInt | None = None
    service: ServiceCode | None = None


class RateArgs(ActionArgs):
    """The citizen's rating of a served ticket; `ticket` defaults to the counter's current or last."""

    rating: Rating
    ticket: TicketId | None = None


class CallArgs(ActionArgs):
    """The waiting ticket to call: its `ticket` id, or its printed `number` (today's)."""

    ticket: TicketId | None = None
    number: Annotated[str, Field(pattern=r"^[0-9]{1,6}$")] | None = None


ACTION_ARGS: Final[dict[CounterAction, type[ActionArgs]]] = {
    "call_next": ActionArgs, "recall": ActionArgs, "no_show": ActionArgs, "done": ActionArgs,
    "pause": ActionArgs, "resume": ActionArgs, "transfer": TransferArgs, "rate": RateArgs,
    "serve": ActionArgs, "call": CallArgs,
}
# The reply's error code for a bad value of each argument.
ARG_ERRORS: Final[dict[str, str]] = {
    "service": "unknown_service", "counter": "unknown_counter", "rating": "invalid_rating",
    "ticket": "no_ticket", "number": "unknown_ticket",
}
A = TypeVar("A", bound=ActionArgs)


class BadArgument(ProtocolError):
    """One of a command's `args` is missing or invalid; `code` is the argument's ARG_ERRORS code."""

    def __init__(self, argument: str, value: Any, detail: str) -> None:
        super().__init__(ARG_ERRORS.get(argument, "invalid_payload"), detail)
        self.argument = argument
        self.value = value


class CounterCommand(Message):
    command_id: UUID
    action: CounterAction
    # Flat and small on the wire, so that the receiver answers a bad argument with its own code
    # (ARG_ERRORS) rather than rejecting the whole payload; `read_args` gives the action's model.
    args: Annotated[dict[ArgKey, ArgValue], Field(max_length=8)] = Field(default_factory=dict)

    @classmethod
    def of(cls, command_id: UUID, action: CounterAction,
           args: ActionArgs | None = None) -> CounterCommand:
        """The command a sender publishes, its `args` from the action's model."""
        if args is not None and type(args) is not ACTION_ARGS[action]:
            raise TypeError(f"{action} takes {ACTION_ARGS[action].__name__}, not {type(args).__name__}")
        wire = args.model_dump(mode="json", exclude_none=True) if args is not None else {}
        return cls(command_id=command_id, action=action, args=wire)


def read_args(model: type[A], args: Mapping[str, Any]) -> A:
    """A command's `args` as its action's model (ACTION_ARGS), or BadArgument."""
    try:
        return model.model_validate(dict(args))
    except ValidationError as exc:
        loc = exc.errors(include_url=False)[0]["loc"]
        argument = str(loc[0]) if loc else ""
        raise BadArgument(argument, args.get(argument), _describe(exc)) from exc


class CounterReply(Message):
    command_id: UUID
    ok: bool
    ticket: Ticket | None = None
    status: CounterStatus | None = None
    error: str | None = None
    detail: str | None = None
    # The number whose call this command withdrew (TICKET_CALL_WITHDRAWN). Optional.
    withdrawn: str | None = None


class CounterState(Message):
    counter: int
    status: CounterStatus
    ticket: Ticket | None = None
    since: Moment
    # When a hall display said the call of this ticket (staff know the citizen heard it). Optional.
    announced_at: Moment | None = None
    # The counter closes once its current ticket ends; it takes no new call meanwhile. Optional.
    closing: bool = False


class RecentCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    counter: int
    at: Moment


# Why a service takes no ticket now (the error code of a refused request, too).
Unavailability = Literal["outside_hours", "no_open_counter", "quota_reached"]


class ServiceClosed(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: Unavailability
    detail: str  # the Vietnamese sentence the kiosk shows


class HallState(Message):
    recent_calls: list[RecentCall] = Field(default_factory=list, max_length=8)
    waiting: dict[str, int] = Field(default_factory=dict)
    eta_s: dict[str, int] = Field(default_factory=dict)
    # Per service, the forecast range of a ticket issued now (absent: none ready; show the range
    # around `eta_s`). Optional.
    wait: dict[str, WaitRange] = Field(default_factory=dict)
    # Services that take no ticket now, and why (the kiosks grey their buttons out). Optional.
    unavailable: dict[str, ServiceClosed] = Field(default_factory=dict)


class Announcement(Message):
    call_id: str
    number: str
    counter: int
    text: str
    repeat: int = Field(default=0, ge=0)
    # When the call was made (the broker's clock, as a counter state's `since`): a display tells
    # from it whether a counter state it holds is newer than the call. Optional for older senders.
    at: datetime | None = None


class Suggestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    service: str
    predicted_wait_s: int
    target_s: int
    counter: int | None  # the counter that could switch to help, or None when none can
    text: str  # the Vietnamese sentence for the admin board


class Suggestions(Message):
    """Retained on `suggestions`: the services predicted over their target and who could help."""

    at: datetime
    suggestions: list[Suggestion]


class SpokenCall(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    call_id: str
    number: str
    counter: int


class Announced(Message):
    """`device/{display_id}/announced`: a hall display said these calls (first reading)."""

    calls: list[SpokenCall] = Field(max_length=64)
    at: Moment


class Event(Message):
    model_config = ConfigDict(extra="allow", frozen=True)

    seq: int
    at: Moment
    type: str
    ticket: str | None = None
    counter: int | None = None


# A device's trouble, as the broker records it (`device_problem` / `device_ok` events, broker/devices.py)
# and the city stores it: the device being offline past a grace, or one of the problem codes its
# status `detail` carries (a clock, a speaker's message… each mapped to one kind here).
DeviceProblem = Literal["offline", "paper_out", "printer_offline", "printer_unavailable",
                        "camera_unavailable", "buttons_unavailable", "clock_unsynced", "clock_behind",
                        "clock_ahead",
                        "speaker", "other"]
DEVICE_PROBLEMS: Final[tuple[DeviceProblem, ...]] = get_args(DeviceProblem)
DEVICE_PROBLEM: Final = "device_problem"  # event type: an incident begins (`since`)
DEVICE_OK: Final = "device_ok"  # event type: it ended (`since` names it, `until` when it ended)
# Status detail codes that are no incident: a warning, the device still works.
DEVICE_WARNINGS: Final = frozenset({"paper_low"})
_DETAIL_KINDS: Final[dict[str, DeviceProblem]] = {
    kind: kind for kind in DEVICE_PROBLEMS if kind not in ("offline", "speaker", "other")}


def device_problems(detail: str) -> frozenset[DeviceProblem]:
    """The incident kinds a device status `detail` (`;`-separated codes) carries."""
    kinds: set[DeviceProblem] = set()
    for code in (part.strip() for part in detail.split(";")):
        if not code or code in DEVICE_WARNINGS:
            continue
        if code.startswith("speaker:"):
            kinds.add("speaker")
        else:
            kinds.add(_DETAIL_KINDS.get(code, "other"))
    return frozenset(kinds)


DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class UplinkEvent(Message):
    """One stored event as the city may see it (carried in an `UplinkBatch` on `uplink/event`), in
    `seq` order within this database's `epoch`. Only these fields: never `id_hash`, names, booking or
    dossier codes, ticket ids or addresses (DESIGN §2, §3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epoch: UUID  # created once per database: a re-imaged center starts again at seq 1
    seq: int = Field(ge=1)
    at: Moment
    type: str = Field(max_length=64)
    service: ServiceCode | None = None
    counter: int | None = None
    priority: Priority | None = None
    wait_s: int | None = Field(default=None, ge=0)
    service_s: int | None = Field(default=None, ge=0)
    rating: Rating | None = None
    account: str | None = Field(default=None, max_length=64)  # the staff account id
    # `device_problem` / `device_ok`: which device, what kind of trouble, since when, until when.
    device: DeviceId | None = None
    problem: DeviceProblem | None = None
    since: Moment | None = None
    until: Moment | None = None


# One `uplink/event` message carries up to this many events in up to this many bytes: one MQTT
# message, one PUBACK and one validation per event capped the city at ~6,000 events/s.
UPLINK_BATCH_EVENTS = 200
UPLINK_BATCH_BYTES = 64 * 1024


class UplinkBatch(Message):
    """`uplink/event` (broker → city, bridged): consecutive stored events of one center, in `seq`
    order, each an `UplinkEvent` (so `extra="forbid"` refuses citizen data event by event)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: list[UplinkEvent] = Field(min_length=1, max_length=UPLINK_BATCH_EVENTS)

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode("utf-8")  # an absent field is None


class UplinkAck(Message):
    """`uplink/ack` (city → broker, retained): every event of `epoch` up to `acked_seq` is
    committed in the city's database."""

    epoch: UUID
    acked_seq: StrictInt = Field(ge=0)


class DeviceStatus(Message):
    status: Literal["online", "offline"]
    version: str = ""
    detail: str = ""


class ErrorReply(Message):
    """The answer to a payload that was rejected: `{"v":1,"ok":false,"error":…,"detail":…}`."""

    ok: Literal[False] = False
    error: str
    detail: str
    request_id: str | None = None
    command_id: str | None = None


M = TypeVar("M", bound=BaseModel)


def decode(model: type[M], payload: bytes) -> M:
    """Parse and validate one payload, or raise ProtocolError(code, detail) with a Vietnamese
    detail; no payload, however malformed, escapes as another exception."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("too_large", f"Nội dung dài {len(payload)} byte, vượt giới hạn "
                            f"{MAX_PAYLOAD_BYTES} byte.")
    return validate(model, _json_object(payload))


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Validate an already parsed JSON object (`decode` without the parsing)."""
    version = data.get("v")
    if type(version) is not int or version != VERSION:
        raise ProtocolError("unsupported_version",
                            f"Phiên bản phải là số nguyên \"v\": {VERSION}, nhận được {version!r:.20}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError("invalid_payload", _describe(exc)) from exc


class _UplinkEnvelope(Message):
    """An `uplink/event` payload before its events are looked at one by one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: list[dict[str, Any]] = Field(min_length=1, max_length=UPLINK_BATCH_EVENTS)


def decode_uplink(payload: bytes) -> tuple[list[UplinkEvent], list[tuple[int, ProtocolError]]]:
    """An `uplink/event` batch: its valid events, and (position, why) for each event refused (e.g.
    one with a field beyond the contract's); raise ProtocolError when the payload is no batch at
    all. A bad event refuses only itself: its neighbours are still stored."""
    if len(payload) > UPLINK_BATCH_BYTES:
        raise ProtocolError("too_large", f"Nội dung dài {len(payload)} byte, vượt giới hạn "
                            f"{UPLINK_BATCH_BYTES} byte.")
    with contextlib.suppress(ValidationError):  # the usual case: one validation for the batch
        return list(UplinkBatch.model_validate_json(payload).events), []
    envelope = validate(_UplinkEnvelope, _json_object(payload))
    events: list[UplinkEvent] = []
    refused: list[tuple[int, ProtocolError]] = []
    for position, item in enumerate(envelope.events):
        try:
            events.append(validate(UplinkEvent, item))
        except ProtocolError as exc:
            refused.append((position, exc))
    return events, refused


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtocolError("invalid_json", "Nội dung không phải văn bản UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise ProtocolError("invalid_json",
                            f"Nội dung không phải JSON hợp lệ (lỗi ở vị trí {exc.pos}).") from exc
    except RecursionError as exc:
        raise ProtocolError("invalid_json", "Nội dung JSON lồng nhau quá sâu.") from exc
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise ProtocolError("invalid_json", "Nội dung JSON có số quá dài.") from exc
    if not isinstance(data, dict):
        raise ProtocolError("invalid_payload", "Nội dung phải là một đối tượng JSON.")
    return data


def decode_or_drop(model: type[M], topic: str, payload: bytes) -> M | None:
    """For a topic with nobody to answer: the message, or None after logging why it was dropped."""
    try:
        return decode(model, payload)
    except ProtocolError as exc:
        log.warning("dropped a %s on %s: %s", model.__name__, topic, exc)
        return None


def reply_ids(payload: bytes) -> dict[str, str]:
    """Best effort: the request_id/command_id of a rejected payload, to echo in the error reply."""
    try:
        data = _json_object(payload)
    except ProtocolError:
        return {}
    return {
        key: str(data[key])[:64]
        for key in ("request_id", "command_id")
        if isinstance(data.get(key), str)
    }


# Pydantic's error types, said in Vietnamese; the key path stays as the sender wrote it.
_PROBLEMS_VI = {
    "missing": "thiếu trường bắt buộc",
    "string_type": "phải là chuỗi ký tự",
    "string_too_long": "chuỗi quá dài",
    "string_too_short": "chuỗi quá ngắn",
    "string_pattern_mismatch": "sai định dạng",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "less_than_equal": "số quá lớn",
    "greater_than_equal": "số quá nhỏ",
    "literal_error": "không phải giá trị được phép",
    "uuid_parsing": "phải là một UUID",
    "uuid_type": "phải là một UUID",
    "datetime_parsing": "phải là thời điểm ISO 8601",
    "datetime_type": "phải là thời điểm ISO 8601",
    "datetime_from_date_parsing": "phải là thời điểm ISO 8601",
    "dict_type": "phải là một đối tượng JSON",
    "too_long": "có quá nhiều phần tử",
    "value_error": "giá trị không hợp lệ",
}


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:5]:
        key = ".".join(str(p) for p in error["loc"]) or "nội dung"
        parts.append(f"{key}: {_PROBLEMS_VI.get(error['type'], 'giá trị không hợp lệ')}")
    return "Nội dung không hợp lệ — " + "; ".join(parts)


def parse_counter_id(segment: str) -> int | None:
    """A counter id as a topic writes it: ASCII digits only (`²` and `٣` are digits to Python but
    name no counter here)."""
    if segment.isascii() and segment.isdigit() and len(segment) <= 6:
        return int(segment)
    return None


class Topics:
    """Topic names under `xephang/v1/{site}`."""

    def __init__(self, site: str) -> None:
        self.root = f"xephang/v1/{site}"

    def kiosk_request(self, kiosk_id: str) -> str:
        return f"{self.root}/kiosk/{kiosk_id}/request"

    def kiosk_reply(self, kiosk_id: str) -> str:
        return f"{self.root}/kiosk/{kiosk_id}/reply"

    def kiosk_offline_issued(self, kiosk_id: str) -> str:
        return f"{self.root}/kiosk/{kiosk_id}/offline-issued"

    def counter_command(self, counter_id: int | str) -> str:
        return f"{self.root}/counter/{counter_id}/command"

    def counter_reply(self, counter_id: int | str) -> str:
        return f"{self.root}/counter/{counter_id}/reply"

    def counter_state(self, counter_id: int | str) -> str:
        return f"{self.root}/counter/{counter_id}/state"

    @property
    def hall_state(self) -> str:
        return f"{self.root}/hall/state"

    @property
    def hall_announce(self) -> str:
        return f"{self.root}/hall/announce"

    @property
    def suggestions(self) -> str:
        return f"{self.root}/suggestions"

    @property
    def event(self) -> str:
        return f"{self.root}/event"

    @property
    def uplink_event(self) -> str:
        return f"{self.root}/uplink/event"

    @property
    def uplink_ack(self) -> str:
        return f"{self.root}/uplink/ack"

    def device_status(self, device_id: str) -> str:
        return f"{self.root}/device/{device_id}/status"

    def device_announced(self, device_id: str) -> str:
        return f"{self.root}/device/{device_id}/announced"

    def segment(self, topic: str, after: str) -> str | None:
        """The topic level following `after`, e.g. the kiosk id in `.../kiosk/{id}/request`."""
        levels = topic[len(self.root) + 1 :].split("/") if topic.startswith(self.root + "/") else []
        if after in levels[:-1]:
            return levels[levels.index(after) + 1]
        return None
