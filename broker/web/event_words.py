"""An event's data in the manager's words, for the audit page's "Chi tiết" column.

Each key an event writes has one phrase here ("service": "TKQ" -> "dịch vụ Trả kết quả"); a key
that only machines need (request and ticket ids, the sign-in address) is left out on purpose. A key
this module does not know is left out too, never shown raw: `tests/test_event_words.py` checks that
every key an event in the code writes is known here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from broker.accounts.registry import ROLE_VI
from broker.reports.formats import duration_vi, vn_date
from xephang.config import SiteConfig
from xephang.labels import DEVICE_PROBLEM_NAMES, PRIORITY_NAMES, RATING_NAMES, SOURCE_NAMES


@dataclass(frozen=True)
class Words:
    """What the phrases look names up in: the site's services and counters, the accounts' names."""

    config: SiteConfig
    names: Mapping[str, str]  # username -> how the page names the account
    day: date  # the local day the page shows: a moment on another day also names its date

    def service(self, code: object) -> str:
        found = self.config.service(str(code))
        return found.name if found else str(code)

    def counter(self, counter_id: object) -> str:
        return self.config.counter_label(int(str(counter_id)))

    def clock(self, moment: object) -> str:
        """An ISO moment as local "HH:MM", with its date when it is not the page's day (a device
        trouble that began yesterday)."""
        at = datetime.fromisoformat(str(moment)).astimezone(self.config.site.zone)
        return at.strftime("%H:%M") + ("" if at.date() == self.day else f" ngày {vn_date(at.date())}")


Phrase = Callable[[Any, Mapping[str, Any], Words], str | None]

# The state a ticket was in when its day ended (`ticket_expired`'s "was").
WAS: Final = {"waiting": "khi đang chờ", "called": "khi đã được gọi", "serving": "khi đang được phục vụ",
              "returning": "khi đang đi bổ sung giấy tờ"}
REASONS: Final = {"offline_ticket_printed": "ki-ốt đã in phiếu khi mất kết nối thay cho số này"}
METHODS: Final = {"GET": "mở trang", "HEAD": "mở trang", "POST": "gửi yêu cầu"}
# Kept out of the column: ids only machines use, what other columns already show, and a citizen's
# private data (their ID card's keyed hash, booking and dossier codes), which the audit never shows.
LEFT_OUT: Final = frozenset({"account", "number", "address", "request_id", "replaced_by", "ticket",
                             "reprint", "id_hash", "booking_code", "dossier_code"})


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _services(codes: Any, words: Words) -> str:
    return ", ".join(words.service(code) for code in codes)


def _counters(ids: Any, words: Words) -> str:
    return ", ".join(words.counter(i) for i in ids) if ids else "không quầy nào"


def _priority(value: Any, data: Mapping[str, Any], words: Words) -> str:
    name = PRIORITY_NAMES.get(value)
    return f"ưu tiên: {_lower_first(name)}" if name else "không ưu tiên"


def _transferred_from(value: Any, data: Mapping[str, Any], words: Words) -> str | None:
    if value == data.get("service"):
        return None  # sent to another counter within its own service
    return f"chuyển từ dịch vụ {words.service(value)}"


def _eta(value: Any, data: Mapping[str, Any], words: Words) -> str:
    return f"dự kiến chờ {duration_vi(value)}" if value else "dự kiến được gọi ngay"


def _ahead(value: Any, data: Mapping[str, Any], words: Words) -> str:
    return f"{value} người chờ trước" if value else "không ai chờ trước"


def _target(value: Any, data: Mapping[str, Any], words: Words) -> str:
    """A refused request ("POST /admin/…"), or the account an action was about."""
    method, _, path = str(value).partition(" ")
    if method in METHODS and path.startswith("/"):
        return f"{METHODS[method]} {path}"
    return f"tài khoản {words.names.get(str(value), str(value))}"


def _staff_counter(value: Any, data: Mapping[str, Any], words: Words) -> str | None:
    return None if value in (data.get("counters") or []) else f"làm việc tại {words.counter(value)}"


def _before(value: Any, data: Mapping[str, Any], words: Words) -> str | None:
    if isinstance(value, Mapping):
        said = describe(value, words)
        return f"trước đó: {_lower_first(said)}" if said else None
    return f"trước đó: {_services(value, words)}" if value else "trước đó: không dịch vụ nào"


PHRASES: Final[dict[str, Phrase]] = {
    "service": lambda v, d, w: f"dịch vụ {w.service(v)}",
    "from_service": _transferred_from,
    "to_counter": lambda v, d, w: f"sang {w.counter(v)}",
    "services": lambda v, d, w: f"dịch vụ: {_services(v, w)}" if v else "không dịch vụ nào",
    "priority": _priority,
    "source": lambda v, d, w: f"lấy số bằng {_lower_first(SOURCE_NAMES[v])}"
    if v in SOURCE_NAMES else None,
    "kiosk": lambda v, d, w: f"tại ki-ốt {v}",
    "ahead": _ahead,
    "eta_s": _eta,
    "wait_s": lambda v, d, w: f"đã chờ {duration_vi(v)}",
    "service_s": lambda v, d, w: f"phục vụ trong {duration_vi(v)}",
    "repeat": lambda v, d, w: f"gọi lại lần {v}" if v else None,
    "chosen": lambda v, d, w: "gọi số chọn riêng" if v else None,
    "rating": lambda v, d, w: f"đánh giá: {_lower_first(RATING_NAMES.get(v, ''))}"
    if v in RATING_NAMES else None,
    "reason": lambda v, d, w: REASONS.get(v),
    "was": lambda v, d, w: WAS.get(v),
    "device": lambda v, d, w: f"thiết bị {v}",
    "problem": lambda v, d, w: _lower_first(DEVICE_PROBLEM_NAMES.get(v, "")) or None,
    "since": lambda v, d, w: f"từ {w.clock(v)}",
    "until": lambda v, d, w: f"đến {w.clock(v)}",
    "last_believed": lambda v, d, w: f"lần cuối máy chủ chạy đúng giờ: {w.clock(v)}",
    "target": _target,
    "name": lambda v, d, w: f"họ tên: {v}",
    "role": lambda v, d, w: f"vai trò: {_lower_first(ROLE_VI[v])}" if v in ROLE_VI else None,
    "staff_counter": _staff_counter,
    "counters": lambda v, d, w: f"quầy: {_counters(v, w)}",
    "before": _before,
    "block": lambda v, d, w: f"khung giờ {v}",
}
KNOWN_KEYS: Final = LEFT_OUT | PHRASES.keys()


def describe(data: Mapping[str, Any], words: Words) -> str:
    """The event's data as one Vietnamese line: "Dịch vụ Trả kết quả; không ưu tiên; …"."""
    said = [PHRASES[key](value, data, words) for key, value in data.items()
            if key in PHRASES and value not in (None, "")]
    text = "; ".join(phrase for phrase in said if phrase)
    return text[:1].upper() + text[1:]

