"""Today's statistics follow the day: a ticket issued while the manager has the page open shows in
its figures without a reload, and the page says when its figures were taken; another day's page
stays as it is."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command
from tests.support.staff_pages import sign_in
from xephang.protocol import Topics

# The page recounts at most every STATS_REFRESH_S (15 s): room for one period and a loaded machine.
FOLLOWS_MS = 45_000


def test_today_s_statistics_follow_the_day_without_a_reload(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "CT")
    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/stats")
    summary = manager.locator("#summary")
    expect(summary).to_contain_text("phát 1 số, đã phục vụ 0")
    expect(manager.locator("#stats-at")).to_contain_text("Số liệu lúc ")
    manager.evaluate("window.sameDocument = true")  # gone if the page reloaded

    ask_ticket(probe, topics, "CT")
    assert command(probe, topics, 5, "call_next")["ok"]
    assert command(probe, topics, 5, "done")["ok"]
    expect(summary).to_contain_text("phát 2 số, đã phục vụ 1", timeout=FOLLOWS_MS)
    assert manager.evaluate("window.sameDocument") is True

    manager.goto(staff_url + "/admin/stats?day=2020-01-06")  # a past day: nothing to follow
    expect(summary).to_contain_text("phát 0 số")
    expect(manager.locator("#stats-at")).to_have_count(0)
    expect(manager.locator("#stats-body")).not_to_have_attribute("data-live", "1")
    manager.context.close()
