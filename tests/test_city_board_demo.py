"""`xephang demo --city` (what `make demo-city` runs): three centers and the city come up, the
centers' simulated citizens reach the board through the bridges, the aggregator and PostgreSQL, and
everything stops on Ctrl+C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from city.demo import BOARD_USER, CENTERS
from tests.support.paths import SITE_TOML
from xephang.demo import DEMO_PASSWORD, port_is_free
from xephang.mosquitto import free_port

PORTS = len(CENTERS) + 1  # a broker page per center, then the board


def free_port_base() -> int:
    while True:
        base = free_port()
        if base < 60000 and all(port_is_free(base + i) for i in range(PORTS)):
            return base


def read_until(process: subprocess.Popen[str], marker: str) -> str:
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # the demo prints its welcome once every part answers
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError("the city demo ended before it was ready:\n" + "".join(seen))


@pytest.mark.timeout(400)
def test_the_city_demo_shows_three_centers_live_and_stops_cleanly(browser: Any, tmp_path: Path) -> None:
    base = free_port_base()
    demo = subprocess.Popen(
        [sys.executable, "-m", "xephang.cli", "demo", "--city", "--config", str(SITE_TOML),
         "--port-base", str(base), "--folder", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        welcome = read_until(demo, "Ctrl+C")
        board = f"http://127.0.0.1:{base + len(CENTERS)}/"
        assert board in welcome and BOARD_USER in welcome and DEMO_PASSWORD in welcome
        page = browser.new_page(locale="vi-VN")
        page.goto(board)
        page.fill('input[name="username"]', BOARD_USER)
        page.fill('input[name="password"]', DEMO_PASSWORD)
        page.click('button[type="submit"]')
        deadline = time.monotonic() + 240
        while not _all_issued(page):  # the overview is summed again every 30 s
            assert time.monotonic() < deadline, page.inner_text("#centers")
            time.sleep(5)  # a page that reloads itself: nothing to wait on but the next round
            page.reload()
        page.close()
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(60)
        said = demo.stdout.read() if demo.stdout is not None else ""
    assert code == 0, said
    for port in range(base, base + PORTS):
        assert port_is_free(port), f"port {port} still served after the demo stopped"


def _all_issued(page: Any) -> bool:
    """Every demo center has tickets today that came up through its bridge."""
    for site, _, _ in CENTERS:
        row = page.locator(f'tr[data-site="{site}"]')
        if row.count() == 0 or _count(row, ".waiting") + _count(row, ".served") == 0:
            return False
    return True


def _count(row: Any, cell: str) -> int:
    return int(row.locator(cell).inner_text().replace(".", ""))
