"""The board's daily and monthly reports, their Excel files, and centers compared, in a real Chromium
over a real PostgreSQL; closed days come from the rollups, rebuilt when a center's late events
arrive."""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from city.board.queries import BoardDb
from city.board.rollup import Rollup
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
    store_events,
)

# The 20th of a month to come, 10:30: the 2nd, 3rd and 4th are closed days with figures.
_AHEAD = local_morning(-62)
MONTH = _AHEAD.replace(day=1)
NOW = at(MONTH.replace(day=20), "10:30")
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương"), ("phuong-b", "Trung tâm Phường Bình Minh"),
           ("xa-c", "Trung tâm Xã Cẩm Cường")]
# Per center: (day of month, counter, wait_s, service_s, rating) of each served ticket.
Served = dict[str, list[tuple[int, int, int, int, str | None]]]
SERVED: Served = {
    "phuong-a": [(2, 1, 300, 600, "very_satisfied"), (2, 1, 900, 300, "satisfied"),
                 (3, 2, 1500, 600, "unsatisfied"), (4, 1, 600, 450, "satisfied")],
    "phuong-b": [(2, 1, 120, 300, "very_satisfied"), (3, 1, 240, 300, "very_satisfied")],
    "xa-c": [(2, 1, 2400, 900, "unsatisfied"), (4, 1, 3000, 600, None)],
}


def _day(day: int) -> datetime:
    return MONTH.replace(day=day)


def _days(served: Served) -> list[CenterDay]:
    days = []
    for site, tickets in served.items():
        center = CenterDay(site)
        for day in sorted({t[0] for t in tickets}):
            for counter in sorted({t[1] for t in tickets if t[0] == day}):
                center.open_counter(at(_day(day), "07:30"), counter)
                center.add(at(_day(day), "11:30"), "counter_closed", counter=counter)  # 4 hours
        for n, (day, counter, wait_s, service_s, rating) in enumerate(tickets):
            center.ticket(at(_day(day), "08:00") + timedelta(minutes=n), "HT", counter=counter,
                          wait_s=wait_s, service_s=service_s, rating=rating)
        days.append(center)
    return days


@pytest.fixture
def board_url(city_dsn: str) -> Iterator[str]:
    store(city_dsn, CENTERS, _days(SERVED))
    with running_board(city_dsn, NOW) as server:
        yield server.url


def _sign_in(browser: Any, url: str, path: str) -> Any:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="vi-VN",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(url + path)
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    return page


def _rows(page: Any, table_id: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in page.locator(f"#{table_id} tbody tr").all():
        cells = [c.inner_text() for c in line.locator("td").all()]
        rows[cells[0]] = cells[1:]
    return rows


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}".replace(".", ",")


def _excel(page: Any) -> Any:
    with page.expect_download() as download:
        page.click("#excel")
    return load_workbook(io.BytesIO(download.value.path().read_bytes()))


def test_a_centers_month_day_by_day_and_its_excel(browser: Any, board_url: str) -> None:
    page = _sign_in(browser, board_url, f"/report?site=phuong-a&month={MONTH:%Y-%m}")
    assert page.inner_text("h1") == f"Trung tâm Phường Ánh Dương — báo cáo tháng {MONTH:%m/%Y}"
    days = _rows(page, "table-1")
    for day in (2, 3, 4):
        mine = [t for t in SERVED["phuong-a"] if t[0] == day]
        row = days[_day(day).strftime("%d/%m/%Y")]
        assert row[1] == str(len(mine))  # served
        assert row[3] == _minutes(statistics.mean(t[2] for t in mine))  # mean wait
    waits = [t[2] for t in SERVED["phuong-a"]]
    assert days["Tổng cộng"][1] == "4"
    assert days["Tổng cộng"][3] == _minutes(statistics.mean(waits))
    assert not ENGLISH.findall(page.inner_text("body"))
    book = _excel(page)
    sheet = book["Theo ngày"]
    assert sheet["A1"].value == f"Trung tâm Phường Ánh Dương — báo cáo tháng {MONTH:%m/%Y}"
    header = [c.value for c in sheet[2]]
    served = header.index("Đã phục vụ")
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Tổng cộng"][served] == 4
    assert rows[_day(3).strftime("%d/%m/%Y")][header.index("Chờ TB (phút)")] == round(1500 / 60, 2)
    page.context.close()


def test_the_citys_month_one_row_per_center(browser: Any, board_url: str) -> None:
    page = _sign_in(browser, board_url, f"/report?month={MONTH:%Y-%m}")
    rows = _rows(page, "table-1")
    for site, name in CENTERS:
        assert rows[name][0] == site
        assert rows[name][2] == str(len(SERVED[site]))  # served
    everyone = [t for tickets in SERVED.values() for t in tickets]
    assert rows["Toàn thành phố"][2] == str(len(everyone))
    assert rows["Toàn thành phố"][4] == _minutes(statistics.mean(t[2] for t in everyone))
    book = _excel(page)
    city = {r[0]: r for r in book["Theo trung tâm"].iter_rows(min_row=3, values_only=True)}
    assert city["Toàn thành phố"][3] == len(everyone)
    page.context.close()


def test_a_closed_days_report_per_service_hour_and_counter(browser: Any, board_url: str) -> None:
    day = _day(2).date().isoformat()
    page = _sign_in(browser, board_url, f"/report?site=phuong-a&period=day&day={day}")
    services = _rows(page, "table-1")
    assert services["HT"][1] == "2"
    counters = _rows(page, "table-3")
    assert counters["Quầy 1"][0] == "4,0"  # open 07:30 to 11:30
    assert counters["Quầy 1"][-1] == "0,5"  # 2 served in 4 counter-hours
    page.context.close()


def test_centers_ranked_by_wait_rating_and_served_per_counter_hour(browser: Any,
                                                                  board_url: str) -> None:
    span = f"from={_day(1).date()}&to={_day(20).date()}"
    page = _sign_in(browser, board_url, f"/compare?{span}&by=wait")
    order = [cells[0] for cells in _rows_in_order(page)]
    by_wait = sorted(SERVED, key=lambda s: statistics.mean(t[2] for t in SERVED[s]))
    assert order == [dict(CENTERS)[s] for s in by_wait]
    page.goto(board_url + f"/compare?{span}&by=rating")
    rating_order = [cells[0] for cells in _rows_in_order(page)]
    assert rating_order[0] == "Trung tâm Phường Bình Minh"  # 2 of 2 satisfied
    assert rating_order[-1] == "Trung tâm Xã Cẩm Cường"  # 0 of 1
    page.goto(board_url + f"/compare?{span}&by=productivity")
    rows = _rows_in_order(page)
    rates = {site: len(tickets) / (4 * len({(t[0], t[1]) for t in tickets}))
             for site, tickets in SERVED.items()}
    best = max(rates, key=lambda site: rates[site])  # each counter open 4 hours on its days
    assert rows[0][0] == dict(CENTERS)[best]
    assert rows[0][-1] == f"{rates[best]:.1f}".replace(".", ",")
    assert "Xếp theo: Lượt phục vụ mỗi giờ quầy" in page.inner_text("#criterion")
    book = _excel(page)
    assert book["Xếp hạng"]["A1"].value.startswith("So sánh các trung tâm")
    page.goto(board_url + f"/compare?from={_day(20).date()}&to={_day(1).date()}")
    assert "“Đến ngày” phải sau hoặc bằng “từ ngày”" in page.inner_text(".flash.error")
    assert not ENGLISH.findall(page.inner_text("body"))
    page.context.close()


def _rows_in_order(page: Any) -> list[list[str]]:
    return [[c.inner_text() for c in line.locator("td").all()][1:]
            for line in page.locator("#ranking tbody tr").all()]


def test_late_events_for_a_closed_day_rebuild_it(browser: Any, city_dsn: str) -> None:
    """A center offline since the 2nd at 08:30 sends its backlog (the 2nd and 3rd) on the 20th,
    after the board had summed those days without it."""
    center = _days({"xa-c": [(2, 1, 600, 300, "satisfied")]})[0]
    for n, (day, wait_s) in enumerate([(2, 1200), (3, 1800)]):
        center.ticket(at(_day(day), "09:00") + timedelta(minutes=n), "HT", counter=1, wait_s=wait_s,
                      service_s=300)
    events = center.ordered()
    cut = sum(e.at < at(_day(2), "08:30") for e in events)
    store(city_dsn, [CENTERS[2]], [])
    store_events(city_dsn, "xa-c", events[:cut])
    with running_board(city_dsn, NOW) as server:
        page = _sign_in(browser, server.url, f"/report?site=xa-c&month={MONTH:%Y-%m}")
        before = _rows(page, "table-1")
        assert before[_day(2).strftime("%d/%m/%Y")][1] == "1"  # served 08:10-08:15, then silence
        assert _day(3).strftime("%d/%m/%Y") not in before  # nothing came from the 3rd yet
        store_events(city_dsn, "xa-c", events[cut:])
        assert Rollup(BoardDb(city_dsn), CITY_ZONE, 400, clock=lambda: NOW).refresh() >= 2
        page.reload()
        days = _rows(page, "table-1")
        assert days[_day(2).strftime("%d/%m/%Y")][1] == "2"
        assert days[_day(3).strftime("%d/%m/%Y")][1] == "1"
        page.context.close()
