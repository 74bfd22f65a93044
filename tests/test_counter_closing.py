"""A counter closed while a citizen is at it closes after that citizen, on a real SQLite file: the
citizen is not recorded as served early, the counter takes no new call meanwhile, it closes itself
when the ticket ends however it ends, a restarted broker keeps the pending close, and reopening
calls it off. The same from a block of the staffing plan, and across midnight."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.queue import live
from broker.queue.manager import Desk
from broker.queue.messages import counter_state, hall_state
from broker.queue.tickets import Queue
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, issue, number
from xephang.config import SiteConfig
from xephang.protocol import COUNTER_CLOSING, COUNTER_CLOSING_CANCELLED, EXPIRED


def _queue(config: SiteConfig, path: Path, clock: FakeClock, *, auto_call: bool = False) -> Queue:
    routing = config.routing.model_copy(update={"auto_call": auto_call})
    return Queue(config.model_copy(update={"routing": routing}), Store(path, clock))


@pytest.fixture
def queue(config: SiteConfig, tmp_path: Path, clock: FakeClock) -> Queue:
    return _queue(config, tmp_path / "queue.db", clock)


def _events(queue: Queue, *types: str) -> list[tuple[str, int | None, dict[str, Any]]]:
    """(type, counter, data) of the stored events of these types, in order."""
    marks = ",".join("?" * len(types))
    with queue.store.snapshot() as tx:
        rows = tx.execute(f"SELECT type, counter, data FROM events WHERE type IN ({marks})"
                          " ORDER BY seq", types).fetchall()
    return [(r["type"], r["counter"], json.loads(r["data"])) for r in rows]


def _ticket(queue: Queue, ticket_number: str) -> tuple[str, int | None]:
    """(status, counter) of a ticket."""
    with queue.store.snapshot() as tx:
        row = tx.execute("SELECT status, counter FROM tickets WHERE number = ?",
                         (ticket_number,)).fetchone()
    return row["status"], row["counter"]


def _counter(queue: Queue, counter_id: int) -> tuple[str, bool]:
    """(status, close pending) of a counter, as its state message says it."""
    with queue.store.snapshot() as tx:
        state = counter_state(tx, counter_id)
    return state.status, state.closing


ENDINGS = ("counter_closing", "counter_closed", "counter_opened", COUNTER_CLOSING_CANCELLED,
           "ticket_done", "ticket_no_show", "ticket_transferred", "ticket_returning")


def test_the_citizen_is_served_to_the_end_and_then_the_counter_closes(queue: Queue) -> None:
    issue(queue, "HT"), issue(queue, "HT")
    assert number(act(queue, 1, "call_next")) == "1001"
    act(queue, 1, "serve")
    Desk(queue).close(1, "quanly")

    assert _ticket(queue, "1001") == ("called", 1)  # not recorded as served
    assert _counter(queue, 1) == ("serving", True)
    refused = act(queue, 1, "call_next")
    assert (refused.ok, refused.error) == (False, "counter_closing")
    assert refused.detail and refused.detail.startswith("Quầy sắp đóng, không gọi số mới")
    assert act(queue, 1, "call", number="1002").error == "counter_closing"
    assert _ticket(queue, "1002") == ("waiting", None)
    Desk(queue).close(1, "quanly")  # pressed again: still one pending close

    assert act(queue, 1, "done").ok
    assert _ticket(queue, "1001") == ("done", 1)
    assert _counter(queue, 1) == ("closed", False)
    assert [(t, c) for t, c, _ in _events(queue, *ENDINGS)] == [
        ("counter_closing", 1), ("ticket_done", 1), ("counter_closed", 1)]
    closed = _events(queue, "counter_closed")[0][2]
    assert closed["account"] == "quanly"  # the manager closed it, not the staff pressing "Xong"
    assert act(queue, 1, "call_next").error == "counter_closed"
    assert number(act(queue, 2, "call_next")) == "1002"


@pytest.mark.parametrize(("action", "args", "ending", "after"), [
    ("no_show", {}, "ticket_no_show", ("no_show", 5)),
    ("transfer", {"service": "CT"}, "ticket_transferred", ("waiting", None)),
    ("set_aside", {}, "ticket_returning", ("returning", None)),
])
def test_however_the_citizen_leaves_the_counter_it_is_recorded_truly_and_the_counter_closes(
        queue: Queue, action: str, args: dict[str, str], ending: str,
        after: tuple[str, int | None]) -> None:
    issue(queue, "TKQ")
    assert number(act(queue, 5, "call_next")) == "6001"
    Desk(queue).close(5, "quanly")
    if action == "set_aside":
        Desk(queue).set_aside(5, "canbo5")
    else:
        assert act(queue, 5, action, **args).ok
    assert _ticket(queue, "6001") == after
    assert _counter(queue, 5) == ("closed", False)
    assert [t for t, _, _ in _events(queue, *ENDINGS)] == ["counter_closing", ending,
                                                           "counter_closed"]


def test_a_paused_counter_with_its_citizen_closes_when_they_are_done(queue: Queue) -> None:
    issue(queue, "DD")
    act(queue, 6, "call_next"), act(queue, 6, "pause")
    Desk(queue).close(6, None)
    assert _counter(queue, 6) == ("paused", True)
    act(queue, 6, "done")
    assert _counter(queue, 6) == ("closed", False)
    assert _ticket(queue, "3001")[0] == "done"


def test_reopening_before_the_citizen_is_done_calls_the_close_off(queue: Queue) -> None:
    issue(queue, "HT"), issue(queue, "HT")
    act(queue, 1, "call_next")
    Desk(queue).close(1, "quanly")
    Desk(queue).open(1, "quanly")
    assert _counter(queue, 1) == ("calling", False)
    act(queue, 1, "done")
    assert _counter(queue, 1) == ("idle", False)
    assert number(act(queue, 1, "call_next")) == "1002"
    assert [t for t, _, _ in _events(queue, *ENDINGS)] == [
        "counter_closing", COUNTER_CLOSING_CANCELLED, "ticket_done"]  # never closed nor reopened


def test_a_restarted_broker_keeps_the_pending_close(config: SiteConfig, tmp_path: Path,
                                                    clock: FakeClock) -> None:
    first = _queue(config, tmp_path / "queue.db", clock)
    issue(first, "HT"), issue(first, "HT")
    act(first, 2, "call_next")
    Desk(first).close(2, "quanly")
    first.store.close()

    again = _queue(config, tmp_path / "queue.db", clock)
    assert _counter(again, 2) == ("calling", True)
    assert act(again, 2, "call_next").error == "counter_closing"
    act(again, 2, "done")
    assert _counter(again, 2) == ("closed", False)
    assert [t for t, _, _ in _events(again, *ENDINGS)] == [
        "counter_closing", "ticket_done", "counter_closed"]


def test_a_closing_counter_is_not_offered_to_new_citizens_nor_called_by_auto_call(
        config: SiteConfig, tmp_path: Path, clock: FakeClock) -> None:
    queue = _queue(config, tmp_path / "queue.db", clock, auto_call=True)
    for other in (4, 11, 12):  # TKQ is served by counters 4, 5, 11 and 12
        Desk(queue).close(other, None)
    assert issue(queue, "TKQ").ticket is not None  # 6001, called at once to counter 5
    assert _ticket(queue, "6001") == ("called", 5)
    issue(queue, "TKQ")  # 6002 waits for counter 5
    Desk(queue).close(5, None)

    with queue.store.snapshot() as tx:
        working, _ = live.working_counters(tx, config)
        hall = hall_state(tx, config)
        assert [d.status for d in live.desks(tx, config, {})][3:5] == ["closed", "closed"]
    assert {4, 5}.isdisjoint(c.id for c in working)
    assert hall.unavailable["TKQ"].reason == "no_open_counter"
    refused = issue(queue, "TKQ")
    assert (refused.ok, refused.error) == (False, "no_open_counter")
    issue(queue, "HT")
    assert _ticket(queue, "1001") == ("called", 1)  # auto-called to the first idle counter
    moved = act(queue, 1, "transfer", counter=5)
    assert (moved.error, _ticket(queue, "1001")) == ("counter_closed", ("called", 1))
    assert moved.detail and "Quầy 5 sắp đóng" in moved.detail

    act(queue, 5, "done")
    assert _counter(queue, 5) == ("closed", False)
    assert _ticket(queue, "6002") == ("waiting", None)  # auto-call did not call it to a closed desk


def test_a_plan_block_closes_a_serving_counter_after_its_citizen(queue: Queue) -> None:
    issue(queue, "TKQ"), issue(queue, "TKQ")
    act(queue, 5, "call_next")
    outcome = Desk(queue).apply_plan({4: ["TKQ"], 5: []}, "09:30–11:30", "quanly")
    assert [e.type for e in outcome.events if e.counter != 4] == [COUNTER_CLOSING, "plan_applied"]
    assert _ticket(queue, "6001") == ("called", 5)
    assert _counter(queue, 5) == ("calling", True)
    assert number(act(queue, 4, "call_next")) == "6002"

    Desk(queue).apply_plan({4: ["TKQ"], 5: ["CT"]}, "11:30–13:30", "quanly")  # open again
    assert _counter(queue, 5) == ("calling", False)
    Desk(queue).apply_plan({4: ["TKQ"], 5: []}, "13:30–15:30", "quanly")
    act(queue, 5, "no_show")
    assert _ticket(queue, "6001") == ("no_show", 5)
    assert [t for t, _, _ in _events(queue, *ENDINGS)] == [
        "counter_closing", COUNTER_CLOSING_CANCELLED, "counter_closing", "ticket_no_show",
        "counter_closed"]


def test_a_counter_closing_at_midnight_closes_when_its_citizen_expires(queue: Queue,
                                                                       clock: FakeClock) -> None:
    clock.now = datetime(2025, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội
    issue(queue, "HT")
    act(queue, 1, "call_next")
    Desk(queue).close(1, None)
    clock.advance(minutes=40)
    queue.end_past_days()
    assert _ticket(queue, "1001") == (EXPIRED, 1)
    assert _counter(queue, 1) == ("closed", False)
    assert [t for t, _, _ in _events(queue, *ENDINGS)] == ["counter_closing", "counter_closed"]
