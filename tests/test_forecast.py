"""The wait forecast (forecast/run.py): the hall run forward under the real call rule."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from broker.forecaster import refresh_seed, steady
from forecast.day import pause_length
from forecast.model import (
    Arrival,
    Band,
    Desk,
    Forecast,
    HallNow,
    ServiceModel,
    arrival_rates,
    gave_up_share,
    no_show_share,
)
from forecast.run import HORIZON_S, forecast
from routing.call_rule import Candidate, Rule, ServiceLoad, choose_next
from routing.wait_range import band_range, range_words
from simulation.profile import Profile
from tests.support.paths import SITE_TOML
from xephang.config import load_config

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 9:00 in Hà Nội


def line(service: str, count: int, *, minutes_ago: float = 10.0) -> tuple[Candidate, ...]:
    return tuple(Candidate(f"{service}{n}", service, "none",
                           NOW - timedelta(minutes=minutes_ago) + timedelta(seconds=n))
                 for n in range(count))


def exact(seconds: float, weight: float = 0.0) -> ServiceModel:
    """A service whose every service takes `seconds` (today's services only, no configured mean)."""
    return ServiceModel(1200.0, seconds, weight, (seconds,) * 30)


def spread(mean: float, sigma: float, seed: int = 1) -> ServiceModel:
    rng = random.Random(seed)
    drawn = tuple(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma) for _ in range(30))
    return ServiceModel(1200.0, mean, 0.0, drawn)


def hall(waiting: tuple[Candidate, ...], desks: tuple[Desk, ...], **services: ServiceModel) -> HallNow:
    return HallNow(now=NOW, waiting=waiting, desks=desks, services=services, no_show_share=0.0)


def test_a_certain_hall_forecasts_its_one_outcome() -> None:
    # One counter, 5 minutes along a 10-minute service, three ahead: called in 5 + 3 × 10 minutes.
    now = hall(line("HT", 3), (Desk(("HT",), "busy", 300.0),), HT=exact(600.0))
    result = forecast(now)
    assert result.services["HT"].low_s == result.services["HT"].high_s == 35 * 60
    assert result.tickets["HT0"].low_s == result.tickets["HT0"].high_s == 15 * 60  # 10 waited + 5
    assert band_range(result.services["HT"].low_s, result.services["HT"].high_s) == (35, 40)


def test_refreshes_of_an_unchanged_hall_print_the_same_ranges() -> None:
    """The phone page shows each refresh: with nothing called or issued, 20 s later, the ranges
    must not jump (fifty runs' percentiles alone moved a third of them by a step)."""
    desks = (Desk(("HT",), "busy", 120.0), Desk(("HT",), "busy", 400.0))
    first = hall(line("HT", 12), desks, HT=spread(600.0, 0.6))
    later = replace(first, now=NOW + timedelta(seconds=20),
                    desks=tuple(replace(d, for_s=d.for_s + 20) for d in desks))
    shown = forecast(first, seed=refresh_seed(first))
    fresh = forecast(later, seed=refresh_seed(later))
    kept = steady(shown, fresh)
    printed = [{ticket: band_range(band.low_s, band.high_s) for ticket, band in f.tickets.items()}
               for f in (shown, fresh, kept)]
    assert printed[0] != printed[1]  # the runs alone move some
    assert printed[2] == printed[0]
    assert len(set(printed[0].values())) > 3  # the twelve tickets' ranges differ among themselves


def test_a_refresh_that_really_moves_a_range_is_shown() -> None:
    shown = Forecast(NOW, tickets={"a": Band(600.0, 1500.0), "b": Band(600.0, math.inf)},
                     services={"HT": Band(300.0, 900.0)})
    fresh = Forecast(NOW, tickets={"a": Band(1200.0, 2400.0), "b": Band(700.0, 5000.0),
                                   "c": Band(60.0, 300.0)}, services={"HT": Band(350.0, 950.0)})
    kept = steady(shown, fresh)
    assert kept.tickets == {"a": fresh.tickets["a"], "b": fresh.tickets["b"], "c": Band(60.0, 300.0)}
    assert kept.services == shown.services  # moved less than its noise


def test_more_spread_in_service_times_gives_a_wider_range() -> None:
    desks = (Desk(("HT",), "busy", 0.0), Desk(("HT",), "busy", 0.0))
    tight = forecast(hall(line("HT", 8), desks, HT=spread(600.0, 0.1))).services["HT"]
    loose = forecast(hall(line("HT", 8), desks, HT=spread(600.0, 0.9))).services["HT"]
    assert tight.low_s < 50 * 60 < tight.high_s  # 10 minutes per pair of tickets, then 10 more
    assert loose.high_s - loose.low_s > 2 * (tight.high_s - tight.low_s)


def test_expected_priority_arrivals_push_a_normal_ticket_back_but_not_a_priority_one() -> None:
    desks = (Desk(("HT",), "busy", 0.0),)
    quiet = hall(line("HT", 6), desks, HT=exact(300.0))
    busy = HallNow(now=NOW, waiting=quiet.waiting, desks=desks, services=quiet.services,
                   arrivals=(Arrival("HT", "priority", 6.0),), issuing_for_s=4 * 3600.0,
                   no_show_share=0.0)
    alone, crowded = forecast(quiet), forecast(busy)
    assert crowded.services["HT"].high_s > alone.services["HT"].high_s
    assert crowded.services["HT"].low_s >= alone.services["HT"].low_s
    # A priority ticket issued now goes before the six normal ones waiting.
    assert crowded.priority["HT"].high_s < alone.services["HT"].low_s


def test_a_mean_learned_from_few_services_gives_a_wider_range_for_a_long_wait() -> None:
    # The same six service times, seen once or fifty times each: the mean is as uncertain as the
    # count is small, and that error runs through all 24 services ahead, so the range widens.
    six = spread(600.0, 0.5).recent_s[:6]
    few = ServiceModel(1200.0, 600.0, 0.0, six)
    many = ServiceModel(1200.0, 600.0, 0.0, six * 50, window=300)
    desks = (Desk(("HT",), "busy", 0.0),) * 3
    unsure = forecast(hall(line("HT", 21), desks, HT=few), runs=200).services["HT"]
    sure = forecast(hall(line("HT", 21), desks, HT=many), runs=200).services["HT"]
    assert unsure.high_s - unsure.low_s > 1.5 * (sure.high_s - sure.low_s)
    # A short wait (the first in line) hardly depends on the mean's error.
    short_unsure = forecast(hall(line("HT", 21), desks, HT=few), runs=200).tickets["HT0"]
    assert short_unsure.high_s - short_unsure.low_s < (unsure.high_s - unsure.low_s) / 3


def test_an_arrival_rate_learned_from_few_tickets_gives_a_wider_range() -> None:
    # Priority tickets go first; how many will come is known only as well as the count behind it.
    desks = (Desk(("HT",), "busy", 0.0), Desk(("HT",), "busy", 0.0))

    def band(seen: int) -> tuple[float, float]:
        arrivals = (Arrival("HT", "priority", 12.0, seen),)
        now = HallNow(now=NOW, waiting=line("HT", 20), desks=desks, services={"HT": exact(300.0)},
                      arrivals=arrivals, issuing_for_s=4 * 3600.0, no_show_share=0.0, mode="strict")
        result = forecast(now, runs=200).services["HT"]
        return result.low_s, result.high_s

    (low_few, high_few), (low_many, high_many) = band(3), band(3000)
    assert high_few - low_few > 1.3 * (high_many - low_many)


def test_the_next_tickets_being_forecast_do_not_change_whom_a_shared_counter_calls() -> None:
    # One idle counter serves HT (one ticket, waiting longer) and CT (eight). The call rule, told
    # the real lines, calls CT's oldest first; counting the forecast's own "next tickets" (two per
    # line) as waiting made HT's line look three times as long and flipped that choice.
    waiting = (Candidate("HT0", "HT", "none", NOW - timedelta(seconds=440)),
               *line("CT", 8, minutes_ago=5.0))
    desks = (Desk(("HT", "CT"), "idle"),)
    same = ServiceModel(1200.0, 300.0, 0.0, (300.0,) * 30)
    loads = {code: ServiceLoad(1200.0, 1, count, 300.0, 0.5) for code, count in (("HT", 1), ("CT", 8))}
    assert choose_next(waiting, ("HT", "CT"), now=NOW, rule=Rule(loads=loads)).id == "CT0"
    now = HallNow(now=NOW, waiting=waiting, desks=desks, services={"HT": same, "CT": same},
                  no_show_share=0.0, idle_call_s=0.0)
    result = forecast(now)
    assert result.tickets["CT0"].high_s == 300.0  # called at once
    assert result.tickets["HT0"].low_s >= 440.0 + 300.0  # after CT0's service at the soonest


def test_a_paused_counter_comes_back_later_and_a_closed_one_never() -> None:
    waiting = line("DD", 4)
    working = forecast(hall(waiting, (Desk(("DD",), "idle"),), DD=exact(480.0))).services["DD"]
    paused = forecast(hall(waiting, (Desk(("DD",), "paused", 60.0),), DD=exact(480.0))).services["DD"]
    closed = forecast(hall(waiting, (Desk(("DD",), "closed"),), DD=exact(480.0))).services["DD"]
    assert paused.low_s > working.high_s
    assert closed.low_s == closed.high_s == math.inf
    assert band_range(closed.low_s, closed.high_s) == (180, 185)  # printed as "hơn 3 giờ"
    assert HORIZON_S >= 3 * 3600


def test_a_counter_on_its_planned_ten_minute_break_is_back_in_ten_minutes() -> None:
    # The site file plans 10-minute breaks; a counter 4 minutes into one is back in about 6 more
    # (give or take half), not in the half hour an unplanned pause is taken to last.
    profile = Profile.from_config(load_config(SITE_TOML))
    now_s = 10 * 3600 - (7 * 3600 + 1800)  # 10:00, inside the 09:30–10:45 break window
    pause_s = pause_length(profile, now_s, 240.0)
    assert pause_s == 600.0
    desk = Desk(("DD",), "paused", 240.0, pause_s=pause_s)
    band = forecast(hall(line("DD", 1), (desk,), DD=exact(480.0))).services["DD"]
    assert band.low_s >= 180.0 + 480.0 and band.high_s <= 540.0 + 480.0


def test_a_line_left_over_from_the_morning_moves_faster_than_its_length_says() -> None:
    # After lunch, 30 tickets printed three hours ago still wait: most of those citizens gave up
    # (patience about 90 minutes) and are called in vain, a minute and a half each. A ticket printed
    # now is told well under the 5 hours of 30 full services, and the few who stayed are counted.
    left_over = line("HT", 30, minutes_ago=180.0)
    desks = (Desk(("HT",), "idle"),)
    stays = forecast(hall(left_over, desks, HT=exact(600.0))).services["HT"]
    gives_up = forecast(replace(hall(left_over, desks, HT=exact(600.0)), patience_s=5400.0)).services["HT"]
    assert stays.low_s == math.inf  # 30 × 10 minutes: past the horizon
    assert gives_up.low_s > 30 * 90.0 and gives_up.high_s < 2 * 3600
    assert gave_up_share(180 * 60.0, 5400.0) > 0.85 > gave_up_share(60 * 60.0, 5400.0)


def test_a_shared_counter_splits_its_time_by_the_call_rule() -> None:
    # Counter 1 serves HT and CT; counter 2 only CT. HT's next ticket waits for counter 1 alone.
    desks = (Desk(("HT", "CT"), "busy", 0.0), Desk(("CT",), "busy", 0.0))
    result = forecast(hall(line("HT", 2) + line("CT", 6), desks, HT=exact(600.0), CT=exact(300.0)))
    assert result.services["HT"].low_s >= 3 * 600  # at most one HT call per 10 minutes
    # HT1 waited 10 minutes; then counter 1 ends its service (a CT one at the soonest: 5 minutes)
    # and serves HT0 for 10 more before it can call HT1.
    assert result.tickets["HT1"].low_s >= 599 + 300 + 600


def test_arrivals_and_no_shows_are_learned_from_today() -> None:
    opened = NOW - timedelta(hours=2)
    issues = [(NOW - timedelta(minutes=m), "HT", "normal") for m in range(0, 120, 2)]
    issues += [(NOW - timedelta(minutes=30), "CT", "priority")]
    rates = {(a.service, a.kind): a.per_hour for a in arrival_rates(issues, NOW, opened)}
    assert rates == {("HT", "normal"): 31.0, ("CT", "priority"): 1.0}  # the last hour only
    assert no_show_share(0, 0) == 0.05 and no_show_share(30, 100) > 0.2


def test_a_short_forecast_is_printed_to_the_minute_and_a_long_one_in_steps() -> None:
    # The band is a calibrated 5–95 % one: printed as it is, the low end rounded down, the high end
    # to the nearest step (a minute below ten minutes, eta_round_min above).
    assert range_words(*band_range(0.0, 170.0)) == "dưới 3 phút"
    assert range_words(*band_range(150.0, 350.0)) == "khoảng 2–6 phút"
    assert range_words(*band_range(7.5 * 60, 14 * 60)) == "khoảng 7–15 phút"
    assert range_words(*band_range(26 * 60, 38 * 60)) == "khoảng 25–40 phút"
    assert range_words(*band_range(30 * 60, 31 * 60)) == "khoảng 30–35 phút"  # one step at least
    assert range_words(*band_range(4 * 3600, math.inf)) == "hơn 3 giờ"
