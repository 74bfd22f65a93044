"""The kiosk's own logic: a press becomes a request, the reply becomes a printed ticket.

No MQTT, GPIO or HTTP in here: the role wires a transport (send a request), an output (print a
ticket) and a notifier (tell the page) in, so every rule below is unit-testable.

Rules:
- One request at a time per kiosk; a press while one is in flight is ignored (a double press, or a
  second citizen pressing before the first ticket is out).
- A press for a service within `repeat_guard_s` of that service's last ticket is ignored (gpiozero's
  debounce does nothing on mock pins and little against an impatient double press).
- No reply within `reply_timeout_s`: the same request (same request_id; the broker is idempotent) is
  sent once more at half time; then the citizen is told to press again or ask the staff.
- Every ticket comes from `_issue()`: from the server, or, when it does not answer in time, from the
  kiosk's own offline number block (kiosk.offline), printed marked as such.
- A scan (kiosk.scan_rules) either remembers a CCCD's priority and ID hash for the next press (for
  `[scan] choice_timeout_s`), takes a number at once (booking, dossier), or tells the citizen why not.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol, get_args

from hardware.errors import PrinterUnavailable
from kiosk.offline import OfflineIssuer
from kiosk.qr_payload import ScanResult
from kiosk.scan_rules import Choose, Intent, Tell, interpret
from kiosk.ticket_text import PRIORITY_NAMES
from routing.availability import outside_hours
from routing.wait_range import ticket_wait_text
from xephang.config import SiteConfig
from xephang.protocol import (
    HallState,
    Priority,
    ServiceClosed,
    Ticket,
    TicketReply,
    TicketRequest,
    Unavailability,
    decode_or_drop,
)

log = logging.getLogger(__name__)

NO_ANSWER = "Máy chủ chưa phản hồi, vui lòng bấm lại hoặc liên hệ cán bộ hướng dẫn"
REFUSED = "Không lấy được số thứ tự, vui lòng liên hệ cán bộ hướng dẫn"
BUSY_SCAN = "Ki-ốt đang in phiếu khác, vui lòng quét lại sau giây lát"
UNEXPECTED = "Ki-ốt gặp lỗi, vui lòng bấm lại hoặc liên hệ cán bộ hướng dẫn"
# What the citizen reads for each refusal the broker sends (broker/queue/tickets.py); any other
# reason reads REFUSED.
REFUSALS = {
    "unknown_service": "Dịch vụ này hiện không cấp số, vui lòng liên hệ cán bộ hướng dẫn",
    "numbers_exhausted": "Dịch vụ này đã hết số thứ tự hôm nay, vui lòng liên hệ cán bộ hướng dẫn",
    "clock_wrong": "Máy chủ đang chờ chỉnh lại đồng hồ, vui lòng liên hệ cán bộ hướng dẫn",
}
OFFLINE_USED_UP = "Ki-ốt đã hết số dự phòng khi mất kết nối, vui lòng liên hệ cán bộ hướng dẫn"
OFFLINE_NOTE = "Số được cấp khi mất kết nối với máy chủ; cán bộ vẫn gọi số này như bình thường."
REPRINT_NOTE = "Công dân đã có số thứ tự này cho dịch vụ đã chọn; phiếu được in lại."

PressResult = Literal["accepted", "busy", "repeat", "unknown", "unavailable"]
State = Literal["idle", "waiting", "ticket", "error", "choice"]


@dataclass(frozen=True)
class KioskStatus:
    """What the kiosk's page shows."""

    state: State
    service: str = ""
    service_name: str = ""
    number: str = ""
    message: str = ""
    detail: str = ""
    png: str = ""
    ticket_id: str = ""  # the page shows the status-page QR when the paper did not come out
    offline: bool = False
    priority: str = ""  # the priority's Vietnamese name, if any
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Transport(Protocol):
    def send(self, request: TicketRequest) -> None: ...

    def is_connected(self) -> bool: ...


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    offline: bool = False  # from the kiosk's own block: printed marked as such
    reprint: bool = False  # the citizen's existing ticket, printed again


TicketOutput = Callable[[Issued], str | None]  # prints; returns the PNG's name in demo mode
Notify = Callable[[KioskStatus], None]


class IssueFailed(Exception):
    """No ticket could be issued; `message` is for the citizen, in Vietnamese."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message
        self.detail = detail


class _Pending:
    def __init__(self, request: TicketRequest) -> None:
        self.request = request
        self.answered = threading.Event()
        self.reply: TicketReply | None = None


class Kiosk:
    def __init__(self, config: SiteConfig, transport: Transport, output: TicketOutput,
                 notify: Notify, *, reply_timeout_s: float = 3.0, repeat_guard_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, offline: OfflineIssuer | None = None,
                 wall_clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self._transport = transport
        self._output = output
        self._notify = notify
        self.reply_timeout_s = reply_timeout_s
        self.repeat_guard_s = repeat_guard_s
        self._clock = clock
        self._lock = threading.Lock()
        self._busy = False
        self._pending: _Pending | None = None
        self._last_ticket: dict[str, float] = {}
        self._worker: threading.Thread | None = None
        self._offline = offline
        self._wall_clock = wall_clock or (lambda: datetime.now(config.site.zone))
        self._choice: tuple[Intent, float] | None = None
        self._closed: dict[str, ServiceClosed] = {}  # from the broker's latest hall state

    def press(self, service: str, priority: Priority | None = None) -> PressResult:
        """A citizen pressed `service` (with a priority chosen on the page, if any); returns at
        once (the work runs on a worker thread). A CCCD scanned just before supplies the rest."""
        if self.config.service(service) is None:
            log.warning("press for unknown service %r ignored", service)
            return "unknown"
        closed = self.availability().get(service)
        if closed is not None:
            self._notify(KioskStatus("error", service, self._service_name(service),
                                     message=closed.detail))
            return "unavailable"
        with self._lock:
            intent = self._take_choice() or Intent()
        if priority is not None and priority != "none" and intent.priority == "none":
            intent = Intent(priority, intent.source, intent.id_hash)
        return self._start(service, intent)

    def note_hall(self, hall: HallState) -> None:
        """The broker's latest hall state: which services take no ticket now, and why."""
        with self._lock:
            self._closed = dict(hall.unavailable)

    def availability(self) -> dict[str, ServiceClosed]:
        """The services that take no ticket now: opening hours by this kiosk's clock (it needs no
        broker for that), counters and quotas by the broker's last word."""
        hours = outside_hours(self.config, self._wall_clock())
        if hours is not None:
            return {service.code: hours for service in self.config.services}
        with self._lock:
            return {code: why for code, why in self._closed.items() if why.reason != "outside_hours"}

    def scan(self, result: ScanResult) -> None:
        """A QR code the camera read (already classified); never raises on any result."""
        action = interpret(self.config, result, self._wall_clock())
        if isinstance(action, Tell):
            self._notify(KioskStatus("error", message=action.message))
        elif isinstance(action, Choose):
            with self._lock:
                self._choice = (action.intent, self._clock() + self.config.scan.choice_timeout_s)
            priority = PRIORITY_NAMES.get(action.intent.priority, "")
            self._notify(KioskStatus("choice", message=action.message, priority=priority))
        elif self._start(action.service, action.intent, action.note) != "accepted":
            self._notify(KioskStatus("error", message=BUSY_SCAN))

    def _take_choice(self) -> Intent | None:
        choice, self._choice = self._choice, None
        if choice is None or self._clock() > choice[1]:
            return None
        return choice[0]

    def _start(self, service: str, intent: Intent, note: str = "") -> PressResult:
        with self._lock:
            result = self._admit(service)
            if result == "accepted":
                self._busy = True
                self._worker = threading.Thread(target=self._serve, args=(service, intent, note),
                                                name=f"kiosk-{service}", daemon=True)
                self._worker.start()
        if result != "accepted":
            log.info("request for %s ignored: %s", service, result)
        return result

    def _admit(self, service: str) -> PressResult:
        if self._busy:
            return "busy"
        last = self._last_ticket.get(service)
        if last is not None and self._clock() - last < self.repeat_guard_s:
            return "repeat"
        return "accepted"

    def wait_idle(self, timeout: float) -> bool:
        """Wait for the request in flight, if any, to finish (used when stopping)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

    def handle_reply(self, payload: bytes) -> None:
        """A message on `kiosk/{id}/reply`: wake the request it answers; drop anything else."""
        reply = decode_or_drop(TicketReply, "kiosk/reply", payload)
        if reply is not None:
            self.answer(reply)

    def answer(self, reply: TicketReply) -> None:
        """Wake the request `reply` answers; a late or repeated reply is only logged."""
        with self._lock:
            pending = self._pending
            if pending is not None and pending.request.request_id == reply.request_id:
                pending.reply = reply
                pending.answered.set()
                return
        number = reply.ticket.number if reply.ticket else "-"
        log.warning("reply to request %s came too late or twice (ticket %s not printed here)",
                    reply.request_id, number)

    def _serve(self, service: str, intent: Intent, note: str) -> None:
        name = self._service_name(service)
        self._notify(KioskStatus("waiting", service, name, message="Đang lấy số, vui lòng chờ…"))
        try:
            self._notify(self._issue_and_print(service, name, intent, note))
        except Exception:  # the worker's boundary: log the bug, never leave the page waiting
            log.exception("issuing a ticket for %s failed", service)
            self._notify(KioskStatus("error", service, name, message=UNEXPECTED))
        finally:
            with self._lock:
                self._busy = False

    def _issue_and_print(self, service: str, name: str, intent: Intent, note: str) -> KioskStatus:
        try:
            issued = self._issue(service, intent)
        except IssueFailed as exc:
            log.warning("no ticket for %s: %s", service, exc)
            return KioskStatus("error", service, name, message=exc.message, detail=exc.detail)
        with self._lock:
            self._last_ticket[service] = self._clock()
            self._choice = None  # a scanned priority belongs to one ticket, never the next one
        ticket = issued.ticket
        shown = KioskStatus("ticket", service, name, ticket.number, ticket_id=ticket.id,
                            offline=issued.offline, priority=PRIORITY_NAMES.get(ticket.priority, ""))
        try:
            png = self._output(issued)
        except PrinterUnavailable as exc:
            log.error("ticket %s issued but not printed: %s", ticket.number, exc)
            return replace(shown, state="error", detail=str(exc), message=(
                f"Đã cấp số {ticket.number} nhưng máy in đang gặp sự cố. Vui lòng ghi nhớ số này "
                "hoặc chụp mã QR bên dưới, và liên hệ cán bộ hướng dẫn."))
        log.info("ticket %s for %s printed%s", ticket.number, service,
                 " (offline)" if issued.offline else "")
        message = _ticket_message(issued, note, self.config.routing.eta_round_min)
        return replace(shown, png=png or "", message=message)

    def _issue(self, service: str, intent: Intent) -> Issued:
        """The one place a ticket is obtained: from the server, else from the offline block."""
        request = TicketRequest(request_id=uuid.uuid4(), service=service, priority=intent.priority,
                                source=intent.source, id_hash=intent.id_hash,
                                booking_code=intent.booking_code, dossier_code=intent.dossier_code)
        reply = self._ask_server(request)
        if reply is None:
            return self._issue_offline(service, intent, request.request_id)
        if not reply.ok or reply.ticket is None:
            said = reply.detail if reply.error in get_args(Unavailability) and reply.detail else None
            raise IssueFailed(said or REFUSALS.get(reply.error or "", REFUSED),
                              f"{reply.error}: {reply.detail}")
        return Issued(reply.ticket, reprint=reply.reprint)

    def _issue_offline(self, service: str, intent: Intent, abandoned: uuid.UUID) -> Issued:
        config = self.config.service(service)
        if self._offline is None or config is None:
            raise IssueFailed(NO_ANSWER, "no reply from the queue server")
        ticket = self._offline.issue(config, intent, abandoned)
        if ticket is None:
            raise IssueFailed(OFFLINE_USED_UP, "offline block used up")
        return Issued(Ticket.model_validate(ticket.model_dump()), offline=True)

    def _ask_server(self, request: TicketRequest) -> TicketReply | None:
        if not self._transport.is_connected():
            log.warning("not connected to MQTT; request for %s not sent", request.service)
            return None
        pending = _Pending(request)
        with self._lock:
            self._pending = pending
        try:
            self._transport.send(request)
            if not pending.answered.wait(self.reply_timeout_s / 2):
                log.info("no reply to %s yet; sending it again", request.request_id)
                self._transport.send(request)
                pending.answered.wait(self.reply_timeout_s / 2)
            return pending.reply
        finally:
            with self._lock:
                self._pending = None

    def _service_name(self, code: str) -> str:
        service = self.config.service(code)
        return service.name if service else code


def _ticket_message(issued: Issued, note: str, round_min: int) -> str:
    ticket = issued.ticket
    if ticket.ahead == 0:
        text = "Mời công dân nhận phiếu. Hiện không có ai chờ phía trước."
    else:
        wait = ticket_wait_text(ticket, round_min)
        text = (f"Mời công dân nhận phiếu. Phía trước còn {ticket.ahead} người, "
                f"thời gian chờ dự kiến {wait}.")
    notes = [note, REPRINT_NOTE if issued.reprint else "", OFFLINE_NOTE if issued.offline else ""]
    return " ".join([text, *[n for n in notes if n]])
