"""The wait estimate: learned service times, shared counters, idle counters, the printed range."""

from __future__ import annotations

import pytest

from routing.estimate import Floor, ServiceTimes, capacity, eta_seconds
from routing.wait_range import wait_range, within


def floor(waiting: dict[str, int], open_: list[list[str]], idle: list[list[str]] | None = None,
          mean_s: dict[str, float] | None = None) -> Floor:
    return Floor(waiting, open_, idle or [], mean_s or {"HT": 300.0, "CT": 300.0})


def test_service_times_start_from_the_config_and_follow_the_day() -> None:
    times = ServiceTimes({"HT": 480.0}, prior_weight=5, window=3)
    assert times.mean_s("HT") == 480.0
    for seconds in (600, 600, 600, 600):  # only the last three count
        times.observe("HT", seconds)
    assert times.mean_s("HT") == pytest.approx((5 * 480 + 3 * 600) / 8)


def test_nobody_waits_when_a_counter_serving_the_line_is_idle() -> None:
    assert eta_seconds("HT", 0, floor({"HT": 0}, [["HT"], ["HT"]], idle=[["HT"]])) == 0
    assert eta_seconds("HT", 1, floor({"HT": 1}, [["HT"], ["HT"]], idle=[["HT"]])) > 0


def test_busy_dedicated_counters_share_the_line() -> None:
    # 4 ahead, two busy counters, 5 minutes each: half a service for the first, then 4 more / 2.
    assert eta_seconds("HT", 4, floor({"HT": 4}, [["HT"], ["HT"]])) == round(4.5 * 300 / 2)


def test_a_shared_counter_gives_a_line_the_share_of_the_work_waiting_in_it() -> None:
    now = floor({"HT": 3, "CT": 3}, [["HT", "CT"], ["HT"]])
    assert capacity("HT", now) == pytest.approx(1.5)
    assert capacity("CT", now) == pytest.approx(0.5)


def test_a_line_nobody_serves_now_waits_for_a_counter_to_come_back() -> None:
    assert eta_seconds("CT", 2, floor({"CT": 2}, [["HT"]])) == 3 * 300


def test_the_printed_range_is_rounded_outwards_and_covers_the_estimate() -> None:
    assert wait_range(0) == (0, 5)
    assert wait_range(600) == (5, 15)
    low, high = wait_range(1800)
    assert low * 60 <= 1800 <= high * 60 and low % 5 == 0 and high % 5 == 0
    assert within(1500, 1800) and not within(4000, 1800)
