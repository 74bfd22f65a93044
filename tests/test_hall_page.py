"""The hall page in headless Chromium while the voice speaks: the call being said is the one shown,
the other calls of the same sentence are marked, each recent number appears once, and the big box
is cleared when its ticket is finished."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from display.role import DisplayRole
from harness.mqtt_probe import Probe
from tests.support.display import AT, CLIPPED_TEXT, announce, counter_state, hall_state
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

LATER = "2025-03-04T02:45:00+00:00"
WAITING, ETA = {"HT": 4, "CT": 0}, {"HT": 0, "CT": 0}
CALLING_1030 = counter_state("calling", "1030", 3, service="HT")
DONE_1030 = counter_state("idle", None, 3, service="HT", since=LATER)
CALLS = [("1030", 3), ("2010", 4), ("1023", 5), ("1022", 1), ("2007", 4), ("3015", 12),
         ("1021", 2), ("5003", 9)]


@pytest.fixture
def hall(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DisplayRole]:
    monkeypatch.setenv("XEPHANG_FAKE_SPEAKER_PACE", "1")  # a sound lasts as long as it is heard
    role = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"), http=("127.0.0.1", 0),
                       audio_dir=tmp_path / "audio")
    role.start()
    yield role
    role.stop()


def test_the_page_shows_the_call_being_said_and_marks_the_rest_of_the_sentence(
    browser: Any, hall: DisplayRole, probe: Probe, topics: Topics, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(hall.http_url)
        probe.publish(topics.hall_state, hall_state(*CALLS[:3], waiting=WAITING, eta=ETA), retain=True)
        probe.publish(topics.hall_announce, announce("call-1", "1023", 5, at=AT))
        page.wait_for_function("document.querySelector('#current.speaking .number')?.textContent"
                               " === '1023'")
        # Called while 1023 is being said: the two wait, then are said together in one sentence.
        probe.publish(topics.hall_announce, announce("call-2", "2010", 4, at=AT))
        probe.publish(topics.hall_announce, announce("call-3", "1030", 3, at=AT))
        page.wait_for_function("document.querySelector('#current.speaking .number')?.textContent"
                               " === '2010'", timeout=20000)
        assert page.inner_text("#previous li.speaking .number") == "1030"
        assert "Không phải chờ" in page.inner_text("#services")
        assert "~0" not in page.inner_text("#services")
        page.screenshot(path=str(screenshot_dir / "hall-speaking-1920x1080.png"))
    finally:
        page.close()


def test_eight_distinct_recent_calls_and_the_box_cleared_when_its_ticket_is_done(
    browser: Any, hall: DisplayRole, probe: Probe, topics: Topics, screenshot_dir: Path
) -> None:
    probe.publish(topics.counter_state(3), CALLING_1030, retain=True)
    probe.publish(topics.hall_state, hall_state(*CALLS, waiting=WAITING, eta=ETA), retain=True)
    for width, height in ((1920, 1080), (1080, 1920)):
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            page.goto(hall.http_url)
            page.wait_for_function("document.querySelector('#current .number')?.textContent"
                                   " === '1030'")
            previous = page.locator("#previous li .number").all_inner_texts()
            assert previous == ["2010", "1023", "1022", "2007", "3015", "1021", "5003"]
            assert page.evaluate(CLIPPED_TEXT) == []
            probe.publish(topics.counter_state(3), DONE_1030, retain=True)
            page.wait_for_function("document.querySelector('#current .none')?.textContent"
                                   " === 'Xin mời chờ đến lượt'")
            assert page.locator("#previous li").count() == 8
            assert page.evaluate(CLIPPED_TEXT) == []
            page.screenshot(path=str(screenshot_dir / f"hall-eight-calls-{width}x{height}.png"))
            probe.publish(topics.counter_state(3), CALLING_1030, retain=True)
        finally:
            page.close()


def test_a_zone_shows_its_counters_calls_each_number_once(config: SiteConfig) -> None:
    from datetime import UTC, datetime

    from display.hall import hall_view
    from xephang.protocol import CounterState, HallState, RecentCall

    at = datetime(2025, 3, 4, 2, 41, tzinfo=UTC)
    calls = [RecentCall(number=n, counter=c, at=at)
             for n, c in [("1023", 8), ("2010", 4), ("1023", 5), ("5003", 9), ("1022", 1)]]
    state = HallState(recent_calls=calls, waiting={"HT": 3, "CT": 2}, eta_s={"HT": 0, "CT": 61})
    idle = CounterState(counter=8, status="idle", since=datetime(2025, 3, 4, 2, 42, tzinfo=UTC))
    view = hall_view(config, state, {8: idle}, connected=True, zone=frozenset({1, 5, 8}))
    assert view["current"] is None and view["idle_text"] == "Xin mời chờ đến lượt"
    assert [c["number"] for c in view["previous"]] == ["1023", "1022"]  # 1023 once; 4, 9 elsewhere
    # Three wait for HT while its counters are idle: that is still a wait (staff must call them).
    assert [s["wait_text"] for s in view["services"][:3]] == ["dưới 5 phút", "dưới 5 phút",
                                                              "Không phải chờ"]


def test_a_hall_zone_speaks_only_its_counters_calls(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardware.speaker import read_log
    from xephang.config import SiteConfig as Site

    monkeypatch.setenv("XEPHANG_FAKE_SPEAKER_PACE", "0")
    displays = [d.model_copy(update={"announces": [1, 2]}) if d.id == "hall-1" else d
                for d in config.displays]
    upstairs = Site.model_validate({**config.model_dump(), "displays": [
        d.model_dump() for d in displays]})
    with pytest.raises(ValueError, match="announces: không có quầy 42"):
        Site.model_validate({**config.model_dump(), "displays": [
            {**displays[0].model_dump(), "announces": [1, 42]}]})
    probe.publish(topics.hall_state, hall_state(), retain=True)  # the broker's, as in production
    role = DisplayRole(upstairs, display_id="hall-1", mqtt=mosquitto.access("hall-1"),
                       http=("127.0.0.1", 0), audio_dir=tmp_path / "audio")
    role.start()
    try:
        # The retained state shown: the display's subscriptions (made in one go, before it) are in
        # place, so the calls published now reach it.
        assert role.screen.ready.wait(30)
        probe.publish(topics.hall_announce, announce("call-1", "5003", 9, at=AT))  # downstairs
        probe.publish(topics.hall_announce, announce("call-2", "1022", 1, at=AT))  # MQTT keeps the order
        deadline = time.monotonic() + 30  # espeak-ng renders it: a process of its own
        while not read_log(tmp_path / "audio") and time.monotonic() < deadline:
            time.sleep(0.05)  # the fake speaker writes its log when the sound ends
        said = [c for entry in read_log(tmp_path / "audio") for c in entry["calls"]]
        assert set(said) == {"call-2"}
    finally:
        role.stop()
