"""A manager closes a counter while a citizen is at it, in real headless Chromium against the real
broker, Mosquitto, a hall display and the counter's unit: every screen says the counter closes after
its current citizen, staff finish that citizen normally, then the counter is closed everywhere; the
manager can call the close off before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import expect

from broker.role import BrokerRole
from display.role import DisplayRole
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command
from tests.support.display import CLIPPED_TEXT
from tests.support.staff_pages import events, sign_in, ticket_row
from xephang.config import SiteConfig
from xephang.labels import CLOSING_AFTER_CURRENT, CLOSING_NOTE, COUNTER_STATUS
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


@contextmanager
def _display(config: SiteConfig, mosquitto: Mosquitto, device: str) -> Iterator[DisplayRole]:
    role = DisplayRole(config, display_id=device, mqtt=mosquitto.access(device),
                       http=("127.0.0.1", 0))
    role.start()
    try:
        yield role
    finally:
        role.stop()


def test_a_counter_closed_while_serving_closes_after_its_citizen_on_every_screen(
        browser: Any, staff_url: str, staff_broker: BrokerRole, config: SiteConfig,
        mosquitto: Mosquitto, probe: Probe, topics: Topics, mock_pins: Any) -> None:
    ask_ticket(probe, topics, "TKQ"), ask_ticket(probe, topics, "TKQ")
    assert command(probe, topics, 5, "call_next")["ticket"]["number"] == "6001"
    with _display(config, mosquitto, "hall-1") as hall, \
            _display(config, mosquitto, "counter-5") as unit:
        staff = sign_in(browser, staff_url, "canbo5")
        staff.goto(staff_url + "/counter/5")
        expect(staff.locator("#number")).to_have_text("6001")
        expect(staff.locator("#closing")).to_be_hidden()
        hall_page = browser.new_page(viewport={"width": 1920, "height": 1080})
        hall_page.goto(hall.http_url)
        unit_page = browser.new_page(viewport={"width": 800, "height": 480})
        unit_page.goto(unit.http_url)
        box = hall_page.locator("#counters .counter-box").nth(4)  # counter 5
        expect(box).to_contain_text("6001")
        expect(box).not_to_contain_text(CLOSING_NOTE)

        manager = sign_in(browser, staff_url, "quanly")
        manager.goto(staff_url + "/admin/counters")
        manager.locator('tr[data-counter="5"]').get_by_role("button", name="Đóng quầy").click()
        expect(manager.locator(".flash")).to_have_text(
            "Quầy 5 đang phục vụ số 6001: quầy không gọi số mới và sẽ đóng sau khi phục vụ xong "
            "công dân này.")
        row = manager.locator('tr[data-counter="5"]')
        expect(row.locator(".status")).to_have_text("Đang gọi · sắp đóng quầy")
        expect(row.get_by_role("button", name="Hủy đóng quầy")).to_be_visible()

        # Every screen says it; the citizen is still at the counter, not recorded as served.
        expect(staff.locator("#closing")).to_have_text(CLOSING_AFTER_CURRENT)
        expect(staff.get_by_role("button", name="Gọi số tiếp")).to_be_hidden()
        expect(staff.locator("#number")).to_have_text("6001")
        expect(box).to_contain_text(CLOSING_NOTE)
        expect(box).to_contain_text("6001")
        expect(unit_page.locator("#status")).to_have_text(CLOSING_AFTER_CURRENT)
        expect(unit_page.locator("#number")).to_have_text("6001")
        assert unit_page.evaluate(CLIPPED_TEXT) == []
        unit_page.get_by_role("button", name="Gọi số tiếp").click()  # refused, and told why
        expect(unit_page.locator("#message")).to_contain_text("Quầy sắp đóng, không gọi số mới")
        expect(unit_page.locator("#number")).to_have_text("6001")
        assert unit_page.evaluate(CLIPPED_TEXT) == []
        assert ticket_row(staff_broker, "6001")["status"] == "called"
        assert ticket_row(staff_broker, "6002")["status"] == "waiting"

        # Called off: the counter goes on as before.
        row.get_by_role("button", name="Hủy đóng quầy").click()
        expect(manager.locator(".flash")).to_have_text("Đã hủy đóng quầy 5: quầy tiếp tục mở.")
        expect(staff.locator("#closing")).to_be_hidden()
        expect(staff.get_by_role("button", name="Gọi số tiếp")).to_be_visible()
        expect(box).not_to_contain_text(CLOSING_NOTE)
        expect(unit_page.locator("#status")).to_have_text(COUNTER_STATUS["calling"])

        # Closed again, then staff finish the citizen as usual: the counter closes itself.
        manager.locator('tr[data-counter="5"]').get_by_role("button", name="Đóng quầy").click()
        expect(staff.locator("#closing")).to_be_visible()
        staff.get_by_role("button", name="Xong").click()
        expect(staff.locator("#status")).to_have_text(COUNTER_STATUS["closed"])
        expect(staff.locator("#closing")).to_be_hidden()
        expect(staff.locator("#number")).to_have_text("—")
        expect(box).to_contain_text(COUNTER_STATUS["closed"])
        expect(box).not_to_contain_text(CLOSING_NOTE)
        expect(unit_page.locator("#status")).to_have_text(COUNTER_STATUS["closed"])
        assert ticket_row(staff_broker, "6001")["status"] == "done"
        assert ticket_row(staff_broker, "6002")["status"] == "waiting"
        assert events(staff_broker, "counter_closed") == [
            {"ticket": None, "counter": 5, "account": "quanly"}]
        manager.reload()
        expect(row.locator(".status")).to_have_text(COUNTER_STATUS["closed"])
        expect(row.get_by_role("button", name="Mở quầy")).to_be_visible()

        manager.goto(staff_url + "/admin/audit?counter=5")
        audit = manager.locator("#audit")
        expect(audit.locator('tr[data-type="counter_closing"]')).to_have_count(2)
        expect(audit.locator('tr[data-type="counter_closing"]').first).to_contain_text(
            "Đóng quầy sau khi phục vụ xong công dân hiện tại")
        expect(audit.locator('tr[data-type="counter_closing_cancelled"]')).to_have_count(1)
        for page in (staff, manager):
            page.context.close()
        hall_page.close(), unit_page.close()
