"""MQTT contract version 1 (DESIGN.md section 3): topics and payloads as pydantic models.

Every payload is a UTF-8 JSON object with `"v": 1`. Receivers call `decode()`, which turns anything
malformed into a ProtocolError carrying an error code and a human-readable detail, ready to be sent
back as an `ErrorReply`. Unknown extra keys are ignored so that a newer sender does not break an older
receiver; a missing or ill-typed key is an error.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from xephang.errors import ProtocolError

VERSION: Literal[1] = 1
MAX_PAYLOAD_BYTES = 16 * 1024

Priority = Literal["none", "elderly", "disabled", "pregnant", "merit", "appointment"]
Source = Literal["button", "cccd", "booking", "dossier"]
CounterAction = Literal[
    "call_next", "recall", "no_show", "done", "transfer", "pause", "resume", "rate"
]
CounterStatus = Literal["idle", "calling", "serving", "paused", "closed"]
ServiceCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")]
ShortText = Annotated[str, Field(max_length=128)]


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


class Ticket(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=64)]
    number: Annotated[str, Field(pattern=r"^[0-9]{1,6}$")]
    service: ServiceCode
    issued_at: Moment
    ahead: int = Field(ge=0)
    eta_s: int = Field(ge=0)
    priority: Priority = "none"


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


class CounterCommand(Message):
    command_id: UUID
    action: CounterAction
    args: Annotated[dict[ArgKey, ArgValue], Field(max_length=8)] = Field(default_factory=dict)


class CounterReply(Message):
    command_id: UUID
    ok: bool
    ticket: Ticket | None = None
    status: CounterStatus | None = None
    error: str | None = None
    detail: str | None = None


class CounterState(Message):
    counter: int
    status: CounterStatus
    ticket: Ticket | None = None
    since: Moment


class RecentCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    counter: int
    at: Moment


class HallState(Message):
    recent_calls: list[RecentCall] = Field(default_factory=list, max_length=8)
    waiting: dict[str, int] = Field(default_factory=dict)
    eta_s: dict[str, int] = Field(default_factory=dict)


class Announcement(Message):
    call_id: str
    number: str
    counter: int
    text: str
    repeat: int = Field(default=0, ge=0)
    # When the call was made (the broker's clock, as a counter state's `since`): a display tells
    # from it whether a counter state it holds is newer than the call. Optional for older senders.
    at: datetime | None = None


class Event(Message):
    model_config = ConfigDict(extra="allow", frozen=True)

    seq: int
    at: Moment
    type: str
    ticket: str | None = None
    counter: int | None = None


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
    data = _json_object(payload)
    version = data.get("v")
    if type(version) is not int or version != VERSION:
        raise ProtocolError("unsupported_version",
                            f"Phiên bản phải là số nguyên \"v\": {VERSION}, nhận được {version!r:.20}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError("invalid_payload", _describe(exc)) from exc


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
    def event(self) -> str:
        return f"{self.root}/event"

    def device_status(self, device_id: str) -> str:
        return f"{self.root}/device/{device_id}/status"

    def segment(self, topic: str, after: str) -> str | None:
        """The topic level following `after`, e.g. the kiosk id in `.../kiosk/{id}/request`."""
        levels = topic[len(self.root) + 1 :].split("/") if topic.startswith(self.root + "/") else []
        if after in levels[:-1]:
            return levels[levels.index(after) + 1]
        return None
