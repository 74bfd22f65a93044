"""The hall and counter pages in real headless Chromium: what a person in the hall would see.

Calls are made over MQTT (the probe plays the broker). Screenshots go to `test-screenshots/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from display.guard import MIN_GAP_S
from display.role import DisplayRole
from harness.mqtt_probe import Probe
from tests.support.display import CLIPPED_TEXT, announce, counter_state, counter_unit, hall_state
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

HALL_SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}

@pytest.fixture
def hall(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DisplayRole]:
    monkeypatch.setenv("XEPHANG_FAKE_SPEAKER_PACE", "0")
    probe.publish(topics.hall_state, hall_state(
        ("2007", 4), ("1022", 1), ("3015", 12), ("1021", 2), ("5003", 9),
        waiting={"HT": 12, "CT": 31, "DD": 4, "VX": 0, "KD": 7, "TKQ": 18},
        eta={"HT": 1500, "CT": 2900, "DD": 600, "KD": 1260, "TKQ": 340}), retain=True)
    for counter, status, number in [(1, "serving", "1022"), (2, "calling", "1021"),
                                    (4, "serving", "2007"), (6, "paused", None),
                                    (10, "closed", None), (12, "idle", None)]:
        probe.publish(topics.counter_state(counter), counter_state(status, number, counter),
                      retain=True)
    role = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"), http=("127.0.0.1", 0),
                       audio_dir=tmp_path / "audio")
    role.start()
    yield role
    role.stop()


@pytest.mark.parametrize("shape", list(HALL_SIZES))
def test_a_call_made_over_mqtt_shows_large_in_the_hall(
    browser: Any, hall: DisplayRole, probe: Probe, topics: Topics, config: SiteConfig,
    screenshot_dir: Path, shape: str
) -> None:
    width, height = HALL_SIZES[shape]
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(hall.http_url)
        assert page.inner_text("#current .number") == "2007"  # retained: right after a power cut
        probe.publish(topics.hall_announce, announce("call-77", "1023", 5))
        probe.publish(topics.hall_state, hall_state(("1023", 5), ("2007", 4), ("1022", 1),
                                                    waiting={"CT": 30}, eta={"CT": 2800}),
                      retain=True)
        page.wait_for_function("document.querySelector('#current .number').textContent === '1023'")
        assert page.inner_text("#current .counter") == "Quầy 5"
        # It flashes while the voice says it (after the voice has rendered the sentence).
        page.wait_for_function("document.querySelector('#current').classList.contains('flash')")
        assert "Mời công dân có số thứ tự" in page.inner_text("body")
        assert config.site.name in page.inner_text("#site")
        page.wait_for_function("document.querySelector('#previous li') !== null && "
                               "document.querySelector('#previous').textContent.includes('2007')")
        assert "2007 → Quầy 4" in page.inner_text("#previous")
        assert "Chứng thực" in page.inner_text("#services") or "Hộ tịch" in page.inner_text("#services")
        assert "phút" in page.inner_text("#services")
        for selector in ("#current .number", "#current .counter", "#date", "#clock"):
            assert page.locator(selector).is_visible()
        page.screenshot(path=str(screenshot_dir / f"hall-{shape}-{width}x{height}.png"))
        assert page.evaluate(CLIPPED_TEXT) == []
    finally:
        page.close()


def test_the_hall_tells_the_technician_when_mqtt_is_lost(
    browser: Any, hall: DisplayRole, mosquitto: Mosquitto, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(hall.http_url)
        assert not page.locator("#banner-mqtt").is_visible()
        mosquitto.stop()
        page.wait_for_selector("#banner-mqtt", state="visible", timeout=10000)
        assert "Mất kết nối với máy chủ xếp hàng" in page.inner_text("#banner-mqtt")
        page.screenshot(path=str(screenshot_dir / "hall-mqtt-lost.png"))
    finally:
        page.close()


@pytest.fixture
def unit(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, mock_pins: Any
         ) -> Iterator[DisplayRole]:
    with counter_unit(config, mosquitto.access("counter-5"), probe, counter_state("calling", "1023")) as role:
        yield role


def test_the_counter_unit_shows_its_ticket_and_takes_the_usb_keypad(
    browser: Any, unit: DisplayRole, probe: Probe, topics: Topics, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 480})
    try:
        page.goto(unit.http_url)
        assert page.inner_text("#label") == "Quầy 5"
        assert page.inner_text("#number") == "1023"
        assert page.inner_text("#status") == "Đang gọi"
        assert page.inner_text(".actions").split("\n") == [
            "Gọi số tiếp", "Gọi lại", "Bắt đầu phục vụ", "Vắng mặt", "Chuyển", "Xong", "Tạm dừng",
            "Mở lại"]
        page.keyboard.press("Numpad1")  # the keypad's "call next" key
        _, command = probe.next(topics.counter_command(5))
        assert command["action"] == "call_next"
        probe.publish(topics.counter_reply(5), {"v": 1, "command_id": command["command_id"],
                                                "ok": True})
        probe.publish(topics.counter_state(5), counter_state("serving", "1024"), retain=True)
        page.wait_for_function("document.getElementById('number').textContent === '1024'")
        assert page.inner_text("#status") == "Đang phục vụ"
        page.screenshot(path=str(screenshot_dir / "counter-800x480.png"))
        assert page.evaluate(CLIPPED_TEXT) == []
    finally:
        page.close()


def test_the_counter_unit_tells_the_truth_pauses_and_counts_the_waiting(
    browser: Any, unit: DisplayRole, probe: Probe, topics: Topics
) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 480})
    try:
        page.goto(unit.http_url)
        probe.publish(topics.hall_state, hall_state(waiting={"CT": 2, "TKQ": 1, "HT": 7}),
                      retain=True)
        expect(page.locator("#waiting")).to_have_text("Đang chờ: 3")  # counter 5: CT and TKQ
        message = page.locator("#message")

        def answered(action: str, **reply: Any) -> None:
            page.wait_for_timeout(MIN_GAP_S * 1000 + 100)  # a press sooner is a double press
            page.get_by_role("button", name=action, exact=True).click()
            _, command = probe.next(topics.counter_command(5))
            probe.publish(topics.counter_reply(5), {"v": 1, "command_id": command["command_id"],
                                                    **reply})

        answered("Gọi số tiếp", ok=True, ticket=None, status="idle")
        expect(message).to_have_text("Không còn ai chờ.")  # an empty line, said as such
        answered("Tạm dừng", ok=True, status="paused")
        expect(message).to_have_text("Quầy tạm dừng.")
        answered("Mở lại", ok=False, error="counter_closed",
                 detail="Quầy đang đóng; quản lý cần mở quầy trước.")
        expect(message).to_have_text("Mở lại không thực hiện được: Quầy đang đóng; quản lý cần mở "
                                     "quầy trước.")
        answered("Xong", ok=True, status="idle")
        expect(message).to_have_text("Đã xong.")
        assert page.evaluate(CLIPPED_TEXT) == []
    finally:
        page.close()
