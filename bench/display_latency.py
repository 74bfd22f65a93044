"""Time from a counter's physical "Gọi số tiếp" button (a gpiozero mock pin) to the hall page in
headless Chromium showing the called number, through real processes and a real browser:

    mock pin -> counter unit (this process) -> mosquitto -> `xephang broker` -> mosquitto
             -> `xephang display --id hall-1` -> server-sent event -> Chromium's DOM

    .venv/bin/python bench/display_latency.py [--calls 300]

Prints median, p90, p99 and max in milliseconds. The hall display speaks every call (espeak-ng into
the fake speaker), as it would on the Pi.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import report  # noqa: E402
from display.guard import PressGuard  # noqa: E402
from display.role import DisplayRole  # noqa: E402
from harness.chromium import launch_chromium  # noqa: E402
from harness.role_process import RoleProcess  # noqa: E402
from harness.site_file import ANY_HOUR_SITE  # noqa: E402
from xephang.config import load_config  # noqa: E402
from xephang.mosquitto import Mosquitto  # noqa: E402
from xephang.mqtt import MqttLink  # noqa: E402
from xephang.mqtt_access import MqttAccess  # noqa: E402
from xephang.protocol import TicketRequest, Topics  # noqa: E402

SITE = ANY_HOUR_SITE  # config/site.toml, issuing at any hour
COUNTER = 5
CALL_NEXT_PIN = 17  # counter-5's "Gọi số tiếp" in config/site.toml
CURRENT = "document.querySelector('#current .number')"


def issue_tickets(kiosk: MqttAccess, topics: Topics, count: int) -> None:
    """`count` CT tickets (counter 5 serves CT), issued by the real broker before the clock starts."""
    replies = threading.Semaphore(0)
    link = MqttLink(kiosk, persistent=False)  # publishes as kiosk-1 would
    link.subscribe(topics.kiosk_reply("kiosk-1"), lambda _t, _p: replies.release())
    link.start()
    assert link.wait_connected(10)
    for _ in range(count):
        request = TicketRequest(request_id=uuid.uuid4(), service="CT")
        link.publish(topics.kiosk_request("kiosk-1"), request)
    for _ in range(count):
        if not replies.acquire(timeout=60):
            raise SystemExit("the broker did not issue the tickets in time")
    link.stop()


def measure(calls: int, guard: PressGuard, pins: Any, page: Any) -> list[float]:
    pin = pins.pin(CALL_NEXT_PIN)
    samples = []
    for _ in range(calls):
        before = page.evaluate(f"{CURRENT} ? {CURRENT}.textContent : ''")
        started = time.perf_counter()
        pin.drive_low()
        pin.drive_high()
        page.wait_for_function(f"{CURRENT} && {CURRENT}.textContent !== {before!r}", polling="raf")
        samples.append((time.perf_counter() - started) * 1000)
        _settled(guard)
    return samples


def _settled(guard: PressGuard) -> None:
    """Wait until the unit has the broker's reply, so the next press is not a 'double press'."""
    deadline = time.monotonic() + 10
    while guard.pending is not None:
        if time.monotonic() > deadline:
            raise SystemExit("the counter unit got no reply")
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    from gpiozero.pins.mock import MockFactory
    from playwright.sync_api import sync_playwright

    config = load_config(SITE)
    topics = Topics(config.site.id)
    folder = Path(tempfile.mkdtemp(prefix="xephang-bench-display-"))
    mosquitto = Mosquitto(folder / "mosquitto", config).start()
    broker = RoleProcess("broker", mosquitto.access("broker"), folder, "--db",
                         str(folder / "q.db")).start()
    hall = RoleProcess("display", mosquitto.access("hall-1"), folder, "--id", "hall-1", "--audio-dir",
                       str(folder / "audio"), env={"XEPHANG_FAKE_SPEAKER_PACE": "0"}).start()
    pins = MockFactory()
    guard = PressGuard(min_gap_s=0.0)  # the bench presses as fast as the replies come
    unit = DisplayRole(config, display_id=f"counter-{COUNTER}", mqtt=mosquitto.access(f"counter-{COUNTER}"),
                       http=("127.0.0.1", 0), pin_factory=pins, guard=guard)
    try:
        issue_tickets(mosquitto.access("kiosk-1"), topics, args.calls + 5)
        unit.start()
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(hall.url)
            measure(5, guard, pins, page)  # warm-up: first connections, first espeak run
            samples = measure(args.calls, guard, pins, page)
            browser.close()
    finally:
        unit.stop()
        hall.stop()
        broker.stop()
        mosquitto.stop()
    report("button press (mock pin) -> number on the hall page in Chromium", samples)


if __name__ == "__main__":
    main()
