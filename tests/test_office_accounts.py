"""Accounts as the admin manages them and staff meet them, in real headless Chromium: a staff account
works only the counters bound to it (none when unbound); edit, lock, remove with sane limits; a
locked account is told so."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from broker.accounts.registry import AccountError, Accounts
from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket
from tests.support.staff_pages import PASSWORD, events, sign_in
from xephang.protocol import Topics


def test_a_staff_account_works_only_its_bound_counters(browser: Any, staff_url: str,
                                                       staff_broker: BrokerRole) -> None:
    Accounts(staff_broker.store).create("canbo-moi", PASSWORD, "staff", by="(test)")
    page = sign_in(browser, staff_url, "canbo-moi")
    expect(page.locator("#no-counter")).to_contain_text("chưa được giao quầy nào")
    assert page.locator("a.big-link").count() == 0
    response = page.goto(staff_url + "/counter/5")
    assert response is not None and response.status == 403
    api = WebSession(staff_url).login("canbo-moi", PASSWORD)
    status, reply = api.post_json("/api/counter/5/command",
                                  {"command_id": "5d7c0f0e-8f43-4c51-9d55-3f0a4b1d2e01",
                                   "action": "call_next"})
    assert (status, reply["error"]) == (403, "forbidden")

    admin = sign_in(browser, staff_url, "quantri")
    admin.goto(staff_url + "/admin/accounts")
    row = admin.locator('tr[data-account="canbo-moi"]')
    row.locator("summary").click()
    row.locator('input[name="name"]').fill("Nguyễn Văn An")
    row.locator('input[name="counters"][value="3"]').check()
    row.locator('input[name="counters"][value="7"]').check()
    row.get_by_role("button", name="Lưu").click()
    expect(admin.locator(".flash")).to_have_text("Đã lưu tài khoản canbo-moi.")
    expect(admin.locator('tr[data-account="canbo-moi"] .bound')).to_have_text("3, 7")
    changed = events(staff_broker, "account_changed")[-1]
    assert (changed["target"], changed["counters"], changed["account"]) == ("canbo-moi", [3, 7],
                                                                            "quantri")

    page = sign_in(browser, staff_url, "canbo-moi")  # the change ended the old session
    assert page.url.endswith("/counter/3")
    for counter, status in ((3, 200), (7, 200), (5, 403)):
        response = page.goto(f"{staff_url}/counter/{counter}")
        assert response is not None and response.status == status, counter
    page.context.close()
    admin.context.close()


def test_accounts_edit_lock_and_remove_within_limits(browser: Any, staff_url: str,
                                                     staff_broker: BrokerRole) -> None:
    admin = sign_in(browser, staff_url, "quantri")
    admin.goto(staff_url + "/admin/accounts")
    flash = admin.locator(".flash")
    row = admin.locator('tr[data-account="canbo5"]')
    row.locator("summary").click()
    row.locator('input[name="name"]').evaluate("input => { input.value = 'A'.repeat(400); }")
    row.get_by_role("button", name="Lưu").click()
    expect(flash).to_have_text("Họ tên dài tối đa 80 ký tự.")

    own = admin.locator('tr[data-account="quantri"]')
    own.get_by_role("button", name="Khóa").click()
    expect(flash).to_have_text("Không thể tự khóa tài khoản đang dùng.")
    own = admin.locator('tr[data-account="quantri"]')
    own.locator("summary").click()
    own.locator('select[name="role"]').select_option("staff")
    own.get_by_role("button", name="Lưu").click()
    expect(flash).to_have_text("Không thể tự đổi vai trò của tài khoản đang dùng.")
    admin.on("dialog", lambda dialog: dialog.accept())
    own = admin.locator('tr[data-account="quantri"]')
    own.locator("summary").click()
    own.get_by_role("button", name="Xóa tài khoản").click()
    expect(flash).to_have_text("Không thể xóa tài khoản đang dùng.")

    admin.locator('tr[data-account="canbo5"]').get_by_role("button", name="Khóa").click()
    expect(flash).to_have_text("Đã khóa tài khoản canbo5.")
    locked = sign_in(browser, staff_url, "canbo5")
    expect(locked.locator("#login-error")).to_have_text(
        "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống.")
    wrong = sign_in(browser, staff_url, "canbo5", "sai-mat-khau")
    expect(wrong.locator("#login-error")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")

    row = admin.locator('tr[data-account="canbo5"]')
    row.locator("summary").click()
    row.get_by_role("button", name="Xóa tài khoản").click()
    expect(flash).to_have_text("Đã xóa tài khoản canbo5.")
    expect(admin.locator('tr[data-account="canbo5"]')).to_have_count(0)
    assert events(staff_broker, "account_removed")[-1]["target"] == "canbo5"
    for context in (admin.context, locked.context, wrong.context):
        context.close()


def test_a_name_is_at_most_80_characters(staff_broker: BrokerRole) -> None:
    accounts = Accounts(staff_broker.store)
    with pytest.raises(AccountError, match="tối đa 80"):
        accounts.create("dai-qua", PASSWORD, "staff", name="A" * 81, by="(test)")
    made, _ = accounts.create("vua-du", PASSWORD, "staff", name="  Trần   Thị  B ", by="(test)")
    assert made.name == "Trần Thị B"


def test_the_manager_reads_the_audit_trail_by_account_counter_and_action(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "CT")
    staff = sign_in(browser, staff_url, "canbo5")
    staff.keyboard.press("n")
    expect(staff.locator("#number")).to_have_text("2001")
    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/counters")
    manager.locator('tr[data-counter="2"]').get_by_role("button", name="Đóng quầy").click()
    expect(manager.locator(".flash")).to_have_text("Đã đóng quầy 2.")

    manager.get_by_role("link", name="Nhật ký").click()
    audit = manager.locator("#audit tbody")
    expect(audit.locator('tr[data-type="ticket_called"]')).to_contain_text("2001")
    expect(audit.locator('tr[data-type="counter_closed"] .who')).to_have_text("quanly")
    manager.select_option('select[name="account"]', "canbo5")
    manager.get_by_role("button", name="Xem").click()
    expect(audit.locator('tr[data-type="counter_closed"]')).to_have_count(0)
    expect(audit.locator('tr[data-type="ticket_called"] .who')).to_have_text("canbo5")
    manager.select_option('select[name="account"]', "")
    manager.select_option('select[name="counter"]', "2")
    manager.select_option('select[name="action"]', "counter_closed")
    manager.get_by_role("button", name="Xem").click()
    expect(audit.locator("tr")).to_have_count(1)
    expect(audit.locator("tr")).to_contain_text("Đóng quầy")
    manager.goto(staff_url + "/admin/audit?day=2020-01-01")
    expect(audit).to_have_text("Không có thao tác nào khớp bộ lọc.")
    for page in (staff, manager):
        page.context.close()


def test_statistics_name_the_staff_person(browser: Any, staff_url: str, staff_broker: BrokerRole,
                                          probe: Probe, topics: Topics) -> None:
    Accounts(staff_broker.store).edit("canbo5", name="Lê Thị Năm", role="staff", counters=(5,),
                                      by="(test)")
    ask_ticket(probe, topics, "CT")
    staff = sign_in(browser, staff_url, "canbo5")
    staff.keyboard.press("n")
    expect(staff.locator("#message")).to_have_text("Đang gọi số 2001")
    staff.keyboard.press("x")
    expect(staff.locator("#message")).to_have_text("Đã xong.")
    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/stats")
    row = manager.locator("tr", has_text="Lê Thị Năm")
    expect(row).to_contain_text("canbo5")
    manager.goto(staff_url + "/admin/")
    expect(manager.locator("body")).to_contain_text("Lê Thị Năm")  # who is at counter 5
    for page in (staff, manager):
        page.context.close()


def test_charts_are_titled_count_in_whole_numbers_and_bad_ranges_are_refused(
        browser: Any, staff_url: str, probe: Probe, topics: Topics) -> None:
    for _ in range(7):
        ask_ticket(probe, topics, "HT")
    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/stats")
    for title in ("Số vé theo giờ", "Lượt phục vụ theo quầy"):
        chart = manager.locator(f'svg.chart[aria-label="{title}"]')
        expect(chart.locator("text.chart-title")).to_have_text(title)  # seen, not only read aloud
    ticks = manager.locator('svg.chart[aria-label="Số vé theo giờ"] text[text-anchor="end"]')
    assert ticks.all_text_contents() == ["0", "2", "4", "6", "8"]  # 7 tickets: no "1,8"
    manager.goto(staff_url + "/admin/stats?from=2025-03-10&to=2025-03-01")
    expect(manager.locator(".flash.error")).to_have_text(
        "“Đến ngày” phải sau hoặc bằng “từ ngày”. Đang hiển thị số liệu hôm nay.")
    manager.goto(staff_url + "/admin/stats?from=2020-01-01&to=2025-01-01")
    expect(manager.locator(".flash.error")).to_contain_text("Khoảng ngày dài tối đa 366 ngày")
    manager.context.close()
