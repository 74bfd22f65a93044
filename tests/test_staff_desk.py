"""What counter staff work with all day, in real headless Chromium: the ticket at the desk with its
details, the waiting list in call order, calling a particular number, the serving state, messages
that are true and Vietnamese, and a page that follows the manager's changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from broker.queue.tickets import Queue
from broker.reports import stats
from broker.role import BrokerRole
from broker.store.db import Store
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, issue, number
from tests.support.staff_pages import events, sign_in, ticket_row
from xephang.config import SiteConfig
from xephang.protocol import Topics


@pytest.fixture
def queue(config: SiteConfig, tmp_path: Path, clock: FakeClock) -> Queue:
    return Queue(config, Store(tmp_path / "queue.db", clock))


def _numbers(page: Any) -> list[str]:
    return [str(n) for n in page.locator("#waiting-list tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.number).filter(Boolean)")]


def test_staff_see_details_call_a_chosen_number_and_start_serving(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    for _ in range(2):
        ask_ticket(probe, topics, "CT")  # 2001, 2002
    ask_ticket(probe, topics, "CT", priority="elderly")  # 2003
    ask_ticket(probe, topics, "HT")  # 1001: another line, not counter 5's
    page = sign_in(browser, staff_url, "canbo5")
    expect(page.locator("#waiting-total")).to_have_text("3")
    assert _numbers(page) == ["2003", "2001", "2002"]  # the order "Gọi số tiếp" would take
    expect(page.locator('#waiting-list tr[data-number="2003"]')).to_contain_text("Người cao tuổi")

    page.locator('#waiting-list tr[data-number="2002"]').get_by_role("button").click()
    number, status, message = page.locator("#number"), page.locator("#status"), page.locator("#message")
    expect(number).to_have_text("2002")
    expect(message).to_have_text("Đang gọi số 2002")
    expect(page.locator("#current")).to_contain_text("Chứng thực")
    expect(page.locator("#current")).to_contain_text("Đã chờ")
    called = events(staff_broker, "ticket_called")[-1]
    assert (called["number"], called["chosen"], called["account"]) == ("2002", True, "canbo5")
    assert _numbers(page) == ["2003", "2001"]

    page.keyboard.press("p")  # the citizen is at the desk
    expect(status).to_have_text("Đang phục vụ")
    expect(message).to_have_text("Đang phục vụ số 2002")
    assert ticket_row(staff_broker, "2002")["served_at"] is not None

    page.fill("#call-input", "1001")  # a citizen of another line, standing at this desk
    page.press("#call-input", "Enter")
    expect(number).to_have_text("1001")
    expect(status).to_have_text("Đang gọi")
    expect(page.locator("#current")).to_contain_text("Tư pháp – Hộ tịch")
    assert ticket_row(staff_broker, "2002")["status"] == "done"
    page.fill("#call-input", "9999")
    page.press("#call-input", "Enter")
    expect(message).to_have_text("Số 9999 không có trong danh sách đang chờ.")
    expect(number).to_have_text("1001")

    page.select_option("#transfer-target", "service:TKQ")
    page.focus("#transfer-target")
    page.keyboard.press("c")  # shortcuts work while the transfer list has focus
    expect(message).to_have_text("Đã chuyển.")
    moved = page.locator('#waiting-list tr[data-number="1001"]')
    expect(moved).to_contain_text("Chuyển từ Tư pháp – Hộ tịch")
    page.context.close()


def test_a_number_typed_while_a_call_is_still_out_is_called_after_it(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    for _ in range(2):
        ask_ticket(probe, topics, "CT")  # 2001, 2002
    page = sign_in(browser, staff_url, "canbo5")
    expect(page.locator("#waiting-total")).to_have_text("2")
    page.fill("#call-input", "2002")
    page.press("#call-input", "Enter")
    page.fill("#call-input", "2001")  # typed at once, before the page has shown 2002's result
    page.press("#call-input", "Enter")
    # 2002 was called a moment ago, never served: back in line, not "served".
    expect(page.locator("#message")).to_have_text(
        "Số 2002 trở lại hàng chờ (vừa gọi chưa phục vụ). Đang gọi số 2001")
    expect(page.locator("#number")).to_have_text("2001")
    expect(page.locator("#call-input")).to_have_value("")
    expect(page.locator('#waiting-list tr[data-number="2002"]')).to_be_visible()
    assert [e["number"] for e in events(staff_broker, "ticket_called")] == ["2002", "2001"]
    page.context.close()


def _press_together(page: Any, *keys: str) -> None:
    """Keyboard shortcuts pressed in one go: each after the first while the first is still out."""
    page.evaluate("keys => keys.forEach(key => document.dispatchEvent("
                  "new KeyboardEvent('keydown', {key, bubbles: true})))", list(keys))


def test_a_call_replaced_at_once_leaves_the_citizen_waiting_on_their_phone_and_unserved(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    for _ in range(2):
        ask_ticket(probe, topics, "CT")  # 2001, 2002
    page = sign_in(browser, staff_url, "canbo5")
    phone = browser.new_context(locale="vi-VN").new_page()
    phone.goto(f"{staff_url}/ticket/{ticket_row(staff_broker, '2001')['id']}")
    label = phone.locator("#label")
    expect(label).to_have_text("Đang chờ đến lượt")
    page.keyboard.press("n")
    expect(page.locator("#number")).to_have_text("2001")
    expect(label).to_have_text("Đã được gọi")
    page.fill("#call-input", "2002")  # at once: the citizen at the desk holds 2002
    page.press("#call-input", "Enter")
    expect(page.locator("#message")).to_have_text(
        "Số 2001 trở lại hàng chờ (vừa gọi chưa phục vụ). Đang gọi số 2002")
    expect(label).to_have_text("Đang chờ đến lượt")  # not "Đã phục vụ xong"
    expect(phone.locator("#ahead")).to_have_text("Công dân là người tiếp theo")
    assert ticket_row(staff_broker, "2001")["status"] == "waiting"
    assert not events(staff_broker, "ticket_done")
    day = ticket_row(staff_broker, "2001")["day"]
    figures = stats.for_days(staff_broker.store, staff_broker.config.site.zone, day, day)
    assert figures.served["CT"] == 0 and figures.service_time["CT"].count == 0
    phone.context.close()
    page.context.close()


def test_a_different_press_while_one_is_out_is_carried_out_after_it_a_double_press_once(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    for _ in range(3):
        ask_ticket(probe, topics, "CT")  # 2001, 2002, 2003
    page = sign_in(browser, staff_url, "canbo5")
    message = page.locator("#message")
    # N twice at once is one call; the recall pressed with them comes after it, so once its
    # result shows, both Ns have been answered.
    _press_together(page, "n", "n", "l")
    expect(message).to_have_text("Đã gọi lại số 2001")
    assert [e["number"] for e in events(staff_broker, "ticket_called")] == ["2001"]

    page.keyboard.press("p")
    expect(message).to_have_text("Đang phục vụ số 2001")
    _press_together(page, "x", "n")  # "Xong" then "Gọi số tiếp", 0 ms apart: both done
    expect(message).to_have_text("Đang gọi số 2002")
    expect(page.locator("#number")).to_have_text("2002")
    assert [e["number"] for e in events(staff_broker, "ticket_done")] == ["2001"]
    assert [e["number"] for e in events(staff_broker, "ticket_called")] == ["2001", "2002"]
    page.context.close()


def test_messages_are_true_and_vietnamese(browser: Any, staff_url: str, staff_broker: BrokerRole,
                                          probe: Probe, topics: Topics) -> None:
    page = sign_in(browser, staff_url, "canbo5")
    message, status = page.locator("#message"), page.locator("#status")
    page.keyboard.press("l")
    expect(message).to_have_text("Quầy chưa gọi số nào.")
    page.keyboard.press("m")
    expect(message).to_have_text("Quầy không tạm dừng; không cần mở lại.")
    page.keyboard.press("t")
    expect(status).to_have_text("Tạm dừng")
    expect(message).to_have_text("Quầy tạm dừng.")
    page.keyboard.press("n")
    expect(message).to_have_text("Quầy đang tạm dừng; bấm “Mở lại” trước khi gọi số.")
    assert page.get_by_role("button", name="Mở lại").count() == 1  # the button it names

    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/counters")
    manager.locator('tr[data-counter="5"]').get_by_role("button", name="Đóng quầy").click()
    expect(status).to_have_text("Đóng")
    page.keyboard.press("m")
    expect(message).to_have_text("Quầy đang đóng; quản lý cần mở quầy trước.")
    expect(status).to_have_text("Đóng")
    assert not events(staff_broker, "counter_resumed")

    manager.locator('tr[data-counter="5"]').get_by_role("button", name="Mở quầy").click()
    row = manager.locator('tr[data-counter="5"]')
    row.locator('input[value="DD"]').check()
    row.get_by_role("button", name="Lưu").click()
    expect(page.locator('#lines tr[data-line="DD"]')).to_contain_text("Đất đai – Xây dựng")  # live
    ask_ticket(probe, topics, "DD")
    expect(page.locator("#waiting-list tr[data-number='3001']")).to_be_visible()
    manager.context.close()
    page.context.close()


def test_the_username_rule_is_told_in_vietnamese(browser: Any, staff_url: str) -> None:
    page = sign_in(browser, staff_url, "quantri")
    page.goto(staff_url + "/admin/accounts")
    field = page.locator('input[name="username"]')
    field.fill("Cán Bộ!")
    shown = field.evaluate("input => { input.checkValidity(); return input.validationMessage; }")
    assert shown.startswith("Tên đăng nhập gồm 2–32 ký tự")
    field.fill("can-bo.7")
    assert field.evaluate("input => input.checkValidity()")  # a good name is not refused
    page.context.close()


def test_service_time_runs_from_the_start_of_service(queue: Queue, clock: FakeClock) -> None:
    issue(queue, "HT")
    assert number(act(queue, 2, "call_next")) == "1001"
    clock.advance(seconds=90)  # the citizen walks to the desk
    assert act(queue, 2, "serve").status == "serving"
    clock.advance(seconds=300)
    assert act(queue, 2, "pause").status == "paused"
    assert act(queue, 2, "resume").status == "serving"  # back to serving, not calling
    act(queue, 2, "done")
    with queue.store.snapshot() as tx:
        day = tx.ticket(tx.counter(2).last_ticket).day  # type: ignore[union-attr]
        assert tx.service_durations(day, "HT", 10) == [300.0]
    figures = stats.for_days(queue.store, queue.config.site.zone, day, day)
    assert (figures.served["HT"], figures.service_time["HT"].mean) == (1, 300.0)
    assert figures.wait["HT"].mean == 0.0  # the walk to the desk is neither wait nor service
