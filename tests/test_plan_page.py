"""The manager's "Kế hoạch bố trí quầy" in real headless Chromium: the plan beside today's
assignment, one block applied to the counters (the staff page and the board follow, the change is
audited), and a staff account can neither see nor apply it."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from broker.queue.live import local_day
from broker.role import BrokerRole
from broker.web import plans
from broker.web.labels import FORBIDDEN
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command
from tests.support.staff_pages import events, sign_in, ticket_row
from xephang.config import SiteConfig
from xephang.labels import COUNTER_STATUS
from xephang.protocol import Topics

TICKETS = 450  # a quiet day; no history: the configured day


def _today(role: BrokerRole, config: SiteConfig) -> date:
    with role.store.snapshot() as tx:
        return date.fromisoformat(local_day(config, tx.now))


def _plan(role: BrokerRole, config: SiteConfig) -> str:
    """Today's plan: only today's can be applied."""
    return f"/admin/plan/?date={_today(role, config).isoformat()}&tickets={TICKETS}"


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@pytest.mark.timeout(600)  # the plan is simulated days of work: minutes on a loaded machine
def test_a_manager_sees_the_plan_beside_today_and_applies_a_block(
        browser: Any, staff_url: str, staff_broker: BrokerRole, config: SiteConfig,
        monkeypatch: pytest.MonkeyPatch, screenshot_dir: Path, probe: Probe, topics: Topics) -> None:
    monkeypatch.setattr(plans, "BUDGET_S", 3.0)
    PLAN = _plan(staff_broker, config)
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
    _closing_a_serving_counter_waits_for_its_citizen(manager, staff_broker, config, probe,
                                                     topics)

    # The first block where the plan changes counter 5 (CT, TKQ today), as the page shows it;
    # when it keeps its services all day, the first block that changes any counter.
    grid = {c.id: manager.locator(f'#plan-grid tr[data-counter="{c.id}"] td[data-block]')
            .all_inner_texts() for c in config.counters}
    today = {c.id: ", ".join(c.services) for c in config.counters}
    block = next((i for i, text in enumerate(grid[5]) if text != today[5]), None)
    if block is None:
        block = next(i for i in range(len(grid[5])) if any(grid[c][i] != today[c] for c in grid))
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

    # A block of another day's plan is not applied (a tab left open since yesterday).
    done = len(events(staff_broker, "plan_applied"))
    form = manager.locator("#plan-grid form.apply").first
    other = (_today(staff_broker, config) + timedelta(days=1)).isoformat()
    form.locator('input[name="date"]').evaluate("(input, day) => { input.value = day; }", other)
    form.get_by_role("button", name="Áp dụng khung này").click()
    expect(manager.locator("p.flash.error")).to_contain_text(
        "chỉ áp dụng được kế hoạch của hôm nay")
    expect(manager.locator("#plan-compare")).to_be_visible(timeout=500_000)
    expect(manager.locator("#plan-grid button")).to_have_count(0)  # that day's page offers none
    expect(manager.locator("#plan-apply-hint")).to_contain_text("chỉ áp dụng được vào đúng ngày đó")
    assert len(events(staff_broker, "plan_applied")) == done
    manager.context.close(), staff.context.close()


def _closing_a_serving_counter_waits_for_its_citizen(manager: Any, role: BrokerRole,
                                                     config: SiteConfig, probe: Probe,
                                                     topics: Topics) -> None:
    """A block that closes a counter while a citizen is at it is applied at once; the page says
    that counter closes after its citizen, who is not recorded as served; the counter calls
    nobody new and closes itself once staff press "Xong"."""
    cells = {(c.id, b): manager.locator(f'#plan-grid tr[data-counter="{c.id}"] td[data-block="{b}"]')
             .inner_text() for c in config.counters for b in range(len(_blocks(manager)))}
    counter, block = next(key for key, text in cells.items() if text == "Đóng")
    own = config.counter(counter)
    assert own is not None
    ask_ticket(probe, topics, own.services[0])
    number = command(probe, topics, counter, "call_next")["ticket"]["number"]
    manager.locator(f'#plan-grid th[data-block="{block}"]').get_by_role(
        "button", name="Áp dụng khung này").click()
    said = manager.locator("p.flash.ok[role=status]")
    expect(said).to_contain_text("Đã áp dụng kế hoạch khung")
    expect(said).to_contain_text(f"Quầy {counter} (số {number})")
    expect(said).to_contain_text("sẽ đóng sau khi phục vụ xong công dân hiện tại")
    expect(manager.locator("#plan-closing")).to_contain_text(f"Quầy {counter} (số {number})")
    assert len(events(role, "plan_applied")) == 1
    assert ticket_row(role, number)["status"] == "called"  # not ended as served
    assert command(probe, topics, counter, "call_next")["error"] == "counter_closing"
    assert command(probe, topics, counter, "done")["ok"]
    assert ticket_row(role, number)["status"] == "done"
    with role.store.snapshot() as tx:
        assert tx.counter(counter).status == "closed"
    assert [e["counter"] for e in events(role, "counter_closed")].count(counter) == 1
    manager.reload()
    expect(manager.locator("#plan-grid")).to_be_visible()
    expect(manager.locator("#plan-closing")).to_have_count(0)


def _blocks(manager: Any) -> list[str]:
    return list(manager.locator("#plan-grid thead th[data-block]").all_inner_texts())


@pytest.mark.timeout(300)
def test_the_page_opens_on_the_next_working_day_and_refuses_a_mistyped_year(
        browser: Any, staff_url: str, staff_broker: BrokerRole, config: SiteConfig,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "BUDGET_S", 1.0)
    manager = sign_in(browser, staff_url, "quanly")
    manager.goto(staff_url + "/admin/plan/")
    shown = date.fromisoformat(manager.locator('#plan-day input[name="date"]').input_value())
    local = datetime.now(config.site.zone)
    assert shown.weekday() < 5  # Monday to Friday
    if local.weekday() < 5 and local.time() < config.site.closes:
        assert shown == local.date()
    else:  # today is over or no working day: the next one
        assert local.date() < shown <= local.date() + timedelta(days=3)
    for typed, said in (("1990-01-01", "Ngày 01/01/1990 đã qua quá lâu"),
                        ("0001-01-01", "Ngày 01/01/0001 đã qua quá lâu"),
                        ("9999-12-31", "Ngày 31/12/9999 còn quá xa")):
        manager.goto(staff_url + f"/admin/plan/?date={typed}")
        expect(manager.locator("p.flash.error")).to_contain_text(said)
        expect(manager.locator("p.flash.error")).to_contain_text("chỉ lập kế hoạch cho ngày từ")
        expect(manager.locator('#plan-day input[name="date"]')).to_have_value(shown.isoformat())
    past = _today(staff_broker, config) - timedelta(days=3)
    manager.goto(staff_url + f"/admin/plan/?date={past.isoformat()}&tickets={TICKETS}")
    expect(manager.locator("#plan-past")).to_contain_text(
        f"Ngày {past.strftime('%d/%m/%Y')} đã qua.")
    manager.context.close()


def _assert_at_most_the_allowed_changes(manager: Any, config: SiteConfig) -> None:
    """Each counter's row of the grid changes at most `[plan] max_changes` times counting from
    what it serves now (the "Hiện tại" column: a first block unlike it is a change), and the line
    under the grid says so in words; "không thay đổi" only for a counter that keeps it all day."""
    allowed = config.plan.max_changes
    for counter in config.counters:
        row = manager.locator(f'#plan-grid tr[data-counter="{counter.id}"]')
        cells = row.locator("td[data-block]").all_inner_texts()
        changed = sum(1 for a, b in itertools.pairwise([row.locator("td.today").inner_text(), *cells])
                      if a != b)
        assert changed <= allowed, (counter.id, cells)
        assert row.locator("td.change").count() == changed, (counter.id, cells)  # marked cells
        told = manager.locator(f'#plan-changes li[data-counter="{counter.id}"]')
        expect(told).to_contain_text(f"Quầy {counter.id}:")
        if changed == 0:
            expect(told).to_contain_text("không thay đổi")
        else:
            expect(told).to_contain_text(f"thay đổi {changed} lần")
            expect(told).not_to_contain_text("không thay đổi")


def test_a_staff_account_can_neither_see_nor_apply_the_plan(browser: Any, staff_url: str,
                                                            staff_broker: BrokerRole,
                                                            config: SiteConfig) -> None:
    staff = sign_in(browser, staff_url, "canbo5")
    expect(staff.get_by_role("link", name="Kế hoạch bố trí quầy")).to_have_count(0)
    response = staff.goto(staff_url + _plan(staff_broker, config))
    assert response is not None and response.status == 403
    staff.goto(staff_url + "/counter/5")  # a page of its own, with the session's form token
    token = staff.locator('meta[name="csrf-token"]').get_attribute("content")
    posted = staff.request.post(staff_url + "/admin/plan/apply", form={
        "csrf_token": token or "", "date": _today(staff_broker, config).isoformat(),
        "tickets": str(TICKETS), "block": "0"})
    assert posted.status == 403 and FORBIDDEN in posted.text()
    assert events(staff_broker, "plan_applied") == []
    staff.context.close()
