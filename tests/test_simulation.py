"""The simulator: small days through the real call rule, the same seed gives the same day, every
policy runs, and `xephang simulate` prints the JSON the issue describes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from broker.store.db import Store
from simulation.engine import Day, Happening, Start
from simulation.history import write_history
from simulation.learned import expected_day
from simulation.profile import Citizen, Profile, clock_s
from simulation.report import summary
from simulation.run import simulate, simulate_day
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig

KEYS = {"policy", "tickets", "mean_wait_s", "p95_wait_s", "max_wait_s", "per_service", "utilisation",
        "eta_mae_s", "eta_within_range", "served", "left", "overtime_s", "counter_hours"}


@pytest.mark.parametrize("policy", ["ours", "static", "fifo"])
def test_every_ticket_of_a_small_day_is_called(config: SiteConfig, policy: str) -> None:
    day = simulate_day(config, policy, 120, seed=7)
    assert len(day.records) == 120
    assert all(r.wait_s is not None and r.wait_s >= 0 for r in day.records)
    assert all(not d.busy for d in day.desks.values())


def test_the_same_seed_gives_the_same_day_and_another_seed_another(config: SiteConfig) -> None:
    first = simulate(config, "ours", 150, seed=3)
    assert simulate(config, "ours", 150, seed=3) == first
    assert simulate(config, "ours", 150, seed=4) != first
    assert set(first) == KEYS
    assert set(first["per_service"]) == {s.code for s in config.services}
    assert set(first["utilisation"]) == {str(c.id) for c in config.counters}
    assert 0 <= first["eta_within_range"] <= 1 and first["mean_wait_s"] <= first["p95_wait_s"]


def test_an_unknown_policy_is_refused(config: SiteConfig) -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        simulate(config, "random", 10, seed=1)


def test_xephang_simulate_prints_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "simulate", "--config", str(SITE_TOML), "--tickets", "80",
         "--seed", "2", "--policy", "static"],
        capture_output=True, text=True, timeout=60, check=True)
    figures = json.loads(result.stdout)
    assert figures["policy"] == "static" and figures["tickets"] == 80 and set(figures) == KEYS


def _person(arrival_s: float, service: str, minutes: float = 5.0,
            patience_s: float | None = None) -> Citizen:
    return Citizen(arrival_s, service, "none", minutes * 60, no_show=False, returns=False,
                   second_service_s=60.0, patience_s=patience_s)


def _quiet(config: SiteConfig) -> Profile:
    """A real day from the site file but without staff breaks, so each test sees only its own rule."""
    return Profile(breaks=(), lunch=Profile.from_config(config).lunch)


def test_a_counter_serves_only_in_its_blocks_and_the_services_of_each(config: SiteConfig) -> None:
    # Counter 1 serves CT from 0 to 1 h, HT from 1 h to 2 h; every other counter is closed all day.
    people = [_person(60, "HT"), _person(120, "CT"), _person(4000, "CT")]
    plan = {1: [(0.0, 3600.0, ("CT",)), (3600.0, 7200.0, ("HT",))]}
    day = Day(config, "ours", _quiet(config), people, assignment=plan).run()
    assert day.records[1].wait_s == 0  # CT served at once in the first block
    assert day.records[0].wait_s == 3600 - 60  # HT waits for the second block
    assert day.records[2].left and day.records[2].wait_s is None  # nobody serves CT afterwards
    summary_ = summary(day)
    assert summary_["counter_hours"]["1"] == 2.0 and summary_["counter_hours"]["2"] == 0.0
    assert summary_["per_service"]["CT"]["served"] == 1 and summary_["per_service"]["CT"]["left"] == 1


def test_a_citizen_out_of_patience_leaves_and_is_not_a_wait(config: SiteConfig) -> None:
    plan = {1: [(0.0, 36000.0, ("HT",))]}
    people = [_person(0, "HT", minutes=60), _person(10, "HT", patience_s=600),
              _person(20, "HT", patience_s=7200)]
    day = Day(config, "ours", _quiet(config), people, assignment=plan).run()
    assert day.records[1].left and day.records[1].wait_s is None
    # Nobody knows they left: their number is called in turn, a no-show call before the next one.
    assert day.records[2].wait_s == 3600 + day.profile.no_show_s - 20 and not day.records[2].left
    figures = summary(day)
    assert figures["left"] == 1 and figures["served"] == 2


def test_after_closing_counters_serve_who_waits_and_count_overtime(config: SiteConfig) -> None:
    closing = clock_s(config, config.site.closes)
    plan = {1: [(0.0, closing, ("HT",))], 2: [(0.0, closing - 3600, ("HT",))]}
    people = [_person(closing - 600, "HT", minutes=30), _person(closing - 500, "HT", minutes=20)]
    day = Day(config, "ours", _quiet(config), people, assignment=plan).run()
    assert day.records[1].wait_s == 30 * 60 - 100  # counter 2 closed at 16:00: only 1 serves on
    assert summary(day)["overtime_s"] == {**{str(c.id): 0.0 for c in config.counters},
                                          "1": 40 * 60.0}


def test_the_lunch_closure_calls_nobody(config: SiteConfig) -> None:
    lunch = (clock_s(config, time(11, 30)), clock_s(config, time(13, 30)))
    profile = Profile(breaks=(), lunch=lunch)
    people = [_person(lunch[0] - 60, "HT", minutes=30), _person(lunch[0] + 30, "HT")]
    day = Day(config, "fifo", profile, people).run()
    assert day.records[0].wait_s is not None and day.records[0].wait_s < 60
    assert day.records[1].wait_s == lunch[1] - lunch[0] - 30


def test_an_overloaded_day_reports_its_counters_busy_though_they_close_for_lunch(
        config: SiteConfig) -> None:
    """Utilisation is of the time a counter is staffed: the lunch closure is not idle time."""
    busy = simulate(config, "ours", 1200, 3, Profile.from_config(config))["utilisation"]
    assert all(0.85 <= share <= 1.0 for share in busy.values()), busy
    quiet = simulate(config, "ours", 300, 3, Profile.from_config(config))["utilisation"]
    assert sum(quiet.values()) < 0.6 * sum(busy.values())


def test_static_books_no_ticket_to_a_closed_counter(config: SiteConfig) -> None:
    # Counter 6 opens an hour late and counter 7 closes from 2 h to 3 h: static books the DD tickets
    # of each moment to the counter that is there, not to the absent one with the shorter line.
    profile = _quiet(config)
    plan = {6: [(3600.0, 36000.0, ("DD",))], 7: [(0.0, 7200.0, ("DD",)), (10800.0, 36000.0, ("DD",))]}
    people = [_person(700 + i, "DD", minutes=2) for i in range(4)]
    people += [_person(7300 + i, "DD", minutes=2) for i in range(4)]
    trace: list[Happening] = []
    Day(config, "static", profile, people, assignment=plan, trace=trace).run()
    called = {h.citizen: h.counter for h in trace if h.kind == "called"}
    assert called == {**{i: 7 for i in range(4)}, **{i: 6 for i in range(4, 8)}}


def test_a_day_can_start_from_a_line_and_busy_counters(config: SiteConfig) -> None:
    plan = {1: [(0.0, 36000.0, ("HT",))]}
    people = [_person(100, "HT"), _person(200, "HT"), _person(5000, "HT")]
    start = Start(now_s=1000.0, busy_until={1: 1300.0})
    day = Day(config, "ours", _quiet(config), people, assignment=plan, start=start).run()
    assert [r.wait_s for r in day.records] == [1200.0, 1100.0 + 300.0, 0.0]


def test_the_day_is_learned_from_the_same_weekday_of_recent_weeks(config: SiteConfig,
                                                                  tmp_path: Path) -> None:
    # Three weeks of history from the site file's day, where results (TKQ) come in the afternoon.
    today = date(2026, 3, 23)  # a Monday
    store = Store(tmp_path / "q.db")
    try:
        assert expected_day(config, store, today).source == "config"  # no history yet
        write_history(config, store, days=21, tickets=220, seed=5, today=today)
        learned = expected_day(config, store, today)
    finally:
        store.close()
    assert learned.source == "history"
    assert learned.days == ("2026-03-02", "2026-03-09", "2026-03-16")  # the Mondays only
    assert learned.tickets is not None and 150 < learned.tickets < 280
    arrivals = learned.profile.arrivals
    assert arrivals is not None and learned.profile.mix is not None
    afternoon = {code: arrivals[code][14] / arrivals[code][9] for code in ("TKQ", "CT")}
    assert afternoon["TKQ"] > 1.5 * afternoon["CT"]
    assert sum(arrivals["CT"][12:13]) == 0  # the lunch closure: nobody took a ticket
    assert learned.profile.mix["CT"] > learned.profile.mix["DD"]


def test_too_little_history_keeps_the_configured_day(config: SiteConfig, tmp_path: Path) -> None:
    today = date(2026, 3, 23)
    store = Store(tmp_path / "q.db")
    try:
        write_history(config, store, days=7, tickets=100, seed=5, today=today)
        learned = expected_day(config, store, today)
    finally:
        store.close()
    assert learned.source == "config" and learned.tickets is None
    assert learned.profile == Profile.from_config(config)
