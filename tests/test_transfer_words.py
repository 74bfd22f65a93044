"""A transferred citizen: the receiving counter's list says where the ticket came from (the counter
that sent it, or the service it left), and the citizen's phone says where they now wait."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket, command
from tests.support.staff_pages import PASSWORD
from xephang.protocol import Topics

PHONE = {"width": 390, "height": 844}


def _flags(manager: WebSession, counter: int, number: str) -> list[str]:
    queue = manager.get_json(f"/counter/{counter}/queue.json")
    line = next(t for t in queue["tickets"] if t["number"] == number)
    return list(line["flags"])


def test_a_transfer_says_where_from_on_the_staff_list_and_where_to_on_the_phone(
        browser: Any, staff_broker: BrokerRole, staff_url: str, probe: Probe, topics: Topics) -> None:
    mine = ask_ticket(probe, topics, "HT")["ticket"]
    manager = WebSession(staff_url).login("quanly", PASSWORD)
    phone = browser.new_page(viewport=PHONE)
    try:
        phone.goto(f"{staff_url}/ticket/{mine['id']}")
        moved = phone.locator("#moved")
        expect(moved).to_be_hidden()
        assert command(probe, topics, 1, "call_next")["ticket"]["number"] == mine["number"]
        expect(phone.locator("#called-to")).to_have_text("Mời công dân đến quầy số 1")

        assert command(probe, topics, 1, "transfer", counter=2)["ok"]  # same service, Quầy 2
        expect(moved).to_have_text("Hồ sơ đã được chuyển sang Quầy 2. Công dân vui lòng chờ gọi số.")
        expect(phone.locator("#label")).to_have_text("Đang chờ đến lượt")
        expect(phone.locator("#called-to")).to_be_hidden()
        assert _flags(manager, 2, mine["number"]) == ["Chuyển từ Quầy 1"]

        assert command(probe, topics, 2, "call_next")["ticket"]["number"] == mine["number"]
        expect(phone.locator("#called-to")).to_have_text("Mời công dân đến quầy số 2")
        expect(moved).to_be_hidden()

        assert command(probe, topics, 2, "transfer", service="CT")["ok"]  # to another service's line
        expect(moved).to_have_text("Hồ sơ đã được chuyển sang dịch vụ Chứng thực. "
                                   "Công dân vui lòng chờ gọi số.")
        expect(phone.locator("#service")).to_have_text("Chứng thực")
        assert _flags(manager, 5, mine["number"]) == ["Chuyển từ Tư pháp – Hộ tịch"]
    finally:
        phone.close()
