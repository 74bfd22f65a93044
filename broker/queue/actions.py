"""Counter actions, each run inside the command's transaction.

An action either changes state (through the transaction, appending its events) and returns the
ticket to show in the reply, or raises Rejected before, or instead of, changing anything; the caller
rolls a rejected action back to a savepoint, so a half-done action never stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from broker.errors import Rejected
from broker.queue import live
from broker.queue.live import candidate
from broker.queue.messages import announcement
from broker.store.db import CounterRow, EventRow, TicketRow, Tx
from routing.call_rule import choose_next
from xephang.config import Counter, SiteConfig
from xephang.protocol import Announcement

RATINGS = ("very_satisfied", "satisfied", "unsatisfied")


@dataclass
class Step:
    tx: Tx
    config: SiteConfig
    counter_config: Counter
    args: dict[str, Any]
    events: list[EventRow] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    account: str | None = None  # the staff account that pressed, for the audit trail

    @property
    def counter(self) -> CounterRow:
        return self.tx.counter(self.counter_config.id)

    def current(self) -> TicketRow | None:
        return self.tx.ticket(self.counter.ticket)

    def event(self, type_: str, ticket: TicketRow | None, **data: Any) -> EventRow:
        if self.account:
            data["account"] = self.account
        row = self.tx.append_event(type_, ticket=ticket.id if ticket else None,
                                   counter=self.counter_config.id, **data)
        self.events.append(row)
        return row

    def set_status(self, status: str, **fields: Any) -> None:
        self.tx.update_counter(self.counter_config.id, status=status, since=self.tx.now, **fields)

    def after_ticket_status(self) -> str:
        """A counter whose ticket is finished is idle, unless it was paused."""
        return "paused" if self.counter.status == "paused" else "idle"


Action = Callable[[Step], TicketRow | None]


def require_current(step: Step) -> TicketRow:
    current = step.current()
    if current is None:
        raise Rejected("no_ticket", "Quầy chưa gọi số nào (no ticket at this counter).")
    return current


def _finish(step: Step, status: str) -> TicketRow | None:
    """End the counter's current ticket as `done` or `no_show`; the counter keeps it as last."""
    current = step.current()
    if current is None:
        return None
    step.tx.update_ticket(current.id, status=status, finished_at=step.tx.now)
    step.set_status(step.after_ticket_status(), ticket=None, last_ticket=current.id)
    step.event(f"ticket_{status}", current, number=current.number, service=current.service)
    return current


def _require_open(step: Step) -> None:
    if step.counter.status == "closed":
        raise Rejected("counter_closed", "Quầy đang đóng; quản lý cần mở quầy trước.")


def _callable(step: Step) -> list[TicketRow]:
    """Waiting tickets of the counter's services, plus those transferred to this very counter;
    a ticket transferred to another counter waits for that one only."""
    me, services = step.counter_config.id, set(step.counter_config.services)
    return [t for t in step.tx.waiting()
            if t.counter == me or (t.counter is None and t.service in services)]


def call_next(step: Step) -> TicketRow | None:
    _require_open(step)
    if step.counter.status == "paused":
        raise Rejected("counter_paused", "Quầy đang tạm dừng; bấm Tiếp tục trước khi gọi số.")
    _finish(step, "done")
    pool = _callable(step)
    services = [*step.counter_config.services, *(t.service for t in pool)]
    chosen = choose_next([candidate(t) for t in pool], services, now=step.tx.now,
                         rule=live.rule(step.tx, step.config),
                         streak=live.streak(step.tx, step.config))
    if chosen is None:
        return None
    ticket = step.tx.ticket(chosen.id)
    assert ticket is not None
    counter_id = step.counter_config.id
    step.tx.update_ticket(ticket.id, status="called", counter=counter_id, called_at=step.tx.now)
    step.set_status("calling", ticket=ticket.id)
    wait_s = round((step.tx.now - ticket.issued_at).total_seconds())
    event = step.event("ticket_called", ticket, number=ticket.number, service=ticket.service,
                       priority=ticket.priority, repeat=0, wait_s=max(0, wait_s))
    step.announcements.append(announcement(event, ticket.number, counter_id, 0))
    return step.tx.ticket(ticket.id)


def recall(step: Step) -> TicketRow | None:
    current = require_current(step)
    repeat = current.recalls + 1
    step.tx.update_ticket(current.id, recalls=repeat)
    event = step.event("ticket_recalled", current, number=current.number, repeat=repeat)
    step.announcements.append(announcement(event, current.number, step.counter_config.id, repeat))
    return step.tx.ticket(current.id)


def no_show(step: Step) -> TicketRow | None:
    require_current(step)
    _finish(step, "no_show")
    return None


def done(step: Step) -> TicketRow | None:
    require_current(step)
    _finish(step, "done")
    return None


def pause(step: Step) -> TicketRow | None:
    _require_open(step)
    if step.counter.status != "paused":
        step.set_status("paused")
        step.event("counter_paused", step.current())
    return step.current()


def resume(step: Step) -> TicketRow | None:
    if step.counter.status == "paused":
        step.set_status("calling" if step.counter.ticket else "idle")
        step.event("counter_resumed", step.current())
    return step.current()


def _transfer_counter(step: Step) -> int | None:
    """The counter a ticket is sent to (`args.counter`), or None when it goes to a service's line."""
    target = step.args.get("counter")
    if target is None:
        return None
    if not isinstance(target, int) or step.config.counter(target) is None:
        raise Rejected("unknown_counter", f"Không có quầy {target!r} để chuyển sang (unknown counter).")
    if target == step.counter_config.id:
        raise Rejected("same_counter", "Không thể chuyển sang chính quầy này.")
    return target


def transfer(step: Step) -> TicketRow | None:
    current = require_current(step)
    to_counter = _transfer_counter(step)
    target = step.args.get("service", current.service if to_counter else None)
    if not isinstance(target, str) or step.config.service(target) is None:
        raise Rejected("unknown_service",
                       f"Không có dịch vụ {target!r} để chuyển sang (unknown service).")
    # Back to waiting with its original issue time, so the citizen keeps their place in line.
    step.tx.update_ticket(current.id, status="waiting", service=target, counter=to_counter,
                          called_at=None)
    step.set_status(step.after_ticket_status(), ticket=None)
    step.event("ticket_transferred", current, number=current.number, service=target,
               from_service=current.service, to_counter=to_counter)
    return None


def rate(step: Step) -> TicketRow | None:
    rating = step.args.get("rating")
    if rating not in RATINGS:
        raise Rejected("invalid_rating", f"Đánh giá phải là một trong {', '.join(RATINGS)}.")
    ticket = step.tx.ticket(step.args.get("ticket") or step.counter.ticket or step.counter.last_ticket)
    if ticket is None or ticket.counter != step.counter_config.id or ticket.status == "waiting":
        raise Rejected("no_ticket", "Không có lượt phục vụ nào để đánh giá (nothing to rate).")
    if ticket.rating is not None:
        raise Rejected("already_rated", f"Số {ticket.number} đã được đánh giá (already rated).")
    step.tx.update_ticket(ticket.id, rating=rating)
    step.event("ticket_rated", ticket, number=ticket.number, service=ticket.service, rating=rating)
    return step.tx.ticket(ticket.id)


ACTIONS: dict[str, Action] = {
    "call_next": call_next, "recall": recall, "no_show": no_show, "done": done,
    "pause": pause, "resume": resume, "transfer": transfer, "rate": rate,
}
