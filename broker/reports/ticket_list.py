"""One day's tickets, one row each, for the manager's ticket-level export: what happened to every
ticket, as the staff saw it (number, service, priority, times, counter, official, rating, how it
ended) — no ticket id, ID hash, booking or dossier code.

A ticket called more than once (transferred, or back after fetching a paper) shows its last call:
that call's time, start of service, end, counter and official; its wait is the sum of its waits
in line, its service time that of its served visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from broker.reports.figures import BUTTON, ISSUES, Visit, visits
from broker.reports.tables import ENDING_NAMES, UNCALLED_NAMES, Cell, Table
from broker.store.db import EventRow, TicketRow
from xephang.config import SiteConfig
from xephang.labels import PRIORITY_NAMES, RATING_NAMES
from xephang.protocol import EXPIRED, TICKET_EXPIRED

HEADER = ["Số", "Dịch vụ", "Dịch vụ lúc lấy số", "Ưu tiên", "Lấy số lúc", "Gọi lúc",
          "Bắt đầu phục vụ lúc", "Kết thúc lúc", "Chờ (phút)", "Phục vụ (phút)", "Số lần gọi",
          "Quầy", "Cán bộ", "Đánh giá", "Kết quả"]
# A ticket's stored status as the outcome the statistics count.
OUTCOMES = {"done": ENDING_NAMES["done"], "no_show": ENDING_NAMES["no_show"],
            "returning": ENDING_NAMES["returning"], "called": ENDING_NAMES["at_counter"],
            "waiting": UNCALLED_NAMES["waiting"], "cancelled": UNCALLED_NAMES["cancelled"]}
# A ticket its day ended, by where it stood then (its `ticket_expired` event's `was`): one set
# aside for a paper stays counted as sent for a paper.
EXPIRED_OUTCOMES = {"called": ENDING_NAMES[EXPIRED], "waiting": UNCALLED_NAMES[EXPIRED],
                    "returning": ENDING_NAMES["returning"]}
PRIORITIES: dict[str, str] = {str(k): v for k, v in PRIORITY_NAMES.items()}
RATINGS_VI: dict[str, str] = {str(k): v for k, v in RATING_NAMES.items()}
NOTE = ("Một dòng cho mỗi vé. Vé được gọi nhiều lần (chuyển quầy, đi bổ sung giấy tờ) ghi lần gọi "
        "cuối: giờ gọi, bắt đầu phục vụ, kết thúc, quầy và cán bộ của lần đó; thời gian chờ là "
        "tổng các lần chờ trong hàng.")


def ticket_table(tickets: Sequence[TicketRow], events: Sequence[EventRow], config: SiteConfig,
                 names: Mapping[str, str] | None = None) -> Table:
    zone, known = config.site.zone, names or {}
    services = {s.code: s.name for s in config.services}
    first = {e.ticket: str(e.data.get("service", "")) for e in events if e.type in ISSUES}
    expired = {e.ticket: EXPIRED_OUTCOMES.get(str(e.data.get("was")), ENDING_NAMES[EXPIRED])
               for e in events if e.type == TICKET_EXPIRED}
    by_ticket: dict[str, list[Visit]] = {}
    for visit in visits(tickets, events):
        by_ticket.setdefault(visit.ticket, []).append(visit)
    rows: list[list[Cell]] = []
    for ticket in sorted(tickets, key=lambda t: (t.issued_at, t.number)):
        calls = by_ticket.get(ticket.id, [])
        issued_for = first.get(ticket.id, ticket.service)
        rows.append([ticket.number, services.get(ticket.service, ticket.service),
                     services.get(issued_for, issued_for) if issued_for != ticket.service else None,
                     PRIORITIES.get(ticket.priority, "Không"), _time(ticket.issued_at, zone),
                     *_last_call(calls, zone, known),
                     _rating(ticket.rating),
                     expired.get(ticket.id) or OUTCOMES.get(ticket.status, ticket.status)])
    return Table("Danh sách vé", HEADER, rows, NOTE)


def _last_call(calls: list[Visit], zone: ZoneInfo, names: Mapping[str, str]) -> list[Cell]:
    if not calls:
        return [None, None, None, None, None, 0, None, None]
    last = calls[-1]
    waited = sum(c.wait_s for c in calls)
    served = [c.service_s for c in calls if c.service_s is not None]
    official = None if last.account == BUTTON else names.get(last.account) or last.account
    return [_time(last.called_at, zone), _time(last.served_at, zone), _time(last.ended_at, zone),
            round(waited / 60, 2), round(sum(served) / 60, 2) if served else None, len(calls),
            last.counter, official or BUTTON]


def _time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).strftime("%H:%M:%S")


def _rating(rating: str | None) -> str | None:
    return None if rating is None else RATINGS_VI.get(rating, rating)
