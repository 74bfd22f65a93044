"""The staff console in real headless Chromium: sign in, every action by keyboard, what the page
shows and what is stored; security at the HTTP level (CSRF, sign-in required, rate limit, roles)."""

from __future__ import annotations

import re
import urllib.error
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket
from tests.support.reports import zip_tables
from tests.support.staff_pages import PASSWORD, events, sign_in, ticket_row
from xephang.protocol import Topics


def test_staff_work_a_counter_by_keyboard(browser: Any, staff_url: str, staff_broker: BrokerRole,
                                          probe: Probe, topics: Topics, screenshot_dir: Path) -> None:
    for _ in range(3):
        ask_ticket(probe, topics, "CT")
    page = sign_in(browser, staff_url, "canbo5")
    assert page.url.endswith("/counter/5")  # a staff account lands on its own counter
    expect(page.locator("#waiting-total")).to_have_text("3")
    number, status, message = page.locator("#number"), page.locator("#status"), page.locator("#message")

    page.keyboard.press("n")
    expect(number).to_have_text("2001")
    expect(message).to_have_text("Đang gọi số 2001")
    assert events(staff_broker, "ticket_called")[-1]["account"] == "canbo5"
    page.keyboard.press("l")
    expect(page.locator("#message")).to_have_text("Đã gọi lại số 2001")
    assert ticket_row(staff_broker, "2001")["recalls"] == 1

    page.keyboard.press("b")  # sent to fetch a missing paper
    expect(message).to_have_text("Đã ghi: công dân đi bổ sung giấy tờ.")
    expect(page.locator("#returning")).to_contain_text("2001")
    assert ticket_row(staff_broker, "2001")["status"] == "returning"
    page.keyboard.press("n")
    expect(number).to_have_text("2002")
    expect(message).to_have_text("Đang gọi số 2002")
    page.keyboard.press("v")
    expect(message).to_have_text("Đã ghi vắng mặt.")
    expect(number).to_have_text("—")
    assert ticket_row(staff_broker, "2002")["status"] == "no_show"

    page.get_by_role("button", name="Đã quay lại").click()
    expect(message).to_contain_text("Công dân đã quay lại")
    expect(page.locator("#returning")).to_have_text("Không có.")
    ask_ticket(probe, topics, "CT")  # 2004, newer: the returning citizen goes first
    page.keyboard.press("n")
    expect(number).to_have_text("2001")
    expect(message).to_have_text("Đang gọi số 2001")
    page.screenshot(path=str(screenshot_dir / "staff-counter-1366x768.png"))

    page.select_option("#transfer-target", "counter:4")
    page.keyboard.press("c")
    expect(message).to_have_text("Đã chuyển.")
    expect(number).to_have_text("—")
    moved = ticket_row(staff_broker, "2001")
    assert (moved["status"], moved["counter"]) == ("waiting", 4)
    assert events(staff_broker, "ticket_transferred")[-1] == {
        "ticket": moved["id"], "counter": 5, "number": "2001", "service": "CT",
        "from_service": "CT", "to_counter": 4, "account": "canbo5"}

    page.keyboard.press("t")
    expect(status).to_have_text("Tạm dừng")
    expect(message).to_have_text("Quầy tạm dừng.")
    page.keyboard.press("n")
    expect(message).to_contain_text("tạm dừng;")
    page.keyboard.press("m")
    expect(status).to_have_text("Đang chờ gọi số")
    expect(message).to_have_text("Quầy mở lại.")
    page.keyboard.press("n")
    expect(number).to_have_text("2003")
    expect(message).to_have_text("Đang gọi số 2003")
    page.keyboard.press("x")
    expect(message).to_have_text("Đã xong.")
    expect(number).to_have_text("—")
    assert ticket_row(staff_broker, "2003")["status"] == "done"
    assert {e["account"] for e in events(staff_broker, "ticket_done")} == {"canbo5"}
    page.context.close()


def test_a_small_laptop_shows_every_button(browser: Any, staff_url: str, screenshot_dir: Path) -> None:
    page = sign_in(browser, staff_url, "canbo5", viewport={"width": 1280, "height": 720})
    for name in ("Gọi số tiếp", "Gọi lại", "Vắng mặt", "Xong", "Tạm dừng", "Mở lại", "Chuyển"):
        box = page.get_by_role("button", name=re.compile(name)).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720, name
    page.screenshot(path=str(screenshot_dir / "staff-counter-1280x720.png"))
    page.context.close()


def test_staff_cannot_open_the_managers_pages(browser: Any, staff_url: str) -> None:
    page = sign_in(browser, staff_url, "canbo5")
    for path in ("/admin/", "/admin/stats", "/admin/accounts", "/admin/counters", "/counter/3"):
        response = page.goto(staff_url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("body")).to_contain_text("không có quyền")
    page.context.close()


def test_pages_need_a_sign_in(browser: Any, staff_url: str) -> None:
    page = browser.new_page()
    page.goto(staff_url + "/counter/5")
    assert "/login" in page.url
    page.fill('input[name="username"]', "canbo5")
    page.fill('input[name="password"]', "sai-mat-khau")
    page.click('button[type="submit"]')
    expect(page.locator("#login-error")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    page.close()


def test_the_api_needs_a_session_and_its_csrf_token(staff_url: str) -> None:
    body = {"command_id": str(uuid.uuid4()), "action": "call_next"}
    anonymous = WebSession(staff_url)
    anonymous.get_text("/login")  # a session with a CSRF token but no account
    anonymous.csrf = re.findall(r'name="csrf_token" value="([^"]+)"', anonymous.get_text("/login"))[0]
    assert anonymous.post_json("/api/counter/5/command", body)[0] == 401
    staff = WebSession(staff_url).login("canbo5", PASSWORD)
    staff.csrf = "forged"
    status, reply = staff.post_json("/api/counter/5/command", body)
    assert (status, reply["error"]) == (400, "csrf_failed")


def test_sign_in_waits_per_address_and_username(staff_url: str, staff_broker: BrokerRole) -> None:
    for _ in range(5):
        with pytest.raises(urllib.error.HTTPError, match="401"):
            WebSession(staff_url).login("quanly", "doan-mo-mat-khau")
    with pytest.raises(urllib.error.HTTPError, match="429") as refused:
        WebSession(staff_url).login("quanly", PASSWORD)  # this address waits, even with the right password
    assert "Vui lòng thử lại sau 2 giây" in refused.value.read().decode()
    # The manager at another PC is not locked out by someone else's guesses.
    elsewhere = WebSession(staff_url, source_address="127.0.0.2").login("quanly", PASSWORD)
    assert elsewhere.get_json("/api/whoami")["user"] == "quanly"
    assert WebSession(staff_url).login("canbo5", PASSWORD).get_json("/api/whoami")["user"] == "canbo5"
    failed, throttled = events(staff_broker, "login_failed"), events(staff_broker, "login_throttled")
    assert [(e["target"], e["address"]) for e in failed] == [("quanly", "127.0.0.1")] * 5
    assert [(e["target"], e["address"]) for e in throttled] == [("quanly", "127.0.0.1")]
    assert [e["address"] for e in events(staff_broker, "login")] == ["127.0.0.2", "127.0.0.1"]


def test_no_citizen_identity_on_any_page(staff_url: str, probe: Probe, topics: Topics) -> None:
    secret = "ab" * 16
    ticket = ask_ticket(probe, topics, "HT", id_hash=secret, source="cccd")["ticket"]
    manager = WebSession(staff_url).login("quanly", PASSWORD)
    staff = WebSession(staff_url).login("canbo5", PASSWORD)
    pages = [manager.get_text(p) for p in ("/admin/", "/admin/board.json", "/admin/stats",
                                           "/admin/report")]
    pages += [str(zip_tables(manager.get(p))) for p in ("/admin/stats.zip", "/admin/tickets.zip")]
    pages += [staff.get_text("/counter/5"), staff.get_text("/counter/5/queue.json"),
              staff.get_text(f"/ticket/{ticket['id']}")]
    assert not [p for p in pages if secret in p]
