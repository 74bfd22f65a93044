"""The manager's "Kế hoạch bố trí quầy": a day's staffing plan beside today's assignment, computed
in the background (it takes seconds) and kept per date and ticket count; one press applies a block
of it to the counters (broker/queue/manager.py `apply_plan`, audited). A counter the block closes
while a citizen is at it closes after that citizen; the page says which ones are still to close."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from broker.errors import Rejected
from broker.queue.live import local_day
from broker.reports.formats import vn_date
from broker.web.auth import current, require
from broker.web.context import broker, desk, plans
from broker.web.plans import Key
from planning.dates import closed_day_note, next_workday, past_note, refusal
from planning.plan import Plan
from planning.report import plan_view, stale_text
from xephang.protocol import COUNTER_CLOSING

log = logging.getLogger(__name__)
plan_page = Blueprint("plan", __name__, url_prefix="/admin/plan")
MAX_TICKETS = 100_000


def _key() -> Key | None:
    """The date and ticket count asked for (the next working day and the learned count by
    default); None, with a message, for a bad one."""
    values = request.values
    try:
        day = date.fromisoformat(values.get("date") or _default_day())
    except ValueError:
        flash("Ngày phải có dạng năm-tháng-ngày, ví dụ 2025-03-04.", "error")
        return None
    refused = refusal(day, _today())
    if refused:
        flash(refused, "error")
        return None
    text = (values.get("tickets") or "").strip()
    if not text:
        return day.isoformat(), None
    if not text.isdigit() or not 1 <= int(text) <= MAX_TICKETS:
        flash(f"Số lượt dự kiến phải là số nguyên từ 1 đến {MAX_TICKETS:,}.".replace(",", "."),
              "error")
        return None
    return day.isoformat(), int(text)


def _now() -> datetime:
    with broker().queue.store.snapshot() as tx:
        return tx.now


def _today() -> date:
    return date.fromisoformat(local_day(broker().config, _now()))


def _default_day() -> str:
    """Today while the center works today, else its next working day."""
    return next_workday(broker().config, _now()).isoformat()


@plan_page.get("/")
@require("manager")
def page() -> str:
    service = broker()
    key = _key() or (_default_day(), None)
    made = plans().get(service, key)
    view, failed, stale = None, False, ""
    if made.done():
        try:
            plan = made.result()
        except Exception:  # a plan that failed is shown as failed, and can be made again
            log.exception("the plan for %s failed", key)
            failed = True
        else:
            view = plan_view(plan, service.config)
            stale = _stale(plan)
    day, today = date.fromisoformat(key[0]), _today()
    return render_template("admin_plan.html", site=service.config.site, day=key[0],
                           day_vi=vn_date(key[0]), tickets=key[1], view=view, failed=failed,
                           stale=stale, past=past_note(day, today), closed=closed_day_note(day),
                           is_today=day == today,
                           today_vi=vn_date(today), closing=closing_text(_closing()))


def _closing() -> list[str]:
    """Counters that close once their current citizen is done: "Quầy 3 (số 1012)"."""
    said = []
    with broker().queue.store.snapshot() as tx:
        for row in tx.counters():
            ticket = tx.ticket(row.ticket) if row.closing is not None else None
            if ticket is not None:
                said.append(f"{broker().config.counter_label(row.id)} (số {ticket.number})")
    return said


def closing_text(counters: list[str]) -> str:
    """What the page says of counters closing after their citizen ("" for none)."""
    if not counters:
        return ""
    return (f"{', '.join(counters)}: đang phục vụ công dân nên chưa đóng ngay — không gọi số mới "
            "và sẽ đóng sau khi phục vụ xong công dân hiện tại.")


def _stale(plan: Plan) -> str:
    """Why the plan is out of date ("" when it is not): the counters' services now (the site file
    with the manager's changes, as the queue calls by) against those it was made for."""
    service = broker()
    now = {c.id: c.services for c in service.queue.config.counters}
    changed = plan.changed_since(now)
    return stale_text(changed, service.config) if changed else ""


@plan_page.post("/apply")
@require("manager")
def apply() -> Any:
    key = _key()
    if key is None:
        return redirect(url_for("plan.page"))
    back = redirect(url_for("plan.page", date=key[0], tickets=key[1]))
    if key[0] != _today().isoformat():
        flash(f"Kế hoạch này lập cho ngày {vn_date(key[0])}, không phải hôm nay "
              f"({vn_date(_today())}): chỉ áp dụng được kế hoạch của hôm nay.", "error")
        return back
    made = plans().get(broker(), key)
    if not made.done():
        flash("Kế hoạch đang được lập; vui lòng chờ rồi áp dụng.", "error")
        return back
    plan = made.result()
    block = request.form.get("block", "")
    if not block.isdigit() or int(block) >= len(plan.schedule.blocks):
        flash("Không có khung giờ này trong kế hoạch.", "error")
        return back
    index = int(block)
    label = plan.schedule.blocks[index].label(broker().config.site.opens)
    cells = {c: list(s) for c, s in plan.schedule.in_block(index).items()}
    account = current()
    assert account is not None
    try:
        outcome = broker().run(lambda: desk().apply_plan(cells, label, account.username))
    except Rejected as exc:
        flash(exc.detail, "error")
    else:
        opened = sum(1 for s in cells.values() if s)
        waiting = [f"{broker().config.counter_label(e.counter or 0)} (số {e.data.get('number')})"
                   for e in outcome.events if e.type == COUNTER_CLOSING]
        flash(f"Đã áp dụng kế hoạch khung {label}: {opened} quầy mở, "
              f"{len(cells) - opened} quầy đóng. {closing_text(waiting)}".strip(), "ok")
    return back


@plan_page.post("/again")
@require("manager")
def again() -> Any:
    key = _key()
    if key is not None:
        plans().forget(key)
        return redirect(url_for("plan.page", date=key[0], tickets=key[1]))
    return redirect(url_for("plan.page"))
