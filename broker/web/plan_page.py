"""The manager's "Kế hoạch bố trí quầy": a day's staffing plan beside today's assignment, computed
in the background (it takes seconds) and kept per date and ticket count; one press applies a block
of it to the counters (broker/queue/manager.py `apply_plan`, audited)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from broker.errors import Rejected
from broker.queue.live import local_day
from broker.reports.formats import vn_date
from broker.web.auth import current, require
from broker.web.context import broker, desk, plans
from broker.web.plans import Key
from planning.plan import Plan
from planning.report import plan_view, stale_text

log = logging.getLogger(__name__)
plan_page = Blueprint("plan", __name__, url_prefix="/admin/plan")
MAX_TICKETS = 100_000


def _key() -> Key | None:
    """The date and ticket count asked for (today and the learned count by default); None, with a
    message, for a bad one."""
    values = request.values
    try:
        day = date.fromisoformat(values.get("date") or _today()).isoformat()
    except ValueError:
        flash("Ngày phải có dạng năm-tháng-ngày, ví dụ 2025-03-04.", "error")
        return None
    text = (values.get("tickets") or "").strip()
    if not text:
        return day, None
    if not text.isdigit() or not 1 <= int(text) <= MAX_TICKETS:
        flash(f"Số lượt dự kiến phải là số nguyên từ 1 đến {MAX_TICKETS:,}.".replace(",", "."),
              "error")
        return None
    return day, int(text)


def _today() -> str:
    service = broker()
    with service.queue.store.snapshot() as tx:
        return local_day(service.config, tx.now)


@plan_page.get("/")
@require("manager")
def page() -> str:
    service = broker()
    key = _key() or (_today(), None)
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
    return render_template("admin_plan.html", site=service.config.site, day=key[0],
                           day_vi=vn_date(key[0]), tickets=key[1], view=view, failed=failed,
                           stale=stale)


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
    made = plans().get(broker(), key)
    back = redirect(url_for("plan.page", date=key[0], tickets=key[1]))
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
        broker().run(lambda: desk().apply_plan(cells, label, account.username))
    except Rejected as exc:
        flash(exc.detail, "error")
    else:
        opened = sum(1 for s in cells.values() if s)
        flash(f"Đã áp dụng kế hoạch khung {label}: {opened} quầy mở, "
              f"{len(cells) - opened} quầy đóng.", "ok")
    return back


@plan_page.post("/again")
@require("manager")
def again() -> Any:
    key = _key()
    if key is not None:
        plans().forget(key)
        return redirect(url_for("plan.page", date=key[0], tickets=key[1]))
    return redirect(url_for("plan.page"))
