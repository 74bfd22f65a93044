"""The queue's rules on a real SQLite file: numbering, the call rule, idempotency, counter actions."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broker.queue.tickets import Queue
from broker.store.db import Store
from routing.call_rule import Candidate, choose_next
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, issue, next_after_service, number
from xephang.config import SiteConfig


@pytest.fixture
def queue(config: SiteConfig, tmp_path: Path, clock: FakeClock) -> Queue:
    return Queue(config, Store(tmp_path / "queue.db", clock))


def test_numbers_count_per_service_from_the_prefix(queue: Queue) -> None:
    numbers = [number(issue(queue, s)) for s in ("HT", "HT", "CT", "HT", "TKQ")]
    assert numbers == ["1001", "1002", "2001", "1003", "6001"]


def test_numbering_restarts_at_local_midnight(queue: Queue, clock: FakeClock) -> None:
    clock.now = datetime(2025, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội
    assert number(issue(queue)) == "1001"
    assert number(issue(queue)) == "1002"
    clock.advance(minutes=40)  # 00:10 on the 11th in Hà Nội, still the 10th in UTC
    assert number(issue(queue)) == "1001"


def test_a_new_ticket_is_told_how_many_are_ahead_and_how_long(queue: Queue) -> None:
    first, second = issue(queue), issue(queue)
    assert first.ticket and (first.ticket.ahead, first.ticket.eta_s) == (0, 0)
    # HT is served by counters 1, 2, 3, 4 and 8, all idle: the second in line is called at once.
    assert second.ticket and (second.ticket.ahead, second.ticket.eta_s) == (1, 0)


def test_a_repeated_request_gets_the_first_ticket_and_changes_nothing(queue: Queue) -> None:
    rid = str(uuid.uuid4())
    first = issue(queue, request_id=rid)
    assert issue(queue, request_id=rid) == first
    assert number(issue(queue)) == "1002"


def test_priority_first_then_oldest_across_the_counters_services(queue: Queue, clock: FakeClock) -> None:
    issue(queue, "CT")  # 2001, oldest
    clock.advance(seconds=1)
    issue(queue, "HT")  # 1001
    clock.advance(seconds=1)
    issue(queue, "HT", priority="elderly")  # 1002, priority
    calls = [number(next_after_service(queue, clock, 1)) for _ in range(4)]
    assert calls == ["1002", "2001", "1001", None]


def test_call_rule_ignores_services_the_counter_does_not_serve() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    waiting = [Candidate("a", "DD", "merit", at), Candidate("b", "HT", "none", at + timedelta(1))]
    chosen = choose_next(waiting, ["HT", "CT"])
    assert chosen and chosen.id == "b"
    assert choose_next(waiting, ["KD"]) is None


def test_a_repeated_command_is_not_run_again(queue: Queue) -> None:
    issue(queue), issue(queue)
    cid = str(uuid.uuid4())
    first = act(queue, 1, "call_next", cid)
    assert act(queue, 1, "call_next", cid) == first
    assert number(first) == "1001"
    assert number(act(queue, 1, "call_next")) == "1002"


def test_recall_no_show_done_pause_and_resume(queue: Queue) -> None:
    issue(queue), issue(queue)
    act(queue, 2, "call_next")
    assert act(queue, 2, "recall").status == "calling"
    no_show = act(queue, 2, "no_show")
    assert (no_show.ok, no_show.status, no_show.ticket) == (True, "idle", None)
    assert act(queue, 2, "pause").status == "paused"
    refused = act(queue, 2, "call_next")
    assert (refused.ok, refused.error) == (False, "counter_paused")
    assert act(queue, 2, "resume").status == "idle"
    assert number(act(queue, 2, "call_next")) == "1002"
    assert act(queue, 2, "done").status == "idle"
    assert act(queue, 2, "recall").error == "no_ticket"


def test_transfer_keeps_the_number_and_the_place_in_line(queue: Queue, clock: FakeClock) -> None:
    issue(queue, "HT")
    clock.advance(minutes=5)
    issue(queue, "CT")
    act(queue, 1, "call_next")  # 1001 (HT, older)
    moved = act(queue, 1, "transfer", service="CT")
    assert (moved.ok, moved.status, moved.ticket) == (True, "idle", None)
    # Counter 5 serves CT: 1001 was issued before 2001, so it comes first.
    assert number(act(queue, 5, "call_next")) == "1001"
    assert act(queue, 5, "transfer", service="XX").error == "unknown_service"


def test_a_served_ticket_is_rated_once(queue: Queue) -> None:
    issue(queue)
    act(queue, 1, "call_next")
    act(queue, 1, "done")
    assert act(queue, 1, "rate", rating="very_satisfied").ok
    assert act(queue, 1, "rate", rating="satisfied").error == "already_rated"
    assert act(queue, 1, "rate", rating="great").error == "invalid_rating"


def test_every_change_is_recorded_as_an_event(queue: Queue, tmp_path: Path) -> None:
    issue(queue)
    act(queue, 1, "call_next")
    act(queue, 1, "recall")
    act(queue, 1, "done")
    act(queue, 1, "recall")  # rejected: records nothing
    with sqlite3.connect(tmp_path / "queue.db") as db:
        types = [row[0] for row in db.execute("SELECT type FROM events ORDER BY seq")]
    assert types == ["ticket_issued", "ticket_called", "ticket_recalled", "ticket_done"]
