"""The city's board in a real Chromium over a real PostgreSQL: sign-in first; every center's day so
far with its figures as the events say; a center gone silent in opening hours flagged; a center's
day in detail; nothing in English."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from city.database import CITY_ZONE
from tests.support.city_board import (
    ENGLISH,
    PASSWORD,
    USER,
    CenterDay,
    at,
    local_morning,
    running_board,
    store,
)
from tests.support.paths import SCREENSHOTS

# A Monday to come: the events were received (stored) before the board's "now", as in life.
MONDAY = local_morning(-(7 - datetime.now(CITY_ZONE).weekday()))
NOW = at(MONDAY, "10:30")
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương"), ("phuong-b", "Trung tâm Phường Bình Minh"),
           ("xa-c", "Trung tâm Xã Cẩm Cường")]
WAITS_A = [300, 900, 1500]


def _days() -> list[CenterDay]:
    a, b, c = (CenterDay(site) for site, _ in CENTERS)
    for counter in (1, 2):
        a.open_counter(at(MONDAY, "07:30"), counter)
    a.ticket(at(MONDAY, "08:00"), "HT", counter=1, wait_s=WAITS_A[0], service_s=600,
             rating="very_satisfied")
    a.ticket(at(MONDAY, "08:05"), "HT", counter=2, wait_s=WAITS_A[1], service_s=420,
             rating="unsatisfied")
    a.ticket(at(MONDAY, "08:10"), "KS", counter=1, wait_s=WAITS_A[2], absent=True)
    a.ticket(at(MONDAY, "10:00"), "HT", offline=True)  # the kiosk lost the queue server
    a.ticket(at(MONDAY, "10:20"), "KS")
    b.open_counter(at(MONDAY, "07:45"), 3)
    b.ticket(at(MONDAY, "10:00"), "DD", counter=3, wait_s=600, service_s=240, rating="satisfied")
    b.ticket(at(MONDAY, "10:25"), "DD")
    c.open_counter(at(MONDAY, "07:30"), 1)
    c.ticket(at(MONDAY, "09:00"), "HT", counter=1, wait_s=1200, service_s=600)  # last event 09:30
    return [a, b, c]


@pytest.fixture
def board_url(city_dsn: str) -> Iterator[str]:
    store(city_dsn, CENTERS, _days())
    with running_board(city_dsn, NOW, stale_after_min=15) as server:
        yield server.url


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}".replace(".", ",")


def _sign_in(browser: Any, url: str, path: str = "/") -> Any:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(url + path)
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    return page


def _no_english(page: Any) -> None:
    text = page.inner_text("body")
    assert not ENGLISH.findall(text), ENGLISH.findall(text)


def test_the_board_asks_to_sign_in_and_refuses_a_wrong_password(browser: Any, board_url: str) -> None:
    page = browser.new_page(locale="vi-VN")
    page.goto(board_url + "/report")
    assert "/login" in page.url
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', "sai-mat-khau")
    page.click('button[type="submit"]')
    assert page.inner_text("#login-error") == "Tên đăng nhập hoặc mật khẩu không đúng."
    _no_english(page)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.url.endswith("/report")  # back where it was going
    page.click("text=Đăng xuất")
    page.goto(board_url + "/")
    assert "/login" in page.url
    page.context.close()


def test_every_center_with_its_day_so_far(browser: Any, board_url: str) -> None:
    page = _sign_in(browser, board_url)
    row = page.locator('tr[data-site="phuong-a"]')
    assert row.locator(".waiting").inner_text() == "2"  # an offline-printed and a new ticket
    assert row.locator(".wait-mean").inner_text() == _minutes(statistics.mean(WAITS_A))
    p90 = statistics.quantiles(WAITS_A, n=10, method="inclusive")[8]
    assert row.locator(".wait-p90").inner_text() == _minutes(p90)
    assert row.locator(".served").inner_text() == "2"
    assert row.locator(".no-show").inner_text() == "1"
    assert row.locator(".very-satisfied").inner_text() == "1"
    assert row.locator(".unsatisfied").inner_text() == "1"
    assert row.locator(".share").inner_text() == "50%"
    assert row.locator(".counters").inner_text() == "2"
    assert "1 phiếu in khi ki-ốt mất kết nối" in row.locator(".devices").inner_text()
    assert row.locator(".freshness").inner_text().startswith("Bình thường")
    other = page.locator('tr[data-site="phuong-b"]')
    assert other.locator(".waiting").inner_text() == "1"
    assert other.locator(".devices").inner_text() == "Không"
    _no_english(page)
    page.screenshot(path=str(SCREENSHOTS / "city-board-overview.png"), full_page=True)
    page.context.close()


def test_a_center_silent_in_opening_hours_is_flagged(browser: Any, board_url: str) -> None:
    page = _sign_in(browser, board_url)
    silent = page.locator('tr[data-site="xa-c"]')
    assert silent.locator(".freshness").inner_text().startswith("Mất kết nối")
    assert "09:30" in silent.locator(".freshness").inner_text()  # its last event
    assert "late" in (silent.get_attribute("class") or "")
    assert page.inner_text("#lost-count") == "1 trung tâm mất kết nối."
    assert "late" not in (page.locator('tr[data-site="phuong-a"]').get_attribute("class") or "")
    page.context.close()


def test_a_silent_center_after_hours_is_not_flagged(browser: Any, city_dsn: str) -> None:
    store(city_dsn, CENTERS, _days())
    with running_board(city_dsn, at(MONDAY, "18:30")) as server:
        page = _sign_in(browser, server.url)
        freshness = page.locator('tr[data-site="xa-c"] .freshness').inner_text()
        assert freshness.startswith("Ngoài giờ làm việc")
        page.context.close()


def test_a_centers_day_per_hour_service_and_counter(browser: Any, board_url: str) -> None:
    page = _sign_in(browser, board_url)
    page.click("text=Trung tâm Phường Ánh Dương")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Trung tâm Phường Ánh Dương"
    assert page.inner_text("#issued") == "5"
    assert page.inner_text("#waiting") == "2"
    assert page.inner_text("#open") == "2"
    services = _table(page, "Theo dịch vụ")
    assert services["HT"][:3] == ["3", "2", "0"]  # issued, served, absent
    assert services["KS"][:3] == ["2", "0", "1"]
    hours = _table(page, "Theo giờ")
    assert hours["08:00"][0] == "3" and hours["10:00"][0] == "2"
    counters = _table(page, "Theo quầy")
    # counter 1 open from 07:30 to now (10:30): 3 hours
    assert counters["Quầy 1"][0] == "3,0"
    _no_english(page)
    page.goto(board_url + "/center/phuong-a?day=" + (MONDAY - timedelta(days=1)).date().isoformat())
    assert page.inner_text("#no-data") == "Chưa có số liệu của trung tâm trong ngày này."
    page.goto(board_url + "/center/khong-co")
    assert "Không có trung tâm" in page.inner_text("body")
    _no_english(page)
    page.context.close()


def _table(page: Any, title: str) -> dict[str, list[str]]:
    """A table under its heading: first cell -> the other cells."""
    table = page.locator(f"h2:text-is('{title}') + table")
    rows: dict[str, list[str]] = {}
    for line in table.locator("tbody tr").all():
        cells = [c.inner_text() for c in line.locator("td").all()]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_it_office_makes_and_locks_accounts_from_the_command_line(
        browser: Any, city_dsn: str, tmp_path: Path) -> None:
    city_toml = tmp_path / "city.toml"
    city_toml.write_text(f'[database]\ndsn = "{city_dsn}"\n[mqtt]\nurls = ["mqtt://127.0.0.1:1883"]\n'
                         'password_file = "mqtt-password"\n[[centers]]\nid = "phuong-a"\n'
                         'name = "Trung tâm Phường Ánh Dương"\n', encoding="utf-8")

    def account(*args: str, password: str = "mat-khau-so-tttt") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xephang.cli", "city-account", *args,
                               "--config", str(city_toml), "--user", "nguyenvana"],
                              env={**os.environ, "XEPHANG_PASSWORD": password},
                              capture_output=True, text=True, timeout=60, check=False)

    assert account("create", "--name", "Nguyễn Văn A").returncode == 0
    again = account("create")
    assert again.returncode == 2 and "đã có" in again.stderr
    assert "ít nhất 8 ký tự" in account("reset", password="ngan").stderr
    store(city_dsn, CENTERS, _days())
    with running_board(city_dsn, NOW) as server:
        page = browser.new_page(locale="vi-VN")
        page.goto(server.url + "/login")
        page.fill('input[name="username"]', "nguyenvana")
        page.fill('input[name="password"]', "mat-khau-so-tttt")
        page.click('button[type="submit"]')
        assert page.inner_text("#who") == "Nguyễn Văn A"
        assert account("disable").returncode == 0
        page.reload()  # the lock ends the session at once
        assert "/login" in page.url
        page.fill('input[name="username"]', "nguyenvana")
        page.fill('input[name="password"]', "mat-khau-so-tttt")
        page.click('button[type="submit"]')
        assert page.inner_text("#login-error") == ("Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị "
                                                   "hệ thống.")
        page.context.close()
