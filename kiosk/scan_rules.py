"""What a scanned QR code makes the kiosk do: a pure function from a ScanResult to an action.

- A chip ID card (CCCD) sets priority by age and becomes a keyed hash of the ID number at once; the
  citizen then chooses a service. The number, name and address go no further than this function:
  the action carries only the hash and the priority (DESIGN.md section 5).
- A valid booking for this center takes a number for its service at once, with appointment priority
  inside its time window (config `[scan]`), without it outside.
- A dossier receipt takes a number for the results service (`[scan] results_service`).
- Anything else is told to the citizen in plain Vietnamese.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk.qr_payload import MSG_BAD_BOOKING, MSG_UNKNOWN, MissingKeyError, ScanResult, age_on, id_hash
from kiosk.ticket_text import PRIORITY_NAMES
from xephang.config import SiteConfig
from xephang.protocol import Priority, Source

log = logging.getLogger(__name__)

MSG_OTHER_SITE = "Phiếu hẹn này dành cho trung tâm khác. Vui lòng liên hệ cán bộ hướng dẫn."
MSG_OUT_OF_WINDOW = "Đã quá hoặc chưa đến giờ hẹn; số thứ tự được cấp theo lượt thường."
MSG_NO_RESULTS = "Ki-ốt chưa được cài đặt dịch vụ trả kết quả. Vui lòng chọn dịch vụ trên màn hình."
MSG_TICKET = "Đây là phiếu số thứ tự. Quét mã bằng điện thoại để theo dõi lượt chờ."
MSG_CCCD = "Đã đọc Căn cước công dân. Mời chọn dịch vụ."


@dataclass(frozen=True)
class Intent:
    """How a ticket is asked for: everything in a request except the service and request id."""

    priority: Priority = "none"
    source: Source = "button"
    id_hash: str | None = None
    booking_code: str | None = None
    dossier_code: str | None = None


@dataclass(frozen=True)
class Choose:
    """Remember `intent` for the citizen's next press (a CCCD was scanned)."""

    intent: Intent
    message: str


@dataclass(frozen=True)
class IssueNow:
    """Take a number for `service` right away (a booking or a dossier receipt)."""

    service: str
    intent: Intent
    note: str = ""


@dataclass(frozen=True)
class Tell:
    """Nothing to issue; show `message` to the citizen."""

    message: str


ScanAction = Choose | IssueNow | Tell


def interpret(config: SiteConfig, result: ScanResult, now: datetime) -> ScanAction:
    """`now` is the center's local time (naive or aware); never raises on any ScanResult."""
    local = now.astimezone(config.site.zone).replace(tzinfo=None) if now.tzinfo else now
    if result.kind == "cccd":
        return _cccd(config, result, local.date())
    if result.kind == "booking":
        return _booking(config, result, local)
    if result.kind == "dossier":
        return _dossier(config, result)
    if result.kind == "ticket":
        return Tell(MSG_TICKET)
    return Tell(result.message or MSG_UNKNOWN)


def _cccd(config: SiteConfig, result: ScanResult, today: date) -> ScanAction:
    priority: Priority = "none"
    birth = result.fields.get("birth_date")
    if isinstance(birth, str):
        try:
            if age_on(date.fromisoformat(birth), today) >= config.priority.elderly_age:
                priority = "elderly"
        except ValueError:
            log.info("chip ID card birth date unreadable; no age priority")
    intent = Intent(priority=priority, source="cccd", id_hash=_hash(result))
    if priority == "none":
        return Choose(intent, MSG_CCCD)
    return Choose(intent, f"{MSG_CCCD} Ưu tiên: {PRIORITY_NAMES[priority]}.")


def _hash(result: ScanResult) -> str | None:
    number = result.fields.get("id_number")
    if not isinstance(number, str):
        return None
    try:
        return id_hash(number)
    except MissingKeyError:
        # Without the key the kiosk cannot link a citizen's tickets; age priority still works.
        log.error("XEPHANG_ID_HASH_KEY is not set: a scanned ID card is not linked to its tickets")
    except ValueError:
        log.info("chip ID card number unusable for the hash")
    return None


def _booking(config: SiteConfig, result: ScanResult, now: datetime) -> ScanAction:
    fields = result.fields
    if fields.get("valid") is not True:  # check `valid` before trusting any other field
        return Tell(result.message or MSG_BAD_BOOKING)
    if fields.get("site") != config.site.id:
        return Tell(MSG_OTHER_SITE)
    service = config.service(str(fields.get("service")))
    if service is None:
        return Tell(MSG_BAD_BOOKING)
    try:
        slot = datetime.fromisoformat(str(fields.get("slot")))
    except ValueError:
        return Tell(MSG_BAD_BOOKING)
    scan = config.scan
    inside = (slot - timedelta(minutes=scan.booking_early_min) <= now
              <= slot + timedelta(minutes=scan.booking_late_min))
    booking_id = str(fields.get("booking_id", ""))[:128]
    intent = Intent(priority="appointment" if inside else "none", source="booking",
                    booking_code=booking_id)
    return IssueNow(service.code, intent, "" if inside else MSG_OUT_OF_WINDOW)


def _dossier(config: SiteConfig, result: ScanResult) -> ScanAction:
    service = config.scan.results_service
    if service is None:
        return Tell(MSG_NO_RESULTS)
    code = str(result.fields.get("dossier_code", ""))[:128]
    return IssueNow(service, Intent(source="dossier", dossier_code=code))
