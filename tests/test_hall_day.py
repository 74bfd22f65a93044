"""Numbers restart every morning, so the hall shows only today's calls: a citizen holding today's
1002 must never read "1002 → Quầy 3" left over from yesterday."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from broker.queue.messages import hall_state
from broker.queue.tickets import Queue
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, broker_runs, issue, number
from xephang.config import SiteConfig

AFTERNOON = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 15:00 in Hà Nội, a Friday


def test_the_hall_shows_today_s_calls_only(config: SiteConfig, tmp_path: Path) -> None:
    clock = FakeClock(AFTERNOON)
    store = Store(tmp_path / "queue.db", clock)
    queue = Queue(config, store)
    for _ in range(3):
        issue(queue, "HT")
    called = [number(act(queue, counter, "call_next")) for counter in (1, 2)]
    with store.snapshot() as tx:
        assert [call.number for call in hall_state(tx, config).recent_calls] == called[::-1]

    broker_runs(store, config, clock, days=2, hours=16)  # Monday 07:00: nobody called yet
    with store.snapshot() as tx:
        assert hall_state(tx, config).recent_calls == []
    issue(queue, "HT")
    today = number(act(queue, 1, "call_next"))
    assert today == called[0]  # the same number as Friday's first call, a new citizen
    with store.snapshot() as tx:
        calls = hall_state(tx, config).recent_calls
    assert [(call.number, call.counter) for call in calls] == [(today, 1)]
