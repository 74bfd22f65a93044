"""The wait forecast in the running center, over a real Mosquitto: the broker keeps it ready in
the background and publishes it with the hall's state; the kiosk prints it on the ticket, the
citizen's phone page and the hall page show it; without a ready forecast the estimate's range is
printed, as before."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.forecaster import Forecaster
from broker.queue import live
from broker.queue.tickets import Queue
from broker.store.base import utc_now
from broker.store.db import Store
from display.labels import wait_text as hall_wait_text
from display.role import DisplayRole
from forecast.run import forecast
from harness.mqtt_probe import Probe
from harness.web_session import get_text
from kiosk.role import KioskRole
from routing.wait_range import band_range, range_words, ticket_wait_text
from tests.support.broker import ask_ticket, running_broker
from tests.support.fake_clock import FakeClock
from tests.support.kiosk import KioskPage, press
from tests.support.queue import act, issue
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, HallState, Ticket, Topics

HT_PIN = 5  # kiosk-1's HT button in config/site.toml
FORECAST_WAIT_S = 90.0  # a first forecast: a worker process to start, then a refresh
SLOW_START_S = 8.0
BEFORE_LUNCH = datetime(2025, 3, 10, 4, 29, tzinfo=UTC)  # 11:29 in Hà Nội; lunch is 11:30–13:30
RANGE = re.compile(r"(khoảng \d+–\d+ phút|dưới \d+ phút|hơn 3 giờ)")


@pytest.fixture
def kiosk(config: SiteConfig, mosquitto: Mosquitto, mock_pins: Any, tmp_path: Path) -> Iterator[KioskRole]:
    role = KioskRole(config, kiosk_id="kiosk-1", mqtt=mosquitto.access("kiosk-1"),
                     http=("127.0.0.1", 0), output_dir=tmp_path / "tickets", state_dir=tmp_path / "state")
    role.start()
    assert role.link.wait_connected(5)
    yield role
    role.stop()


def queue_up(probe: Probe, topics: Topics, count: int) -> HallState:
    """`count` HT tickets, then the hall's state once it carries a forecast for HT."""
    for _ in range(count):
        assert ask_ticket(probe, topics, "HT")["ok"]
    hall = probe.wait_for(topics.hall_state, lambda h: "HT" in h.get("wait", {}), timeout=FORECAST_WAIT_S)
    return HallState.model_validate(hall)


def test_the_ticket_and_the_phone_page_print_the_forecast_range(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
        kiosk: KioskRole, mock_pins: Any) -> None:
    with running_broker(config, mosquitto.access(BROKER_ID), tmp_path / "queue.db", probe,
                        http=True) as broker:
        hall = queue_up(probe, topics, 12)
        assert hall.wait["HT"].low_s > 0  # 12 ahead, 5 counters that have not called anyone yet
        probe.subscribe(topics.kiosk_reply("kiosk-1"))
        assert kiosk.http_url is not None
        page = KioskPage(kiosk.http_url)
        press(mock_pins, HT_PIN)
        reply = probe.wait_for(topics.kiosk_reply("kiosk-1"), lambda r: r.get("ok") is True)
        ticket = Ticket.model_validate(reply["ticket"])
        assert ticket.wait is not None and ticket.wait.low_s > 0
        shown = page.outcome()
        assert shown["number"] == ticket.number == "1013"
        assert f"thời gian chờ dự kiến {ticket_wait_text(ticket)}" in shown["message"]
        assert broker.http_url is not None
        phone = get_text(f"{broker.http_url}/ticket/{ticket.id}")
        assert "Thời gian chờ dự kiến:" in phone and RANGE.search(phone.split("Thời gian chờ")[1])


def test_the_hall_page_shows_the_forecast_range_while_counters_sit_idle(
        browser: Any, config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path, screenshot_dir: Path) -> None:
    display = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"),
                          http=("127.0.0.1", 0), audio_dir=tmp_path / "audio")
    display.start()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        with running_broker(config, mosquitto.access(BROKER_ID), tmp_path / "queue.db", probe):
            hall = queue_up(probe, topics, 4)
            words = hall_wait_text(4, hall.eta_s["HT"], hall.wait["HT"], config.routing.eta_round_min)
            assert words != "Không phải chờ" and RANGE.fullmatch(words)
            page.goto(display.http_url)
            row = page.locator("#services tr", has_text=config.service("HT").name)  # type: ignore[union-attr]
            row.locator(".eta", has_text=words).wait_for(timeout=15000)
            assert row.locator(".waiting").inner_text() == "4"
            page.screenshot(path=str(screenshot_dir / "hall-forecast-1920x1080.png"))
    finally:
        page.close()
        display.stop()


def test_without_a_ready_forecast_the_estimate_range_is_printed(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
        clock: FakeClock) -> None:
    with running_broker(config, mosquitto.access(BROKER_ID), tmp_path / "queue.db", probe,
                        clock=clock):
        queue_up(probe, topics, 6)
        clock.advance(minutes=5)  # the forecast is now too old to print
        reply = ask_ticket(probe, topics, "HT")
        ticket = Ticket.model_validate(reply["ticket"])
        assert ticket.wait is None and ticket.ahead == 6
        assert ticket_wait_text(ticket) == "dưới 5 phút"  # the estimate: 5 idle counters for HT


def test_a_steady_stream_of_tickets_keeps_the_forecast_fresh(config: SiteConfig, tmp_path: Path) -> None:
    # A worker that takes seconds to start (a spawned process importing on a loaded Pi) makes the
    # first refresh slow; that start is not the forecast's cost and must not hold the next ones back
    # while tickets keep coming.
    store = Store(tmp_path / "queue.db")
    queue = Queue(config, store)
    executor = ThreadPoolExecutor(1, initializer=time.sleep, initargs=(SLOW_START_S,))
    forecaster = Forecaster(store, lambda: config, lambda: None, executor=executor, runs=10)
    forecaster.start()
    try:
        issue(queue, "HT")
        forecaster.changed()
        while forecaster.refreshes == 0:
            time.sleep(0.1)
        later = []
        deadline = time.monotonic() + SLOW_START_S  # the old pacing waited 3 × the first refresh
        while time.monotonic() < deadline:
            reply = issue(queue, "HT")
            assert reply.ticket is not None
            later.append(reply.ticket.id)
            forecaster.changed()  # a change every 0.2 s, as a busy kiosk hour brings
            time.sleep(0.2)
            current = forecaster.latest(utc_now())
            if current is not None and later[0] in current.tickets:
                break
        current = forecaster.latest(utc_now())
        assert current is not None and later[0] in current.tickets
    finally:
        forecaster.stop()
        executor.shutdown()


def test_a_ticket_printed_just_before_lunch_is_called_when_the_center_reopens(
        config: SiteConfig, tmp_path: Path) -> None:
    # Every counter that serves HT calls a citizen at 11:29; the center closes for lunch
    # at 11:30 (site file [day]). Staff finish that citizen, and all are back at 13:30 sharp: the
    # ticket says two hours, to the minute, not "a few minutes", nor two hours after each counter's
    # last citizen (which read 13:33–13:40 and missed).
    clock = FakeClock(BEFORE_LUNCH)
    store = Store(tmp_path / "queue.db", clock)
    queue = Queue(config, store)
    for counter in (c.id for c in config.counters if "HT" in c.services):
        issue(queue, "HT")
        assert act(queue, counter, "call_next").ticket is not None
    clock.advance(seconds=59)
    printed = issue(queue, "HT").ticket
    assert printed is not None
    with store.reading() as tx:
        hall = live.hall_now(tx, config)
    band = forecast(hall, seed=1).tickets[printed.id]
    reopens_in = 2 * 3600 + 1.0
    assert reopens_in <= band.low_s <= band.high_s <= reopens_in + 60
    assert range_words(*band_range(band.low_s, band.high_s)) == "khoảng 120–125 phút"
