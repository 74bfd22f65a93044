"""The staffing plan (planning/): on simulated days, the plan keeps every service's p90 wait within
its target with fewer counter-hours when it can, says plainly when it cannot, and holds on days it
was not made on."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from broker.store.db import Store
from planning.demand import Demand, expected_demand
from planning.followable import Rules, changes, stretches
from planning.plan import Plan, plan_day
from planning.report import counter_story, plan_table, plan_view, shortfall_text
from planning.schedule import Schedule, day_blocks
from planning.simulated import SimulatedDays
from simulation.learned import expected_day
from simulation.profile import Profile
from tests.support.paths import SITE_TOML
from xephang.config import Counter, SiteConfig, load_config
from xephang.errors import ConfigError

FRESH_SEEDS = (1, 2, 3, 4)  # not the plan's own days (planning.plan.SEEDS)
BUDGET_S = 10.0
# A plan is simulated days of work (the search's budget in CPU seconds, then a check on unseen
# days): minutes of wall time on a loaded machine.
PLANNING_TIME = pytest.mark.timeout(600)


def _day(config: SiteConfig, tickets: int) -> Demand:
    return expected_demand(config, Profile.from_config(config), tickets)


def _targets(config: SiteConfig) -> dict[str, int]:
    return {s.code: s.target_wait_min for s in config.services}


def _held_on_fresh_days(config: SiteConfig, plan: Plan) -> dict[str, float]:
    """Each service's p90 wait (minutes) when the plan is followed on days it was not made on."""
    forecast = SimulatedDays(config, plan.demand, FRESH_SEEDS)(plan.schedule)
    return {code: f.p90_min for code, f in forecast.services.items()}


def _assert_followable(plan: Plan, max_changes: int, min_stretch_min: int) -> None:
    """Every counter changes at most `max_changes` times counting from what it serves today (a
    first block unlike today is a change) and keeps each arrangement at least `min_stretch_min`
    minutes, as the grid and the per-counter lines say."""
    for counter, row in plan.schedule.cells.items():
        runs = stretches(row)
        assert changes(row, plan.today.serves(counter, 0)) <= max_changes, (counter, row)
        if len(runs) > 1:
            assert all(r.seconds(plan.schedule.blocks) >= min_stretch_min * 60 for r in runs), row


def _assert_told_from_today(plan: Plan, config: SiteConfig) -> None:
    """Each counter's line says "không thay đổi" only when it keeps today's services all day, else
    how many times it changes counting from today; a figure worse than today's is said."""
    view = plan_view(plan, config)
    for counter in view["counters"]:
        row, today = plan.schedule.cells[counter["id"]], plan.today.serves(counter["id"], 0)
        count = changes(row, today)
        assert counter["changes"] == count
        if all(cell == today for cell in row):
            assert counter["story"] == f"Cả ngày: {', '.join(today)} (không thay đổi).", counter
        else:
            assert "không thay đổi" not in counter["story"], counter
            assert counter["story"].endswith(f"(thay đổi {count} lần).") or \
                counter["story"].endswith(f"thay đổi {count} lần).")
    worse = " ".join(view["worse"])
    for row in view["services"]:
        if any(_said_number(row["plan"][k]) > _said_number(row["today"][k]) for k in ("p90", "max")):
            assert f"{row['name']}: theo kế hoạch" in worse, (row, worse)


def _said_number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@PLANNING_TIME
def test_a_quiet_day_needs_fewer_counter_hours_and_still_meets_every_target(
        config: SiteConfig) -> None:
    plan = plan_day(config, _day(config, 500), budget_s=BUDGET_S)
    assert plan.shortfalls == ()
    assert plan.forecast.counter_hours < 0.8 * plan.today_forecast.counter_hours
    assert any(not services for row in plan.schedule.cells.values() for services in row)  # closed
    held = _held_on_fresh_days(config, plan)
    assert all(held[code] <= target for code, target in _targets(config).items()), held
    _assert_followable(plan, config.plan.max_changes, config.plan.min_stretch_min)
    _assert_told_from_today(plan, config)


@PLANNING_TIME
def test_hourly_blocks_with_one_change_a_day_still_meet_every_target(config: SiteConfig) -> None:
    # A manager who plans by the hour but lets each counter change once, for at least 90 minutes:
    # no counter does something for a single hour, and the targets still hold on unseen days.
    rules = config.plan.model_copy(update={"block_min": 60, "max_changes": 1, "min_stretch_min": 90})
    hourly = config.model_copy(update={"plan": rules})
    plan = plan_day(hourly, _day(hourly, 500), budget_s=BUDGET_S)
    assert len(plan.schedule.blocks) >= 7
    _assert_followable(plan, 1, 90)
    assert plan.shortfalls == ()
    assert plan.forecast.counter_hours < plan.today_forecast.counter_hours
    held = _held_on_fresh_days(hourly, plan)
    assert all(held[code] <= target for code, target in _targets(hourly).items()), held


def test_a_counter_is_told_what_changes_from_what_it_serves_today(config: SiteConfig) -> None:
    # Quầy 1 serves HT, CT today. A plan giving it all six services all day changes it once, at
    # the opening: it is told what to add, never "không thay đổi"; and that change counts toward
    # the day's limit, so a plan may not change it twice more.
    blocks = day_blocks(config, 120, [(4 * 3600.0, 6 * 3600.0)])  # 07:30, 09:30, 13:30, 15:30
    assert len(blocks) == 4
    today, six = ("HT", "CT"), ("HT", "CT", "VX", "TKQ", "DD", "KD")
    opens = config.site.opens

    def told(*row: tuple[str, ...]) -> str:
        return counter_story(row, blocks, opens, today)

    assert told(six, six, six, six) == "07:30 thêm VX, TKQ, DD, KD (thay đổi 1 lần)."
    assert told(six, six, six, ()) == "07:30 thêm VX, TKQ, DD, KD; 15:30 đóng quầy (thay đổi 2 lần)."
    assert told(today, today, today, today) == "Cả ngày: HT, CT (không thay đổi)."
    assert told(today, today, today, ()) == "15:30 đóng quầy (thay đổi 1 lần)."
    assert told((), today, today, today) == "07:30 đóng quầy; 09:30 mở lại quầy: HT, CT (thay đổi 2 lần)."
    assert told(("HT",), ("HT",), ("HT",), ("HT",)) == "07:30 chỉ phục vụ HT (thay đổi 1 lần)."
    assert told(today, today, ("TKQ",), ("TKQ",)) == "13:30 chuyển sang: TKQ (thay đổi 1 lần)."
    assert told((), (), (), ()) == "Đóng cả ngày (hôm nay phục vụ HT, CT; thay đổi 1 lần)."
    rules = Rules(max_changes=2, min_stretch_s=90 * 60).starting_from({1: today})
    assert not rules.allows((six, six, ("TKQ",), ()), blocks, 1)  # 3 changes counted from today
    assert rules.allows((today, today, ("TKQ",), ()), blocks, 1)  # 2: after lunch, at 15:30
    assert changes((six, six, ("TKQ",), ()), today) == 3 and changes((six, six, ("TKQ",), ())) == 2


@PLANNING_TIME
def test_a_day_todays_assignment_already_meets_keeps_counters_on_their_own_services(
        config: SiteConfig) -> None:
    # At 800 tickets on the configured day today's assignment meets every target: the plan may
    # close counters to save counter-hours, but a counter keeps today's services wherever giving it
    # others buys nothing, so few counters are told to serve something new.
    plan = plan_day(config, _day(config, 800), budget_s=BUDGET_S)
    targets = {code: float(t) for code, t in _targets(config).items()}
    assert not plan.today_forecast.late(targets)
    assert plan.shortfalls == ()
    assert plan.forecast.counter_hours <= plan.today_forecast.counter_hours
    new_services = [c for c, row in plan.schedule.cells.items()
                    if any(cell and cell != plan.today.serves(c, 0) for cell in row)]
    assert len(new_services) <= 3, plan.schedule.cells
    _assert_followable(plan, config.plan.max_changes, config.plan.min_stretch_min)
    _assert_told_from_today(plan, config)
    held = _held_on_fresh_days(config, plan)
    assert all(held[code] <= target for code, target in targets.items()), held


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("max_changes = 2", "max_changes = -1", "plan.max_changes: phải từ 0 trở lên"),
    ("block_min = 120", "block_min = 5", "plan.block_min: phải từ 30 trở lên"),
    ("min_stretch_min = 90", "min_stretch_min = \"long\"", "plan.min_stretch_min"),
    ("min_stretch_min = 90", "min_stretch_min = 90\nmax_switches = 1", "plan.max_switches"),
])
def test_a_bad_plan_setting_is_refused_with_its_key(tmp_path: Path, old: str, new: str,
                                                    expected: str) -> None:
    text = SITE_TOML.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "site.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load_config(path)


def test_rules_keep_a_change_long_enough_and_repair_merges_the_short_ones(
        config: SiteConfig) -> None:
    blocks = day_blocks(config, 60, [(4 * 3600.0, 6 * 3600.0)])  # 07:30-11:30, 13:30-17:00
    rules = Rules(max_changes=2, min_stretch_s=90 * 60)
    a, b = ("HT", "CT"), ("DD",)
    day = Schedule(blocks, {1: tuple(a for _ in blocks)})
    one_hour = day.with_cell(1, 2, b)
    assert not rules.allows(one_hour.cells[1], blocks)  # DD for a single hour: refused
    spread = rules.set(day, 1, 2, b)  # asked for one hour, given from then to the day's end
    assert spread is not None and spread.cells[1] == (a, a, *(b for _ in blocks[2:]))
    busy = Schedule(blocks, {1: (a, b, a, (), b, a, b, a)[:len(blocks)]})
    fixed = rules.repair(busy).cells[1]
    assert rules.allows(fixed, blocks) and all(set(cell) for cell in fixed)  # none closed: capacity kept
    assert all(code in {*a, *b} for cell in fixed for code in cell)


@PLANNING_TIME
def test_a_badly_assigned_center_is_rearranged_to_meet_its_targets(config: SiteConfig) -> None:
    # Ten counters serve Hộ tịch only and two everything else: today Chứng thực and Trả kết quả wait
    # far past their targets while Hộ tịch counters stand idle.
    others = ["CT", "TKQ", "DD", "VX", "KD"]
    counters = [Counter(id=i, services=["HT"]) for i in range(1, 11)]
    counters += [Counter(id=11, services=others), Counter(id=12, services=others[::-1])]
    skewed = config.model_copy(update={"counters": counters})
    plan = plan_day(skewed, _day(skewed, 600), budget_s=BUDGET_S)
    targets = _targets(skewed)
    assert plan.today_forecast.late({c: float(t) for c, t in targets.items()})  # today misses
    assert plan.shortfalls == ()
    assert plan.forecast.counter_hours <= plan.today_forecast.counter_hours
    held = _held_on_fresh_days(skewed, plan)
    assert all(held[code] <= target for code, target in targets.items()), held
    _assert_told_from_today(plan, skewed)


@PLANNING_TIME
def test_a_service_without_enough_counters_is_reported_with_how_far_it_is_off(
        config: SiteConfig) -> None:
    # Three counters for a day of 240 citizens, 70 % of them for Đất đai (10 minutes each): more
    # work than three counters can do in opening hours.
    counters = [Counter(id=i, services=["DD", "HT"]) for i in (1, 2, 3)]
    routing = config.routing.model_copy(update={"demand": {"DD": 0.7, "HT": 0.3}})
    small = config.model_copy(update={"counters": counters, "routing": routing})
    plan = plan_day(small, _day(small, 240), budget_s=BUDGET_S)
    short = {s.service: s for s in plan.shortfalls}
    assert "DD" in short and short["DD"].capacity
    dd = plan.forecast.services["DD"]
    assert short["DD"].over_min == round(dd.p90_min - 30, 1) > 0
    p90 = math.ceil(dd.p90_min)  # whole minutes, "90% wait under" kept true
    assert shortfall_text(short["DD"], plan, small).startswith(
        f"Đất đai – Xây dựng: 90% công dân dự kiến chờ dưới {p90} phút, vượt mục tiêu 30 phút")
    assert "trung tâm không đủ quầy để đạt mục tiêu này" in shortfall_text(short["DD"], plan, small)
    # Both services short for want of counters: one line for both, not the same sentence twice.
    assert set(short) == {"DD", "HT"} and short["HT"].capacity
    said = plan_view(plan, small)["shortfalls"]
    assert len(said) == 1 and "2 dịch vụ không đạt mục tiêu" in said[0]
    assert f"Đất đai – Xây dựng {p90} phút (mục tiêu 30)" in said[0]
    text = plan_table(plan, small)
    assert said[0] in text and not re.search(r"\d,\d phút", text)
    assert "site.toml" not in text and "theo cấu hình của trung tâm" in text


@pytest.mark.timeout(600)  # two whole command runs (their own limits below), on a loaded machine
def test_xephang_plan_prints_the_plan_from_the_center_history(tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    subprocess.run([sys.executable, "-m", "xephang.cli", "simulate", "--config", str(SITE_TOML),
                    "--days", "22", "--db", str(db), "--tickets", "400", "--seed", "5"],
                   check=True, capture_output=True, timeout=300)
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "plan", "--config", str(SITE_TOML), "--db", str(db),
         "--date", _next_monday(), "--budget", "4"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Dự kiến" in out and "Quầy 12" in out and "Giờ quầy: hiện tại" in out
    assert "Lịch thay đổi của từng quầy (mỗi quầy thay đổi dịch vụ hoặc mở, đóng tối đa 2 lần" in out
    told = [line for line in out.splitlines() if re.match(r"Quầy \d+: ", line)]
    assert len(told) == 12
    config = load_config(SITE_TOML)
    for line in told:  # "không thay đổi" only for a counter that keeps its configured services
        counter = config.counter(int(line.split(":")[0].removeprefix("Quầy ")))
        assert counter is not None
        same = f"Quầy {counter.id}: Cả ngày: {', '.join(counter.services)} (không thay đổi)."
        assert line == same or ("không thay đổi" not in line
                                and re.search(r"\(thay đổi [12] lần\)\.$", line)), line
    for code in ("HT", "CT", "DD", "VX", "KD", "TKQ"):
        assert f"\n{code} " in out


def _plan_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xephang.cli", "plan", "--config", str(SITE_TOML),
                           *args], capture_output=True, text=True, timeout=300)


def test_xephang_plan_refuses_bad_input_in_vietnamese_naming_the_option(tmp_path: Path) -> None:
    missing = _plan_cli("--db", str(tmp_path / "none.db"), "--date", _next_monday())
    assert missing.returncode == 2
    assert f"--db {tmp_path / 'none.db'}: không có tệp cơ sở dữ liệu này" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    bad = _plan_cli("--db", str(tmp_path / "none.db"), "--date", "07/01/2030")
    assert bad.returncode == 2 and "không phải ngày dạng năm-tháng-ngày (YYYY-MM-DD)" in bad.stderr
    junk = tmp_path / "junk.db"
    junk.write_text("notadb")
    not_a_db = _plan_cli("--db", str(junk), "--date", _next_monday())
    assert not_a_db.returncode == 2 and "Traceback" not in not_a_db.stderr
    assert f"--db {junk}: tệp này không phải cơ sở dữ liệu" in not_a_db.stderr
    for day, said in (("0001-01-01", "Ngày 01/01/0001 đã qua quá lâu"),
                      ("1990-01-01", "Ngày 01/01/1990 đã qua quá lâu"),
                      ("9999-12-31", "Ngày 31/12/9999 còn quá xa")):
        far = _plan_cli("--db", str(junk), "--date", day)
        assert far.returncode == 2 and "Traceback" not in far.stderr, far.stderr
        assert f"--date {day}: {said}: chỉ lập kế hoạch cho ngày từ" in far.stderr
    tickets = _plan_cli("--db", str(junk), "--date", _next_monday(), "--tickets", "-5")
    assert tickets.returncode == 2 and "--tickets phải là số lượt từ 1 đến 100000" in tickets.stderr


def test_the_first_weeks_of_the_calendar_learn_nothing_and_do_not_fail(tmp_path: Path,
                                                                       config: SiteConfig) -> None:
    store = Store(tmp_path / "queue.db")
    try:
        learned = expected_day(config, store, date(1, 1, 1))
    finally:
        store.close()
    assert learned.source == "config" and learned.tickets is None


def _next_monday() -> str:
    today = date.today()
    return (today + timedelta(days=7 - today.weekday())).isoformat()
