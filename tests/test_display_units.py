"""Display logic without MQTT: announcement de-duplication, the press guard, display ids, views."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from display.announce import AnnouncementGate
from display.guard import PressGuard
from display.hall import hall_view
from display.labels import wait_minutes
from display.resolve import resolve_display
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig
from xephang.errors import ConfigError
from xephang.protocol import Announcement, HallState, RecentCall


def announcement(call_id: str, repeat: int = 0) -> Announcement:
    return Announcement(call_id=call_id, number="1023", counter=5,
                        text="Mời công dân có số thứ tự 1023 đến quầy số 5", repeat=repeat)


def test_an_announcement_delivered_twice_is_announced_once() -> None:
    gate = AnnouncementGate()
    assert gate.admit(announcement("c1"))
    assert not gate.admit(announcement("c1"))  # a QoS 1 re-delivery, or after a reconnect


def test_a_recall_with_a_higher_repeat_is_announced_again_but_a_late_original_is_not() -> None:
    gate = AnnouncementGate()
    assert gate.admit(announcement("c1", 0))
    assert gate.admit(announcement("c1", 1))
    assert not gate.admit(announcement("c1", 1))
    assert not gate.admit(announcement("c1", 0))
    assert gate.admit(announcement("c2", 0))


def test_the_gate_forgets_old_calls_beyond_its_capacity() -> None:
    gate = AnnouncementGate(capacity=2)
    for call_id in ("a", "b", "c"):
        assert gate.admit(announcement(call_id))
    assert gate.admit(announcement("a"))  # forgotten, so bounded memory on a long day
    assert not gate.admit(announcement("c"))


def test_guard_ignores_a_second_press_within_the_gap() -> None:
    clock = FakeClock()
    guard = PressGuard(min_gap_s=1.0, reply_timeout_s=4.0, clock=clock.monotonic)
    assert guard.try_begin("one")
    clock.advance(seconds=0.3)
    assert not guard.try_begin("two")


def test_guard_waits_for_the_reply_then_accepts_the_next_press() -> None:
    clock = FakeClock()
    guard = PressGuard(min_gap_s=1.0, reply_timeout_s=4.0, clock=clock.monotonic)
    assert guard.try_begin("one")
    clock.advance(seconds=2.0)
    assert not guard.try_begin("two")  # the broker has not answered "one" yet
    assert not guard.settle("someone-else")
    assert guard.settle("one")
    assert guard.try_begin("three")
    assert guard.pending == "three"


def test_guard_gives_up_waiting_after_the_reply_timeout() -> None:
    clock = FakeClock()
    guard = PressGuard(min_gap_s=1.0, reply_timeout_s=4.0, clock=clock.monotonic)
    assert guard.try_begin("lost")
    clock.advance(seconds=4.5)
    assert guard.try_begin("retry")


def test_a_configured_display_is_used_as_configured(config: SiteConfig) -> None:
    display = resolve_display(config, "counter-5")
    assert (display.kind, display.counter, display.buttons["call_next"]) == ("counter", 5, 17)


def test_unlisted_ids_follow_the_hall_and_counter_convention(config: SiteConfig) -> None:
    assert resolve_display(config, "hall-3").kind == "hall"
    display = resolve_display(config, "counter-12")
    assert (display.kind, display.counter, display.buttons) == ("counter", 12, {})


@pytest.mark.parametrize("bad_id", ["counter-13", "lobby", "hall-0", "counter-x"])
def test_an_unknown_display_id_names_the_valid_ones(config: SiteConfig, bad_id: str) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_display(config, bad_id)
    assert bad_id in str(raised.value)
    assert "hall-1" in str(raised.value) and "counter-5" in str(raised.value)


def test_wait_is_rounded_up_to_whole_minutes() -> None:
    assert [wait_minutes(s) for s in (None, 0, 1, 60, 61)] == [None, 0, 1, 1, 2]


def test_hall_view_puts_the_newest_call_first_with_vietnamese_labels(config: SiteConfig) -> None:
    at = datetime(2025, 3, 4, 2, 41, tzinfo=UTC)
    state = HallState(recent_calls=[RecentCall(number="1023", counter=5, at=at),
                                    RecentCall(number="2007", counter=4, at=at)],
                      waiting={"HT": 7}, eta_s={"HT": 1250})
    view = hall_view(config, state, {}, connected=True)
    assert view["current"] == {"number": "1023", "counter": 5, "counter_label": "Quầy 5",
                               "at": at.isoformat(), "time": "09:41"}
    assert [c["number"] for c in view["previous"]] == ["2007"]
    hộ_tịch = view["services"][0]
    assert (hộ_tịch["name"], hộ_tịch["waiting"], hộ_tịch["eta_min"]) == ("Tư pháp – Hộ tịch", 7, 21)
    assert view["services"][1]["eta_min"] is None  # nobody waiting for Chứng thực
