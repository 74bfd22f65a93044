"""The manager's statistics and downloads in real headless Chromium, after a day worked through
the real broker by two named officials: every row adds up (transfers in and out, back after a
paper, absent, still waiting); ratings per official and per dossier code; the ZIP of CSV files
(one per table, the Vietnamese convention stated in it), the Excel workbook (columns fitted,
header frozen on every sheet) and the day's ticket list."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from broker.accounts.registry import Accounts
from broker.reports.exports import csv_cell
from broker.role import BrokerRole
from broker.store.figures import DayFigures
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket
from tests.support.reports import by_header, zip_tables
from tests.support.staff_pages import PASSWORD, sign_in
from xephang.protocol import Topics

DOSSIER = "000.00.12.H10-261129-0007"
REDUCED = "2026-03-02"
OFFICIALS = {"canbo4": ("Trần Thị Bình", 4), "canbo6": ("Lê Văn Cường", 5)}
ENTRIES = ("Số phát", "Được chuyển đến", "Quay lại sau bổ sung giấy tờ")
EXITS = ("Đã phục vụ", "Vắng mặt", "Chuyển đi", "Đi bổ sung giấy tờ", "Đang ở quầy",
         "Chưa được gọi", "Đã hủy")
# What the day below leaves in each line: (entries as ENTRIES, exits as EXITS).
EXPECTED = {"TKQ": ((2, 0, 0), (1, 0, 1, 0, 0, 0, 0)),
            "CT": ((1, 1, 0), (1, 1, 0, 0, 0, 0, 0)),
            "HT": ((1, 0, 1), (0, 0, 0, 1, 0, 1, 0))}


class Desk:
    """An official at their counter's staff page (the same HTTP API its buttons use)."""

    def __init__(self, url: str, username: str) -> None:
        self.session = WebSession(url).login(username, PASSWORD)
        self.counter = OFFICIALS[username][1]

    def press(self, action: str, **args: Any) -> dict[str, Any]:
        body = {"command_id": str(uuid.uuid4()), "action": action, "args": args}
        status, reply = self.session.post_json(f"/api/counter/{self.counter}/command", body)
        assert status == 200 and reply["ok"], reply
        return dict(reply)

    def post(self, what: str, body: dict[str, Any] | None = None) -> None:
        status, reply = self.session.post_json(f"/api/counter/{self.counter}/{what}", body)
        assert status == 200, reply


@pytest.fixture
def worked_day(staff_broker: BrokerRole, staff_url: str, probe: Probe,
               topics: Topics) -> dict[str, str]:
    """A day with every way in and out of a line; returns the tickets' numbers by role."""
    accounts = Accounts(staff_broker.store)
    for username, (name, counter) in OFFICIALS.items():
        accounts.create(username, PASSWORD, "staff", name=name, counters=(counter,), by="(test)")
    number = {key: ask_ticket(probe, topics, service, **extra)["ticket"]["number"]
              for key, service, extra in (
                  ("dossier", "TKQ", {"source": "dossier", "dossier_code": DOSSIER}),
                  ("moved", "TKQ", {}), ("absent", "CT", {}), ("paper", "HT", {}))}
    results, intake = Desk(staff_url, "canbo6"), Desk(staff_url, "canbo4")
    results.press("call", number=number["dossier"])
    results.press("serve"), results.press("done"), results.press("rate", rating="very_satisfied")
    results.press("call", number=number["moved"])
    results.press("transfer", service="CT")  # Trả kết quả: one out; Chứng thực: one in
    intake.press("call", number=number["absent"]), intake.press("no_show")
    intake.press("call", number=number["moved"]), intake.press("done")
    intake.press("rate", rating="satisfied")
    ticket = intake.press("call", number=number["paper"])["ticket"]
    intake.post("set-aside"), intake.post("came-back", {"ticket": ticket["id"]})
    return number


def html_table(page: Any, title: str) -> list[dict[str, str]]:
    """A statistics table as the manager reads it on the page: {heading: cell text}."""
    rows: list[dict[str, str]] = page.evaluate(
        """title => {
            const table = document.querySelector(`table[data-table="${title}"]`);
            const head = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
            return [...table.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
                [...tr.children].map((td, i) => [head[i], td.textContent.trim()])));
        }""", title)
    return rows


def count(cell: str) -> int:
    return 0 if cell in ("", "—") else int(cell.replace(".", ""))


def test_every_statistics_row_adds_up_and_ratings_show_per_official_and_dossier(
        browser: Any, staff_url: str, worked_day: dict[str, str], screenshot_dir: Path) -> None:
    page = sign_in(browser, staff_url, "quanly")
    page.goto(staff_url + "/admin/stats")
    expect(page.locator("#identities")).to_contain_text(
        "Số phát + Được chuyển đến + Quay lại sau bổ sung giấy tờ = Tổng vào hàng")
    services = html_table(page, "Dịch vụ")
    for row in services:
        entered = sum(count(row[h]) for h in ENTRIES)
        assert count(row["Tổng vào hàng"]) == entered == sum(count(row[h]) for h in EXITS), row
    by_code = {row["Mã"]: row for row in services}
    for code, (entries, exits) in EXPECTED.items():
        assert tuple(count(by_code[code][h]) for h in ENTRIES) == entries, code
        assert tuple(count(by_code[code][h]) for h in EXITS) == exits, code
    for title in ("Quầy", "Cán bộ"):
        for row in html_table(page, title):
            assert count(row["Lượt gọi"]) == sum(count(row[h]) for h in EXITS[:5]), row
    page.locator('table[data-table="Dịch vụ"]').screenshot(
        path=str(screenshot_dir / "manager-stats-flows.png"))
    assert_ratings_per_official_and_per_dossier(page, worked_day)
    page.context.close()


def assert_ratings_per_official_and_per_dossier(page: Any, worked_day: dict[str, str]) -> None:
    staff = {row["Tài khoản"]: row for row in html_table(page, "Cán bộ")}
    assert staff["canbo6"]["Cán bộ"] == "Lê Văn Cường"
    assert [staff["canbo6"][h] for h in ("Rất hài lòng", "Hài lòng", "Tỷ lệ hài lòng (%)")] == [
        "1", "0", "100,0"]
    assert [staff["canbo4"][h] for h in ("Cán bộ", "Lượt gọi", "Hài lòng", "Số lượt đánh giá")] == [
        "Trần Thị Bình", "3", "1", "1"]
    dossiers = html_table(page, "Đánh giá theo hồ sơ")
    assert [(r["Mã hồ sơ"], r["Số"], r["Cán bộ"], r["Đánh giá"]) for r in dossiers] == [
        (DOSSIER, worked_day["dossier"], "Lê Văn Cường", "Rất hài lòng")]
    expect(page.locator('table[data-table="Đánh giá theo hồ sơ"]')).to_be_visible()
    expect(page.get_by_text("mã hồ sơ là dữ liệu cá nhân")).to_be_visible()


def download(page: Any, link_id: str) -> bytes:
    with page.expect_download() as done:
        page.locator(f"#{link_id}").click()
    return Path(done.value.path()).read_bytes()


def test_the_downloads_zip_workbook_and_ticket_list(browser: Any, staff_url: str,
                                                    staff_broker: BrokerRole,
                                                    worked_day: dict[str, str]) -> None:
    page = sign_in(browser, staff_url, "quanly")
    page.goto(staff_url + "/admin/stats")
    assert_zip_holds_one_csv_per_table_with_the_convention_stated(page)
    assert_workbook_has_fitted_columns_and_frozen_headers(page)
    assert_ticket_list_of_the_day(page, staff_broker, worked_day)
    with staff_broker.store.transaction() as tx:  # a day retention has reduced to its figures
        tx.write_figures(REDUCED, DayFigures())
    page.goto(f"{staff_url}/admin/tickets.xlsx?day={REDUCED}")
    expect(page.locator(".flash")).to_have_text(
        "Ngày 02/03/2026 đã quá thời hạn lưu trữ (90 ngày): chỉ còn số liệu tổng hợp, không còn "
        "danh sách vé.")
    page.context.close()


def assert_zip_holds_one_csv_per_table_with_the_convention_stated(page: Any) -> None:
    body = download(page, "export-zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        note = archive.read("GHI-CHU.txt").decode("utf-8-sig")
    assert sorted(names) == ["GHI-CHU.txt", "can-bo.csv", "danh-gia-theo-ho-so.csv", "dich-vu.csv",
                             "quay.csv", "theo-gio.csv"]
    assert "dấu chấm phẩy (;)" in note and "dấu phẩy (ví dụ 12,50)" in note
    assert "Tổng vào hàng" in note
    tables = zip_tables(body)  # every file starts with a BOM (checked there)
    services = by_header(tables["dich-vu.csv"])
    for row in services:
        assert int(row["Tổng vào hàng"]) == sum(int(row[h]) for h in ENTRIES) == sum(
            int(row[h]) for h in EXITS)
    waits = [row["Chờ TB (phút)"] for row in services if row["Chờ TB (phút)"]]
    assert waits and all("," in w and "." not in w for w in waits)  # 0,02 — a decimal comma
    assert by_header(tables["danh-gia-theo-ho-so.csv"])[0]["Mã hồ sơ"] == DOSSIER


def assert_workbook_has_fitted_columns_and_frozen_headers(page: Any) -> None:
    book = load_workbook(io.BytesIO(download(page, "export-xlsx")))
    assert book.sheetnames == ["Dịch vụ", "Theo giờ", "Quầy", "Cán bộ", "Đánh giá theo hồ sơ",
                               "Ghi chú"]
    for sheet in book.worksheets[:-1]:
        assert sheet.freeze_panes == "A3", sheet.title  # the title and the header stay in view
        header = [c.value for c in sheet[2]]
        for column, cells in zip(header, sheet.iter_cols(min_row=2, values_only=True),
                                 strict=True):
            letter = sheet.cell(row=2, column=header.index(column) + 1).column_letter
            longest = max(len(csv_cell(v)) for v in cells)
            width = sheet.column_dimensions[letter].width
            assert longest < width <= 62, (sheet.title, column, width)


def assert_ticket_list_of_the_day(page: Any, staff_broker: BrokerRole,
                                  worked_day: dict[str, str]) -> None:
    book = load_workbook(io.BytesIO(download(page, "export-tickets")))
    sheet = book["Danh sách vé"]
    assert sheet.freeze_panes == "A3"
    header, *rows = list(sheet.iter_rows(min_row=2, values_only=True))
    tickets = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(tickets) == set(worked_day.values())
    served = tickets[worked_day["dossier"]]
    assert (served["Dịch vụ"], served["Cán bộ"], served["Quầy"], served["Đánh giá"],
            served["Kết quả"]) == ("Trả kết quả", "Lê Văn Cường", 5, "Rất hài lòng", "Đã phục vụ")
    assert served["Bắt đầu phục vụ lúc"] and served["Kết thúc lúc"] and served["Ưu tiên"] == "Không"
    moved = tickets[worked_day["moved"]]
    assert (moved["Dịch vụ"], moved["Dịch vụ lúc lấy số"], moved["Số lần gọi"], moved["Cán bộ"],
            moved["Kết quả"]) == ("Chứng thực", "Trả kết quả", 2, "Trần Thị Bình", "Đã phục vụ")
    assert tickets[worked_day["absent"]]["Kết quả"] == "Vắng mặt"
    assert tickets[worked_day["paper"]]["Kết quả"] == "Chưa được gọi"
    with staff_broker.store.snapshot() as tx:
        ids = [str(r["id"]) for r in tx.execute("SELECT id FROM tickets")]
    cells = " ".join(str(v) for row in rows for v in row)
    assert not [i for i in ids if i in cells] and DOSSIER not in cells  # nothing beyond the desk's
    listed = by_header(zip_tables(download(page, "export-tickets-zip"))["danh-sach-ve.csv"])
    assert {row["Số"]: row["Kết quả"] for row in listed} == {
        n: str(t["Kết quả"]) for n, t in tickets.items()}
