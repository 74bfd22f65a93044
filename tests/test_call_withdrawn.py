"""A call replaced at once by another call: the citizen was never served, so nothing says they were.
Within the site's `withdraw_call_within_s` of the call (never "Bắt đầu phục vụ"), the call is
withdrawn — the ticket waits again in its own place, the phone page says it waits, the hall no longer
lists the call, the statistics and the learned service times count no service — while staff who
call, serve and call the next without pressing "Bắt đầu phục vụ" still record a service."""

from __future__ import annotations

from pathlib import Path

import pytest

from broker.queue.messages import hall_state, ticket_status
from broker.queue.tickets import Queue
from broker.reports import stats
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, issue, number
from xephang.config import SiteConfig
from xephang.protocol import TICKET_CALL_WITHDRAWN


@pytest.fixture
def queue(config: SiteConfig, tmp_path: Path, clock: FakeClock) -> Queue:
    return Queue(config, Store(tmp_path / "queue.db", clock))


def _ticket(queue: Queue, number_: str) -> tuple[str, str, int | None]:
    """(id, status, counter) of today's ticket with this number."""
    with queue.store.snapshot() as tx:
        row = tx.execute("SELECT id, status, counter FROM tickets WHERE number = ?",
                         (number_,)).fetchone()
    return str(row["id"]), str(row["status"]), row["counter"]


def _types(queue: Queue, number_: str) -> list[str]:
    with queue.store.snapshot() as tx:
        rows = tx.execute("SELECT e.type FROM events e JOIN tickets t ON t.id = e.ticket"
                          " WHERE t.number = ? ORDER BY e.seq", (number_,)).fetchall()
    return [str(r["type"]) for r in rows]


def _figures(queue: Queue) -> stats.Stats:
    with queue.store.snapshot() as tx:
        day = tx.execute("SELECT day FROM tickets LIMIT 1").fetchone()["day"]
    return stats.for_days(queue.store, queue.config.site.zone, day, day)


def test_a_call_replaced_at_once_puts_the_citizen_back_in_their_place_not_served(
        queue: Queue, clock: FakeClock) -> None:
    for _ in range(3):
        issue(queue, "CT")  # 2001, 2002, 2003
        clock.advance(seconds=60)
    assert number(act(queue, 5, "call_next", account="canbo5")) == "2001"
    clock.advance(seconds=5)
    reply = act(queue, 5, "call_next", account="canbo5")  # "Gọi số tiếp" again, a moment later
    assert (number(reply), reply.withdrawn) == ("2002", "2001")  # someone else, and 2001 said
    ticket_id, status, counter = _ticket(queue, "2001")
    assert (status, counter) == ("waiting", None)
    assert _types(queue, "2001") == ["ticket_issued", "ticket_called", TICKET_CALL_WITHDRAWN]
    with queue.store.snapshot() as tx:
        phone = ticket_status(tx, queue.config, ticket_id, None)
        hall = hall_state(tx, queue.config)
        assert tx.service_durations(tx.ticket(ticket_id).day, "CT", 10) == []  # nothing learned
    assert phone is not None and (phone.status, phone.ahead) == ("waiting", 0)  # first in line
    assert [c.number for c in hall.recent_calls] == ["2002"]  # 2001 is no longer called there
    figures = _figures(queue)
    assert figures.served["CT"] == 0 and figures.service_time["CT"].count == 0
    assert figures.counter_endings[5] == {"at_counter": 1}  # one visit at the desk: 2002's
    assert figures.flows["CT"]["waiting"] == 2  # 2001 and 2003 in line

    # Its place is kept: the next call anywhere takes it before 2003, and it is a call like any.
    clock.advance(minutes=4)
    assert number(act(queue, 4, "call_next")) == "2001"
    clock.advance(minutes=6)
    act(queue, 4, "done")
    figures = _figures(queue)
    assert figures.served["CT"] == 1 and figures.service_time["CT"].mean == 360.0
    # Its wait runs from its issue to the call that reached it (the withdrawn one is no visit).
    with queue.store.snapshot() as tx:
        ended = tx.execute("SELECT data FROM events WHERE type = 'ticket_done'").fetchone()
    assert '"service_s": 360' in ended["data"]


def test_calling_a_typed_number_at_once_withdraws_the_call_just_made(
        queue: Queue, clock: FakeClock) -> None:
    issue(queue, "CT")  # 2001
    issue(queue, "CT")  # 2002
    assert number(act(queue, 5, "call_next")) == "2001"
    clock.advance(seconds=1)
    reply = act(queue, 5, "call", number="2002")  # a citizen of 2002 stands at the desk
    assert (number(reply), reply.withdrawn) == ("2002", "2001")
    assert _ticket(queue, "2001")[1] == "waiting"
    assert "ticket_done" not in _types(queue, "2001")
    # A number that does not wait is refused before anything changes: 2002 stays called.
    refused = act(queue, 5, "call", number="9999")
    assert (refused.ok, refused.error, refused.withdrawn) == (False, "unknown_ticket", None)
    assert _ticket(queue, "2002")[1:] == ("called", 5)


def test_a_call_replaced_after_the_grace_or_once_served_is_a_service(
        queue: Queue, clock: FakeClock) -> None:
    for _ in range(3):
        issue(queue, "CT")
    act(queue, 5, "call_next")  # 2001
    clock.advance(seconds=queue.config.routing.withdraw_call_within_s)  # served without "P"
    reply = act(queue, 5, "call_next")
    assert (number(reply), reply.withdrawn) == ("2002", None)
    assert _ticket(queue, "2001")[1] == "done"
    clock.advance(seconds=2)
    act(queue, 5, "serve")  # 2002 at the desk: staff said so, however short
    clock.advance(seconds=3)
    assert act(queue, 5, "call", number="2003").withdrawn is None
    assert _ticket(queue, "2002")[1] == "done"
    figures = _figures(queue)
    assert figures.served["CT"] == 2
    assert figures.service_time["CT"].count == 2


def test_a_ticket_sent_to_one_counter_waits_for_that_counter_again(
        queue: Queue, clock: FakeClock) -> None:
    issue(queue, "CT")  # 2001
    issue(queue, "CT")  # 2002
    act(queue, 5, "call_next")
    clock.advance(minutes=3)
    act(queue, 5, "transfer", counter=4)  # 2001 to counter 4 only
    assert number(act(queue, 4, "call_next")) == "2001"
    clock.advance(seconds=2)
    assert act(queue, 4, "call", number="2002").withdrawn == "2001"
    assert _ticket(queue, "2001")[1:] == ("waiting", 4)
    assert number(act(queue, 5, "call_next")) is None  # 2001 waits for counter 4, not for 5


def test_with_no_grace_a_replaced_call_counts_as_served(
        config: SiteConfig, tmp_path: Path, clock: FakeClock) -> None:
    routing = config.routing.model_copy(update={"withdraw_call_within_s": 0.0})
    queue = Queue(config.model_copy(update={"routing": routing}), Store(tmp_path / "q.db", clock))
    issue(queue, "CT")
    issue(queue, "CT")
    act(queue, 5, "call_next")
    assert act(queue, 5, "call_next").withdrawn is None
    assert _ticket(queue, "2001")[1] == "done"
