"""The manager's "Kế hoạch bố trí quầy" in real headless Chromium: the plan beside today's
assignment, one block applied to the counters (the staff page and the board follow, the change is
audited), and a staff account can neither see nor apply it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from broker.role import BrokerRole
from broker.web import plans
from broker.web.labels import FORBIDDEN
from tests.support.staff_pages import events, sign_in
from xephang.config import SiteConfig
from xephang.labels import COUNTER_STATUS

PLAN = "/admin/plan/?date=2030-01-07&tickets=450"  # a Monday; no history: the configured day


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@pytest.mark.timeout(600)  # the plan is simulated days of work: minutes on a loaded machine
def test_a_manager_sees_the_plan_beside_today_and_applies_a_block(
        browser: Any, staff_url: str, staff_broker: BrokerRole, config: SiteConfig,
        monkeypatch: pytest.MonkeyPatch, screenshot_dir: Path) -> None:
    monkeypatch.setattr(plans, "BUDGET_S", 3.0)
    staff = sign_in(browser, staff_url, "canbo5")
    staff.goto(staff_url + "/counter/5")
    manager = sign_in(browser, staff_url, "quanly")
    manager.get_by_role("link", name="Kế hoạch bố trí quầy").click()
    expect(manager.locator("h1")).to_have_text("Kế hoạch bố trí quầy")
    manager.goto(staff_url + PLAN)
    expect(manager.locator("#plan-compare")).to_be_visible(timeout=500_000)  # made in the background
    for service in config.services:
        row = manager.locator(f'#plan-compare tr[data-service="{service.code}"]')
        expect(row).to_contain_text(service.name)
        assert _number(row.locator(".plan-p90").inner_text()) <= service.target_wait_min
    expect(manager.locator("#plan-shortfalls")).to_contain_text("đạt mục tiêu thời gian chờ")
    hours = manager.locator("#plan-hours")
    assert _number(hours.locator(".plan-hours").inner_text()) < _number(
        hours.locator(".today-hours").inner_text())
    manager.screenshot(path=str(screenshot_dir / "manager-plan.png"), full_page=True)
    _assert_at_most_the_allowed_changes(manager, config)

    # The first block where the plan changes counter 5 (CT, TKQ today), as the page shows it.
    own = manager.locator('#plan-grid tr[data-counter="5"] td[data-block]').all_inner_texts()
    block = next(i for i, text in enumerate(own) if text != "CT, TKQ")
    planned = {c.id: manager.locator(f'#plan-grid tr[data-counter="{c.id}"] td[data-block="{block}"]')
               .inner_text() for c in config.counters}
    manager.locator(f'#plan-grid th[data-block="{block}"]').get_by_role(
        "button", name="Áp dụng khung này").click()
    expect(manager.locator("p.flash[role=status]")).to_contain_text("Đã áp dụng kế hoạch khung")

    with staff_broker.store.snapshot() as tx:
        status = {c.id: tx.counter(c.id).status for c in config.counters}
    serving = staff_broker.queue.config  # what the next call at each counter uses
    for counter, text in planned.items():
        if text == "Đóng":
            assert status[counter] == "closed", counter
        else:
            services = serving.counter(counter).services  # type: ignore[union-attr]
            assert status[counter] != "closed" and ", ".join(services) == text, counter
    if planned[5] == "Đóng":  # the staff page follows without a reload
        expect(staff.locator("#status")).to_have_text(COUNTER_STATUS["closed"])
    else:
        first = config.service(planned[5].split(", ")[0])
        assert first is not None
        expect(staff.locator("#lines")).to_contain_text(first.name)
    manager.goto(staff_url + "/admin/")
    board = manager.locator('#board-counters tr[data-counter="5"]')
    expect(board).to_contain_text(COUNTER_STATUS["closed"] if planned[5] == "Đóng" else planned[5])

    applied = events(staff_broker, "plan_applied")[-1]
    assert applied["account"] == "quanly"
    assert applied["counters"] == [c.id for c in config.counters]
    manager.goto(staff_url + "/admin/audit?action=plan_applied")
    expect(manager.locator("#audit")).to_contain_text("Áp dụng kế hoạch bố trí quầy")

    # Following the plan does not make it out of date; editing a counter by hand does.
    manager.goto(staff_url + PLAN)
    expect(manager.locator("#plan-grid")).to_be_visible()
    expect(manager.locator("#plan-stale")).to_have_count(0)
    _assert_at_most_the_allowed_changes(manager, config)
    planned_5 = manager.locator('#plan-grid tr[data-counter="5"] td[data-block]').all_inner_texts()
    chosen = next(code for code in ("VX", "DD", "KD", "HT") if code not in planned_5)
    manager.goto(staff_url + "/admin/counters")
    form = manager.locator('tr[data-counter="5"] form.services')
    for box in form.locator('input[name="services"]').all():
        box.set_checked(box.get_attribute("value") == chosen)
    form.get_by_role("button", name="Lưu").click()
    manager.goto(staff_url + PLAN)
    stale = manager.locator("#plan-stale")
    expect(stale).to_contain_text("Kế hoạch này đã cũ")
    expect(stale).to_contain_text(f"Quầy 5 nay phục vụ {chosen}")
    manager.screenshot(path=str(screenshot_dir / "manager-plan-stale.png"), full_page=True)
    stale.get_by_role("button", name="Lập lại kế hoạch").click()
    expect(manager.locator("#plan-compare")).to_be_visible(timeout=500_000)
    expect(manager.locator("#plan-stale")).to_have_count(0)
    expect(manager.locator('#plan-grid tr[data-counter="5"] td.today')).to_have_text(chosen)
    manager.context.close(), staff.context.close()


def _assert_at_most_the_allowed_changes(manager: Any, config: SiteConfig) -> None:
    """Each counter's row of the grid changes at most `[plan] max_changes` times, and the line
    under the grid says when and to what, in words."""
    allowed = config.plan.max_changes
    for counter in config.counters:
        cells = manager.locator(f'#plan-grid tr[data-counter="{counter.id}"] td[data-block]') \
            .all_inner_texts()
        changed = sum(1 for a, b in itertools.pairwise(cells) if a != b)
        assert changed <= allowed, (counter.id, cells)
        told = manager.locator(f'#plan-changes li[data-counter="{counter.id}"]')
        expect(told).to_contain_text(f"Quầy {counter.id}:")
        expect(told).to_contain_text("không thay đổi" if changed == 0 and cells[0] != "Đóng"
                                     else "Đóng cả ngày" if changed == 0 else f"thay đổi {changed} lần")


def test_a_staff_account_can_neither_see_nor_apply_the_plan(browser: Any, staff_url: str,
                                                            staff_broker: BrokerRole) -> None:
    staff = sign_in(browser, staff_url, "canbo5")
    expect(staff.get_by_role("link", name="Kế hoạch bố trí quầy")).to_have_count(0)
    response = staff.goto(staff_url + PLAN)
    assert response is not None and response.status == 403
    staff.goto(staff_url + "/counter/5")  # a page of its own, with the session's form token
    token = staff.locator('meta[name="csrf-token"]').get_attribute("content")
    posted = staff.request.post(staff_url + "/admin/plan/apply", form={
        "csrf_token": token or "", "date": "2030-01-07", "tickets": "450", "block": "0"})
    assert posted.status == 403 and FORBIDDEN in posted.text()
    assert events(staff_broker, "plan_applied") == []
    staff.context.close()
