"""A clock that jumps a day or more ahead (a Pi's real-time clock wrong after a power cut, a wrong time
source) ends nothing: today's tickets stay valid, no number is issued on the day to come, no day is
closed or reduced, and the broker says its clock is wrong. When the clock comes back nothing is to
undo and nothing counts twice; a day ends when local midnight has really passed, once. A broker
started after days off waits for the manager to confirm the time on the board."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from broker.devices import Devices
from broker.queue.tickets import Queue
from broker.reports.nightly import run_nightly
from broker.role import BrokerRole
from broker.store.db import Store
from broker.web.board import describe_problems
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, wait_ready
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, broker_runs, issue, number
from tests.support.staff_pages import add_accounts, events, sign_in
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import CLOCK_CONFIRMED, EXPIRED, TICKET_EXPIRED, Topics

MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00 in Hà Nội
MONDAY, TUESDAY = "2026-11-23", "2026-11-24"
AHEAD_LABEL = "Đồng hồ máy chủ nhảy vượt xa lần cuối chạy đúng giờ"


def expiries(store: Store) -> Counter[str]:
    with store.snapshot() as tx:
        return Counter(e.ticket or "" for e in tx.events_after(0, 10_000) if e.type == TICKET_EXPIRED)


def statuses(store: Store, day: str) -> dict[str, str]:
    with store.snapshot() as tx:
        return {t.number: t.status for t in tx.issued_between(day, day)}


def test_a_jump_ahead_ends_nothing_and_the_jump_back_leaves_nothing_to_undo(
        config: SiteConfig, tmp_path: Path) -> None:
    clock = FakeClock(MORNING)
    store = Store(tmp_path / "queue.db", clock)
    queue = Queue(config, store)
    for _ in range(3):
        issue(queue, "HT")
    assert number(act(queue, 1, "call_next")) == "1001"
    broker_runs(store, config, clock, hours=1)
    monday = statuses(store, MONDAY)

    clock.advance(days=1, hours=2)  # Tuesday 13:00 by a clock that jumped
    refused = issue(queue, "HT")
    assert (refused.ok, refused.error) == (False, "clock_wrong")
    assert refused.detail and "13:00 ngày 24/11/2026" in refused.detail  # what it says
    assert "11:00 ngày 23/11/2026" in refused.detail  # the last moment it was believed
    assert queue.clock_problem() == "clock_ahead"
    assert queue.end_past_days(force=True).events == []
    result = run_nightly(store, config, clock())
    assert (result.closed, result.reduced) == ([], [])
    assert statuses(store, MONDAY) == monday and statuses(store, TUESDAY) == {}
    assert number(act(queue, 2, "call_next")) == "1002"  # the counters still call Monday's line

    clock.now = MORNING + timedelta(hours=1, minutes=5)  # chrony brings it back: Monday 11:05
    assert queue.clock_problem() == ""
    assert number(issue(queue, "HT")) == "1004"  # Monday's numbers go on
    assert expiries(store) == Counter()  # nothing was ended: nothing to bring back

    broker_runs(store, config, clock, hours=20, minutes=25)  # through midnight to Tuesday 07:30
    ended = statuses(store, MONDAY)
    assert Counter(ended.values()) == Counter({EXPIRED: 4})  # the counters' two ended too
    assert run_nightly(store, config, clock()).closed == [MONDAY]
    assert number(issue(queue, "HT")) == "1001"  # Tuesday's own numbers

    # The clock steps back into Monday evening: nothing of Monday reopens or ends again.
    clock.now = MORNING + timedelta(hours=10)
    assert queue.clock_problem() == "clock_behind"
    assert issue(queue, "HT").error == "clock_wrong"
    assert queue.end_past_days(force=True).events == []
    assert run_nightly(store, config, clock()).closed == []
    assert statuses(store, MONDAY) == ended
    assert set(expiries(store).values()) == {1} and len(expiries(store)) == 4


def _broker(config: SiteConfig, mosquitto: Mosquitto, db: Path, clock: FakeClock,
            probe: Probe, topics: Topics, http: bool = False) -> BrokerRole:
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=db,
                      http=("127.0.0.1", 0) if http else None, clock=clock)
    role.start()
    wait_ready(probe, topics)
    return role


def test_a_broker_restarted_on_a_clock_far_ahead_waits_for_the_clock_or_the_manager(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, devices: Devices,
        browser: Any, tmp_path: Path) -> None:
    clock, db = FakeClock(MORNING), tmp_path / "queue.db"
    role = _broker(config, mosquitto, db, clock, probe, topics)
    try:
        for _ in range(2):
            ask_ticket(probe, topics, "HT")
        assert command(probe, topics, 1, "call_next")["ticket"]["number"] == "1001"
    finally:
        role.stop()  # a power cut

    # Back with its real-time clock a day ahead: nothing ends, nothing is numbered.
    clock.now = MORNING + timedelta(days=1, minutes=5)
    role = _broker(config, mosquitto, db, clock, probe, topics)
    try:
        broker = devices.wait_for("broker", lambda d: d.online and "clock" in d.detail, timeout=10)
        assert broker is not None and describe_problems(broker.detail) == AHEAD_LABEL
        assert ask_ticket(probe, topics, "HT")["error"] == "clock_wrong"
        assert statuses(role.store, MONDAY) == {"1001": "called", "1002": "waiting"}

        clock.now = MORNING + timedelta(minutes=10)  # chrony corrects it: Monday 10:10
        role.clock.check()
        assert devices.wait_for("broker", lambda d: not d.detail, timeout=10) is not None
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1003"
        assert command(probe, topics, 2, "call_next")["ticket"]["number"] == "1002"
        assert expiries(role.store) == Counter()
    finally:
        role.stop()

    # Off from Monday noon to Thursday morning, its clock right: the manager confirms the time.
    clock.now = MORNING + timedelta(days=2, hours=21, minutes=30)  # Thursday 07:30
    role = _broker(config, mosquitto, db, clock, probe, topics, http=True)
    try:
        add_accounts(role)
        assert ask_ticket(probe, topics, "HT")["error"] == "clock_wrong"
        assert Counter(statuses(role.store, MONDAY).values())[EXPIRED] == 0
        assert role.http_url is not None
        page = sign_in(browser, role.http_url, "quanly")
        page.goto(role.http_url + "/admin/")
        warning = page.locator("#clock-ahead").inner_text()
        assert "07:30 ngày 26/11/2026" in warning and "10:10 ngày 23/11/2026" in warning
        page.click("#clock-ahead button")
        page.wait_for_load_state()
        assert "Đã xác nhận giờ máy chủ" in page.inner_text("body")
        assert page.locator("#clock-ahead").count() == 0
        page.goto(role.http_url + "/admin/audit?day=2026-11-26")
        audit = page.inner_text("body")
        assert "Xác nhận giờ máy chủ" in audit
        assert "Lần cuối máy chủ chạy đúng giờ: 10:10 ngày 23/11/2026" in audit
        page.context.close()
        assert Counter(statuses(role.store, MONDAY).values()) == Counter({EXPIRED: 3})
        assert set(expiries(role.store).values()) == {1}
        assert [e["account"] for e in events(role, CLOCK_CONFIRMED)] == ["quanly"]
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1001"  # Thursday's
        role.clock.check()  # (every 30 s on its own)
        assert devices.wait_for("broker", lambda d: not d.detail, timeout=10) is not None
    finally:
        role.stop()


def test_a_center_opened_on_a_monday_over_simulated_history_issues_at_once(
        config: SiteConfig, tmp_path: Path) -> None:
    from simulation.history import write_history

    clock = FakeClock(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # Monday 09:00; Friday's the last
    store = Store(tmp_path / "queue.db", clock)
    assert write_history(config, store, 7, 40, seed=2, today=clock().date()).days >= 4
    assert number(issue(Queue(config, store), "HT")) == "1001"


def test_a_database_from_before_the_check_is_believed_once_then_guarded(
        config: SiteConfig, tmp_path: Path) -> None:
    clock = FakeClock(MORNING)
    store = Store(tmp_path / "queue.db", clock)
    assert number(issue(Queue(config, store), "HT")) == "1001"
    with store.transaction() as tx:  # as a broker before this check left it
        tx.execute("DELETE FROM settings WHERE key = 'clock_seen'")
    clock.advance(days=3)  # upgraded and started on Thursday morning
    queue = Queue(config, store)
    assert number(issue(queue, "HT")) == "1001"
    assert statuses(store, MONDAY) == {"1001": EXPIRED}
    clock.advance(days=1, hours=2)  # from then on a jump is one
    assert issue(queue, "HT").error == "clock_wrong"
