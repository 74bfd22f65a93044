"""The citizen's ticket page on a phone (headless Chromium): live without reloading, rings when
called, falls silent once the ticket is finished, and tells a no-show what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

PHONE = {"width": 390, "height": 844}


def text_is(selector: str, expected: str) -> str:
    return f"document.querySelector('{selector}')?.textContent.trim() === {expected!r}"


def test_the_phone_page_follows_the_ticket_live_until_it_is_finished(
    browser: Any, config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
    tmp_path: Path, screenshot_dir: Path
) -> None:
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe, http=True) as role:
        ask_ticket(probe, topics, "KD")
        mine = ask_ticket(probe, topics, "KD")["ticket"]
        absent = ask_ticket(probe, topics, "TKQ")["ticket"]
        page = browser.new_page(viewport=PHONE)
        try:
            page.goto(f"{role.http_url}/ticket/{mine['id']}")
            assert page.locator("meta[http-equiv='refresh']").count() == 0
            assert page.inner_text("#ahead") == "Còn 1 người trước công dân"
            wait = page.inner_text("#wait")
            assert wait.startswith("Thời gian chờ dự kiến: ") or wait == "Được phục vụ ngay"
            assert "0 phút" not in wait
            page.wait_for_function("document.getElementById('ticket').dataset.live === 'stream'")
            page.evaluate("window.sameDocument = true")  # gone if the page reloaded
            assert command(probe, topics, 10, "call_next")["ok"]  # the one before
            page.wait_for_function(text_is("#ahead", "Công dân là người tiếp theo"))
            assert command(probe, topics, 10, "call_next")["ticket"]["number"] == mine["number"]
            page.wait_for_function(text_is("#called-to", "Mời công dân đến quầy số 10"))
            assert page.evaluate("document.getElementById('ticket').dataset.alerted") == "1"
            assert page.is_hidden("#ahead") and page.is_hidden("#wait")
            page.screenshot(path=str(screenshot_dir / "phone-ticket-called.png"))
            assert command(probe, topics, 10, "done")["ok"]
            page.wait_for_function("document.getElementById('ticket').dataset.live === 'stopped'")
            assert page.evaluate("window.Live.following()") == 0  # no longer followed: no more updates
            assert "Xin cảm ơn công dân" in page.inner_text("#note")
            assert page.evaluate("window.sameDocument") is True

            page.goto(f"{role.http_url}/ticket/{absent['id']}")
            assert command(probe, topics, 5, "call_next")["ticket"]["number"] == absent["number"]
            page.wait_for_function(text_is("#called-to", "Mời công dân đến quầy số 5"))
            assert command(probe, topics, 5, "no_show")["ok"]
            page.wait_for_function("document.getElementById('ticket').dataset.live === 'stopped'")
            assert "xin mời đến bàn hướng dẫn" in page.inner_text("#note").lower()
            page.screenshot(path=str(screenshot_dir / "phone-ticket-no-show.png"))
        finally:
            page.close()
