"""The queue's rules driven in the test's process, without MQTT: issue a ticket, a counter's command."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from broker.queue.tickets import Queue
from broker.reports.nightly import end_days_in
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig
from xephang.protocol import CounterCommand, CounterReply, TicketReply, TicketRequest


def issue(queue: Queue, service: str = "HT", *, request_id: str | None = None,
          priority: str = "none", dossier_code: str | None = None) -> TicketReply:
    """A ticket as a kiosk asks for it; with `dossier_code`, as after scanning a dossier receipt."""
    request = TicketRequest(request_id=uuid.UUID(request_id) if request_id else uuid.uuid4(),
                            service=service, priority=priority,  # type: ignore[arg-type]
                            source="dossier" if dossier_code else "button",
                            dossier_code=dossier_code)
    reply = queue.issue(request, "kiosk-1").reply
    assert isinstance(reply, TicketReply)
    return reply


def act(queue: Queue, counter: int, action: str, /, command_id: str | None = None,
        account: str | None = None, **args: Any) -> CounterReply:
    """A counter's command, from the staff page of `account` (None: the counter unit's buttons)."""
    command = CounterCommand(command_id=uuid.UUID(command_id) if command_id else uuid.uuid4(),
                             action=action, args=args)  # type: ignore[arg-type]
    reply = queue.command(counter, command, account).reply
    assert isinstance(reply, CounterReply)
    return reply


def number(reply: TicketReply | CounterReply) -> str | None:
    return reply.ticket.number if reply.ticket else None


def broker_runs(store: Store, config: SiteConfig, clock: FakeClock, **delta: float) -> None:
    """Time passes by `timedelta(**delta)` with the broker running: its nightly job ends earlier
    days every hour, noting the clock each time (broker/queue/clock_check.py), as it does live."""
    until = clock.now + timedelta(**delta)
    while clock.now < until:
        clock.now = min(until, clock.now + timedelta(hours=1))
        end_days_in(store, config)


def next_after_service(queue: Queue, clock: FakeClock, counter: int) -> CounterReply:
    """"Gọi số tiếp" once the citizen at the desk has been served a few minutes (a call replaced
    at once is withdrawn instead: tests/test_call_withdrawn.py)."""
    clock.advance(minutes=5)
    return act(queue, counter, "call_next")
