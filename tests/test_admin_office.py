"""The manager's office and the accounts page in real headless Chromium: live board, counters,
statistics and exports, the printable report, accounts; and what is stored and audited."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import expect

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command
from tests.support.reports import by_header, zip_tables
from tests.support.staff_pages import PASSWORD, events, sign_in
from xephang.protocol import Topics


def test_the_board_follows_counters_services_and_devices(browser: Any, staff_url: str, probe: Probe,
                                                         topics: Topics, screenshot_dir: Path) -> None:
    page = sign_in(browser, staff_url, "quanly")
    assert page.url.endswith("/admin/")
    ht = page.locator('#board-services tr[data-service="HT"]')
    expect(ht.locator("td").nth(1)).to_have_text("0")
    ask_ticket(probe, topics, "HT")
    expect(ht.locator("td").nth(1)).to_have_text("1")  # without a reload
    command(probe, topics, 1, "call_next")
    expect(page.locator('#board-counters tr[data-counter="1"]')).to_contain_text("1001")
    probe.publish(topics.device_status("kiosk-1"), {"v": 1, "status": "online", "version": "0.1.0",
                                                    "detail": "printer_unavailable"}, retain=True)
    expect(page.locator('#board-devices tr[data-device="kiosk-1"]')).to_contain_text(
        "Máy in không sẵn sàng")
    page.screenshot(path=str(screenshot_dir / "manager-board.png"), full_page=True)
    page.context.close()


def test_a_manager_closes_opens_and_reassigns_counters(browser: Any, staff_url: str, staff_broker: BrokerRole,
                                                       probe: Probe, topics: Topics) -> None:
    page = sign_in(browser, staff_url, "quanly")
    page.goto(staff_url + "/admin/counters")
    row = page.locator('tr[data-counter="2"]')
    row.get_by_role("button", name="Đóng quầy").click()
    expect(page.locator(".flash")).to_have_text("Đã đóng quầy 2.")
    with staff_broker.store.snapshot() as tx:
        assert tx.counter(2).status == "closed"
    assert events(staff_broker, "counter_closed")[-1] == {"ticket": None, "counter": 2, "account": "quanly"}
    ask_ticket(probe, topics, "HT")
    assert command(probe, topics, 2, "call_next")["error"] == "counter_closed"
    page.locator('tr[data-counter="2"]').get_by_role("button", name="Mở quầy").click()
    expect(page.locator(".flash")).to_have_text("Đã mở quầy 2.")
    assert command(probe, topics, 2, "call_next")["ticket"]["number"] == "1001"

    row = page.locator('tr[data-counter="6"]')  # serves DD only
    row.locator('input[value="KD"]').check()
    row.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash")).to_have_text("Đã đổi dịch vụ của quầy 6.")
    ask_ticket(probe, topics, "KD")
    assert command(probe, topics, 6, "call_next")["ticket"]["number"] == "5001"  # at once
    changed = events(staff_broker, "counter_services_changed")[-1]
    assert (changed["services"], changed["before"], changed["account"]) == (["DD", "KD"], ["DD"],
                                                                            "quanly")
    page.context.close()


def test_statistics_exports_and_the_printed_report(browser: Any, staff_url: str, probe: Probe,
                                                   topics: Topics, screenshot_dir: Path) -> None:
    # The two Hộ tịch tickets are the only ones waiting when counters 1 and 2 call, so what they call
    # does not depend on the call rule's choice between lines.
    for service in ("HT", "HT"):
        ask_ticket(probe, topics, service)
    command(probe, topics, 1, "call_next"), command(probe, topics, 1, "done")
    command(probe, topics, 1, "rate", rating="very_satisfied")
    command(probe, topics, 2, "call_next"), command(probe, topics, 2, "no_show")
    ask_ticket(probe, topics, "CT")
    page = sign_in(browser, staff_url, "quanly")
    page.goto(staff_url + "/admin/stats")
    expect(page.locator("#summary")).to_contain_text("phát 3 số, đã phục vụ 1")
    expect(page.locator("#summary")).to_contain_text("vắng mặt 1")
    assert page.locator("svg.chart").count() == 3
    page.screenshot(path=str(screenshot_dir / "manager-stats.png"), full_page=True)

    with page.expect_download() as zip_download:
        page.get_by_role("link", name="Tải CSV (ZIP)").click()
    services = by_header(zip_tables(Path(zip_download.value.path()).read_bytes())["dich-vu.csv"])
    total = next(row for row in services if row["Dịch vụ"] == "Tổng cộng")
    assert services[0]["Dịch vụ"] == "Tư pháp – Hộ tịch"
    assert [total[h] for h in ("Số phát", "Đã phục vụ", "Vắng mặt", "Chưa được gọi")] == [
        "3", "1", "1", "1"]
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Tải Excel").click()
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert book.sheetnames == ["Dịch vụ", "Theo giờ", "Quầy", "Cán bộ", "Đánh giá theo hồ sơ",
                               "Ghi chú"]
    header, *rows = list(book["Dịch vụ"].iter_rows(min_row=2, values_only=True))
    ht = dict(zip(header, next(r for r in rows if r[0] == "HT"), strict=True))
    assert [ht["Số phát"], ht["Phát ngoại tuyến"], ht["Đã phục vụ"], ht["Rất hài lòng"]] == [
        2, 0, 1, 1]

    page.get_by_role("link", name="Báo cáo in").click()
    expect(page.locator("h1")).to_contain_text("BÁO CÁO HOẠT ĐỘNG")
    expect(page.locator("#summary")).to_contain_text("Tổng số phiếu đã phát: 3")
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshot_dir / "manager-daily-report.png"), full_page=True)
    page.context.close()


def test_an_admin_manages_accounts(browser: Any, staff_url: str, staff_broker: BrokerRole,
                                   screenshot_dir: Path) -> None:
    page = sign_in(browser, staff_url, "quantri")
    page.goto(staff_url + "/admin/accounts")
    form = page.locator("#create-account")
    form.locator('input[name="username"]').fill("canbo9")
    form.locator('input[name="name"]').fill("Nguyễn Thị Hoa")
    form.locator('input[name="counters"][value="9"]').check()
    form.locator('input[name="password"]').fill("mat-khau-moi-1")
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator(".flash")).to_have_text("Đã tạo tài khoản canbo9.")
    with staff_broker.store.snapshot() as tx:
        stored = tx.execute("SELECT * FROM accounts WHERE username = 'canbo9'").fetchone()
    assert stored["password_hash"].startswith("$argon2id$") and stored["counter"] == 9

    staff = sign_in(browser, staff_url, "canbo9", "mat-khau-moi-1")
    assert staff.url.endswith("/counter/9")

    row = page.locator('tr[data-account="canbo9"]')
    row.locator('input[name="password"]').fill("mat-khau-moi-2")
    row.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(page.locator(".flash")).to_have_text("Đã đặt lại mật khẩu cho canbo9.")
    staff.reload()
    assert "/login" in staff.url  # the reset ended the session that was open
    staff.context.close()
    assert "/counter/9" in sign_in(browser, staff_url, "canbo9", "mat-khau-moi-2").url

    page.locator('tr[data-account="canbo9"]').get_by_role("button", name="Khóa").click()
    expect(page.locator('tr[data-account="canbo9"] .state')).to_have_text("Đã khóa")
    refused = sign_in(browser, staff_url, "canbo9", "mat-khau-moi-2")
    expect(refused.locator("#login-error")).to_have_text(
        "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống.")
    page.screenshot(path=str(screenshot_dir / "admin-accounts.png"), full_page=True)
    audited = [(e, events(staff_broker, e)[-1]["account"]) for e in
               ("account_created", "password_reset", "account_disabled")]
    assert audited == [("account_created", "quantri"), ("password_reset", "quantri"),
                       ("account_disabled", "quantri")]
    page.context.close()


def test_a_manager_cannot_manage_accounts(browser: Any, staff_url: str) -> None:
    page = sign_in(browser, staff_url, "quanly")
    response = page.goto(staff_url + "/admin/accounts")
    assert response is not None and response.status == 403
    page.context.close()


def test_sign_in_and_out_are_audited(staff_url: str, staff_broker: BrokerRole) -> None:
    from harness.web_session import WebSession

    session = WebSession(staff_url).login("quanly", PASSWORD)
    assert json.loads(session.get_text("/api/whoami"))["role"] == "manager"
    assert events(staff_broker, "login")[-1]["account"] == "quanly"


def test_the_board_suggests_which_counter_could_help(browser: Any, staff_url: str, probe: Probe,
                                                     topics: Topics) -> None:
    page = sign_in(browser, staff_url, "quanly")
    suggestions = page.locator("#board-suggestions")
    expect(suggestions).to_be_hidden()
    for _ in range(20):  # Đất đai – Xây dựng: 20 waiting at ~10 min each on 4 counters > 30 min target
        ask_ticket(probe, topics, "DD")
    expect(suggestions).to_be_visible()  # without a reload
    expect(suggestions).to_contain_text("Đất đai – Xây dựng: dự kiến chờ")
    expect(suggestions).to_contain_text("vượt mục tiêu 30 phút")
    page.context.close()
