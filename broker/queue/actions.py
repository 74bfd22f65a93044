"""Counter actions, each run inside the command's transaction.

An action either changes state (through the transaction, appending its events) and returns the
ticket to show in the reply, or raises Rejected before, or instead of, changing anything; the caller
rolls a rejected action back to a savepoint, so a half-done action never stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from broker.errors import Rejected
from broker.queue import live
from broker.queue.live import candidate
from broker.queue.messages import announcement
from broker.store.db import CounterRow, EventRow, TicketRow, Tx
from routing.call_rule import choose_next
from xephang.config import Counter, SiteConfig
from xephang.protocol import (
    RATINGS,
    TICKET_CALL_WITHDRAWN,
    ActionArgs,
    Announcement,
    BadArgument,
    CallArgs,
    RateArgs,
    TransferArgs,
    read_args,
)

A = TypeVar("A", bound=ActionArgs)
# What the reply says of a bad argument, by argument (its code is the protocol's ARG_ERRORS).
BAD_ARGUMENT: dict[str, Callable[[Any], str]] = {
    "counter": lambda value: f"Không có quầy {value!r} để chuyển sang.",
    "service": lambda value: f"Không có dịch vụ {value!r} để chuyển sang.",
    "rating": lambda _: f"Đánh giá phải là một trong {', '.join(RATINGS)}.",
    "ticket": lambda _: "Không có lượt phục vụ nào để đánh giá.",
    "number": lambda value: f"Số {value!r} không phải một số thứ tự (chỉ gồm chữ số).",
}
# The staff page's button that ends a pause, named in refusals so staff know what to press.
RESUME_BUTTON = "Mở lại"


@dataclass
class Step:
    tx: Tx
    config: SiteConfig
    counter_config: Counter
    args: dict[str, Any]  # as sent; an action reads them with `arguments`
    events: list[EventRow] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    account: str | None = None  # the staff account that pressed, for the audit trail
    withdrawn: TicketRow | None = None  # the call this step withdrew, for the reply

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

    def arguments(self, model: type[A]) -> A:
        """The command's `args` as the action's model; a bad one is rejected with its code."""
        try:
            return read_args(model, self.args)
        except BadArgument as exc:
            describe = BAD_ARGUMENT.get(exc.argument)
            raise Rejected(exc.code, describe(exc.value) if describe else exc.detail) from exc

    def after_ticket_status(self) -> str:
        """A counter whose ticket is finished is idle, unless it was paused."""
        return "paused" if self.counter.status == "paused" else "idle"

    def release(self, **fields: Any) -> None:
        """The counter's ticket has ended (done, no-show, transferred, set aside): the counter is
        idle (or stays paused), or closes now if a close was waiting for this ticket."""
        if self.counter.closing is None:
            self.set_status(self.after_ticket_status(), ticket=None, **fields)
        else:
            self.events.append(close_now(self.tx, self.counter_config.id, **fields))


Action = Callable[[Step], TicketRow | None]
# What staff are told when they try to call at a counter that closes after its current citizen.
CLOSING_REFUSAL = "Quầy sắp đóng, không gọi số mới: bấm “Xong” khi phục vụ xong công dân này."


def close_now(tx: Tx, counter_id: int, **fields: Any) -> EventRow:
    """Close a counter that holds no ticket (any close waiting for one is over), with its
    `counter_closed` event in the name of whoever asked for a pending close."""
    asked = tx.counter(counter_id).closing
    tx.update_counter(counter_id, status="closed", ticket=None, closing=None, since=tx.now,
                      **fields)
    return tx.append_event("counter_closed", counter=counter_id,
                           **({"account": asked} if asked else {}))


def require_current(step: Step) -> TicketRow:
    current = step.current()
    if current is None:
        raise Rejected("no_ticket", "Quầy chưa gọi số nào.")
    return current


def _finish(step: Step, status: str) -> TicketRow | None:
    """End the counter's current ticket as `done` or `no_show`; the counter keeps it as last."""
    current = step.current()
    if current is None:
        return None
    step.tx.update_ticket(current.id, status=status, finished_at=step.tx.now)
    began = current.served_at or current.called_at  # as the statistics count service time
    served = ({"service_s": max(0, round((step.tx.now - began).total_seconds()))}
              if status == "done" and began else {})
    step.event(f"ticket_{status}", current, number=current.number, service=current.service,
               **served)
    step.release(last_ticket=current.id)
    return current


def _end_current_call(step: Step) -> TicketRow | None:
    """Before the counter calls again: its citizen was served (done; service time from the call
    when staff never pressed "Bắt đầu phục vụ"), unless the call was made only just now and never
    served (within the site's withdraw_call_within_s), which nobody is served in: that call is
    withdrawn and the withdrawn ticket returned."""
    current = step.current()
    if current is None:
        return None
    within = step.config.routing.withdraw_call_within_s
    if (step.counter.status == "calling" and current.served_at is None and current.called_at
            and (step.tx.now - current.called_at).total_seconds() < within):
        _withdraw(step, current)
        return current
    _finish(step, "done")
    return None


def _withdraw(step: Step, current: TicketRow) -> None:
    """Back to waiting in its own place (issue time and priority unchanged; a ticket transferred to
    a counter waits for that counter again), as if the call had not been made: nobody served."""
    to_counter = step.tx.transferred_to_counter(current.id)
    step.tx.update_ticket(current.id, status="waiting", counter=to_counter, called_at=None,
                          served_at=None, recalls=0)
    step.event(TICKET_CALL_WITHDRAWN, current, number=current.number, service=current.service,
               to_counter=to_counter)
    step.release()
    step.withdrawn = current


def _require_open(step: Step) -> None:
    if step.counter.status == "closed":
        raise Rejected("counter_closed", "Quầy đang đóng; quản lý cần mở quầy trước.")


def _require_working(step: Step) -> None:
    """Open, not closing after its citizen, and not paused: a counter that may call a citizen."""
    _require_open(step)
    if step.counter.closing is not None:
        raise Rejected("counter_closing", CLOSING_REFUSAL)
    if step.counter.status == "paused":
        raise Rejected("counter_paused",
                       f"Quầy đang tạm dừng; bấm “{RESUME_BUTTON}” trước khi gọi số.")


def call_next(step: Step) -> TicketRow | None:
    _require_working(step)
    withdrawn = _end_current_call(step)
    # Staff want someone else than the citizen whose call they just replaced.
    pool = [t for t in live.callable_by(step.tx, step.counter_config)
            if withdrawn is None or t.id != withdrawn.id]
    services = [*step.counter_config.services, *(t.service for t in pool)]
    chosen = choose_next([candidate(t) for t in pool], services, now=step.tx.now,
                         rule=live.rule(step.tx, step.config),
                         streak=live.streak(step.tx, step.config))
    if chosen is None:
        return None
    ticket = step.tx.ticket(chosen.id)
    assert ticket is not None
    return _call(step, ticket)


def _call(step: Step, ticket: TicketRow, **audit: Any) -> TicketRow | None:
    """Call a waiting ticket to this counter and announce it in the hall."""
    counter_id = step.counter_config.id
    step.tx.update_ticket(ticket.id, status="called", counter=counter_id, called_at=step.tx.now,
                          served_at=None)
    step.set_status("calling", ticket=ticket.id)
    wait_s = round((step.tx.now - ticket.issued_at).total_seconds())
    event = step.event("ticket_called", ticket, number=ticket.number, service=ticket.service,
                       priority=ticket.priority, repeat=0, wait_s=max(0, wait_s), **audit)
    step.announcements.append(announcement(event, ticket.number, counter_id, 0))
    return step.tx.ticket(ticket.id)


def call(step: Step) -> TicketRow | None:
    """Call one particular waiting ticket (a citizen at the desk with a ticket of another line):
    the event says it was chosen, not the next in line."""
    args = step.arguments(CallArgs)
    _require_working(step)
    if args.ticket:
        ticket = step.tx.ticket(args.ticket)
    elif args.number:
        ticket = step.tx.waiting_number(live.local_day(step.config, step.tx.now), args.number)
    else:
        raise Rejected("unknown_ticket", "Hãy chọn hoặc nhập số cần gọi.")
    wanted = args.number or (ticket.number if ticket else "")
    if ticket is None or ticket.status != "waiting":
        raise Rejected("unknown_ticket", f"Số {wanted} không có trong danh sách đang chờ.")
    _end_current_call(step)
    return _call(step, ticket, chosen=True)


def serve(step: Step) -> TicketRow | None:
    """The called citizen is at the desk: service time is counted from now."""
    current = require_current(step)
    if step.counter.status == "serving":
        return current
    if step.counter.status != "calling":
        raise Rejected("counter_paused",
                       f"Quầy đang tạm dừng; bấm “{RESUME_BUTTON}” trước khi phục vụ.")
    step.tx.update_ticket(current.id, served_at=step.tx.now)
    step.set_status("serving")
    step.event("ticket_serving", current, number=current.number, service=current.service)
    return step.tx.ticket(current.id)


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
    _require_open(step)
    if step.counter.status != "paused":
        raise Rejected("not_paused", "Quầy không tạm dừng; không cần mở lại.")
    current = step.current()
    step.set_status("idle" if current is None else "serving" if current.served_at else "calling")
    step.event("counter_resumed", current)
    return current


def _transfer_counter(step: Step, args: TransferArgs) -> int | None:
    """The counter a ticket is sent to (`args.counter`), or None when it goes to a service's line."""
    target = args.counter
    if target is None:
        return None
    if step.config.counter(target) is None:
        raise Rejected("unknown_counter", BAD_ARGUMENT["counter"](target))
    if target == step.counter_config.id:
        raise Rejected("same_counter", "Không thể chuyển sang chính quầy này.")
    if step.tx.counter(target).status == "closed":
        raise Rejected("counter_closed", f"Quầy {target} đang đóng; không chuyển sang được.")
    if step.tx.counter(target).closing is not None:
        raise Rejected("counter_closed", f"Quầy {target} sắp đóng (đóng sau khi phục vụ xong công "
                       "dân hiện tại); không chuyển sang được.")
    return target


def _require_other_open_line(step: Step, current: TicketRow, target: str) -> None:
    """A ticket sent to a service's line: another line than its own, with a counter open."""
    if target == current.service:
        raise Rejected("same_service", f"Số {current.number} đã ở dịch vụ này; hãy chọn dịch vụ "
                       "khác hoặc một quầy cụ thể.")
    closed = live.closed_services(step.tx, step.config).get(target)
    if closed is not None and closed.reason == "no_open_counter":
        raise Rejected("service_closed", "Không có quầy nào đang mở cho dịch vụ được chọn; "
                       "không chuyển sang được.")


def transfer(step: Step) -> TicketRow | None:
    current = require_current(step)
    args = step.arguments(TransferArgs)
    to_counter = _transfer_counter(step, args)
    target = args.service or (current.service if to_counter else None)
    if target is None or step.config.service(target) is None:
        raise Rejected("unknown_service", BAD_ARGUMENT["service"](target))
    if to_counter is None:
        _require_other_open_line(step, current, target)
    # Back to waiting with its original issue time, so the citizen keeps their place in line.
    step.tx.update_ticket(current.id, status="waiting", service=target, counter=to_counter,
                          called_at=None, served_at=None)
    step.event("ticket_transferred", current, number=current.number, service=target,
               from_service=current.service, to_counter=to_counter)
    step.release()
    return None


def rate(step: Step) -> TicketRow | None:
    args = step.arguments(RateArgs)
    rating = args.rating
    ticket = step.tx.ticket(args.ticket or step.counter.ticket or step.counter.last_ticket)
    if (ticket is None or ticket.counter != step.counter_config.id or ticket.status == "waiting"
            or ticket.day != live.local_day(step.config, step.tx.now)):  # its day's figures closed
        raise Rejected("no_ticket", BAD_ARGUMENT["ticket"](args.ticket))
    if ticket.rating is not None:
        raise Rejected("already_rated", f"Số {ticket.number} đã được đánh giá.")
    step.tx.update_ticket(ticket.id, rating=rating)
    step.event("ticket_rated", ticket, number=ticket.number, service=ticket.service, rating=rating)
    return step.tx.ticket(ticket.id)


ACTIONS: dict[str, Action] = {
    "call_next": call_next, "recall": recall, "no_show": no_show, "done": done,
    "pause": pause, "resume": resume, "transfer": transfer, "rate": rate, "serve": serve,
    "call": call,
}
