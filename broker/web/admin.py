"""The manager's office: live board, counters, statistics and reports (managers), accounts (admins)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from broker.accounts.registry import MAX_NAME, ROLE_VI, ROLES, AccountError
from broker.errors import Rejected
from broker.queue.clock_check import ahead
from broker.queue.live import local_day
from broker.queue.tickets import Outcome
from broker.reports import exports, formats, jobs, stats
from broker.reports import tables as reports
from broker.reports.pool import Readable
from broker.reports.ticket_list import ticket_table
from broker.store.db import EventRow
from broker.web.auth import current, require
from broker.web.board import board_data
from broker.web.context import accounts, broker, desk, devices, presence, report_pool
from broker.web.event_words import Words, describe
from broker.web.labels import EVENT_NAMES
from xephang.protocol import COUNTER_CLOSING, COUNTER_CLOSING_CANCELLED

admin = Blueprint("admin", __name__, url_prefix="/admin")
P = ParamSpec("P")
T = TypeVar("T")
MAX_RANGE_DAYS = 366
# Today's statistics page recounts at most this often, and only after something happened.
STATS_REFRESH_S = 15
AUDIT_ROWS = 1000  # the audit page shows at most this many events, newest first


def _me() -> str:
    account = current()
    assert account is not None
    return account.username


@admin.app_template_filter("vn_int")
def _vn_int(value: float | None) -> str:
    return formats.vn_int(value)


@admin.app_template_filter("cell")
def _cell(value: object) -> str:
    """A table cell: minutes and counts the Vietnamese way."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return formats.vn_dec(value, 1)
    if isinstance(value, int):
        return formats.vn_int(value)
    return str(value)


# -- live board ------------------------------------------------------------------------------------
@admin.get("/")
@require("manager")
def board() -> str:
    return render_template("admin_board.html", site=broker().config.site, data=_board(),
                           clock_ahead=_clock_ahead())


def _clock_ahead() -> dict[str, str] | None:
    """What the clock says and the last moment it was believed, when it jumped far past it
    (broker/queue/clock_check.py): the manager may confirm it."""
    service = broker()
    with service.queue.store.snapshot() as tx:
        now, seen = tx.now, ahead(tx)
    if seen is None:
        return None
    zone = service.config.site.zone
    return {"now": f"{now.astimezone(zone):%H:%M ngày %d/%m/%Y}",
            "seen": f"{seen.astimezone(zone):%H:%M ngày %d/%m/%Y}"}


@admin.post("/clock/confirm")
@require("manager")
def confirm_clock() -> Any:
    """The manager says the server's clock is right: numbering and the days' end go on."""
    broker().run(lambda: broker().queue.confirm_clock(_me()))
    flash("Đã xác nhận giờ máy chủ; máy chủ cấp số và kết thúc các ngày đã qua theo giờ này.", "ok")
    return redirect(url_for("admin.board"))


@admin.get("/board.json")
@require("manager")
def board_json() -> Response:
    return jsonify(_board())


def _board() -> dict[str, Any]:
    return board_data(broker(), devices(), presence())


# -- counters --------------------------------------------------------------------------------------
@admin.get("/counters")
@require("manager")
def counters_page() -> str:
    service = broker()
    return render_template("admin_counters.html", site=service.config.site, data=_board(),
                           services=service.config.services)


@admin.post("/counters/<int:counter_id>/<any(open, close):what>")
@require("manager")
def open_close(counter_id: int, what: str) -> Any:
    change = desk().open if what == "open" else desk().close
    try:
        outcome = broker().run(lambda: change(counter_id, _me()))
    except Rejected as exc:
        flash(exc.detail, "error")
    else:
        flash(_open_close_text(counter_id, what, outcome), "ok")
    return redirect(url_for("admin.counters_page"))


def _open_close_text(counter_id: int, what: str, outcome: Outcome) -> str:
    """What the manager's press did: a counter with a citizen at it closes after that citizen."""
    label = broker().config.counter_label(counter_id)
    types = {e.type: e for e in outcome.events}
    if COUNTER_CLOSING in types:
        number = types[COUNTER_CLOSING].data.get("number", "")
        return (f"{label} đang phục vụ số {number}: quầy không gọi số mới và sẽ đóng sau khi "
                "phục vụ xong công dân này.")
    if COUNTER_CLOSING_CANCELLED in types:
        return f"Đã hủy đóng quầy {counter_id}: quầy tiếp tục mở."
    return f"Đã {'mở' if what == 'open' else 'đóng'} quầy {counter_id}."


@admin.post("/counters/<int:counter_id>/services")
@require("manager")
def set_services(counter_id: int) -> Any:
    chosen = request.form.getlist("services")
    return _manager_change(lambda: desk().set_services(counter_id, chosen, _me()),
                           f"Đã đổi dịch vụ của quầy {counter_id}.")


def _manager_change(change: Any, done: str) -> Any:
    try:
        broker().run(change)
    except Rejected as exc:
        flash(exc.detail, "error")
    else:
        flash(done, "ok")
    return redirect(url_for("admin.counters_page"))


# -- audit trail -----------------------------------------------------------------------------------
@admin.get("/audit")
@require("manager")
def audit_page() -> str:
    """Who did what, when and where: one local day, narrowed by account, counter and action."""
    service, args = broker(), request.args
    zone = service.config.site.zone
    today = local_day(service.config, _now())
    try:
        day = date.fromisoformat(args.get("day") or today)
    except ValueError:
        flash("Ngày phải có dạng năm-tháng-ngày, ví dụ 2025-03-04.", "error")
        day = date.fromisoformat(today)
    start = datetime.combine(day, datetime.min.time(), zone)
    account = args.get("account") or None
    counter = int(args["counter"]) if args.get("counter", "").isdigit() else None
    action = args.get("action") if args.get("action") in EVENT_NAMES else None
    with service.queue.store.snapshot() as tx:
        rows = tx.audit_trail(start, start + timedelta(days=1), account=account, counter=counter,
                              type_=action, limit=AUDIT_ROWS)
    names = {a.username: a.label for a in accounts().all()}
    words = Words(service.config, names, day)
    return render_template("admin_audit.html", site=service.config.site, day=day.isoformat(),
                           rows=[_audit_row(e, words, zone) for e in rows], names=names,
                           account=account, counter=counter, action=action, actions=EVENT_NAMES,
                           counters=service.config.counters, limit=AUDIT_ROWS)


def _audit_row(event: EventRow, words: Words, zone: Any) -> dict[str, Any]:
    data = event.data
    who = str(data.get("account") or "")
    names = words.names
    detail = describe(data, words)
    return {"at": event.at.astimezone(zone).strftime("%H:%M:%S"),
            "what": EVENT_NAMES.get(event.type, event.type), "type": event.type,
            "who": names.get(who, who) or "Nút bấm tại quầy / thiết bị",
            "counter": event.counter or "", "number": data.get("number", ""), "detail": detail}


# -- statistics and reports ------------------------------------------------------------------------
def _days() -> tuple[str, str]:
    today = local_day(broker().config, _now())
    first = request.args.get("from") or request.args.get("day") or today
    last = request.args.get("to") or first
    problem = None
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        problem = "Ngày phải có dạng năm-tháng-ngày, ví dụ 2025-03-04."
    else:
        if end < start:
            problem = "“Đến ngày” phải sau hoặc bằng “từ ngày”."
        elif end - start > timedelta(days=MAX_RANGE_DAYS):
            problem = f"Khoảng ngày dài tối đa {MAX_RANGE_DAYS} ngày; hãy chọn khoảng ngắn hơn."
    if problem:  # refused, never silently changed: the figures shown are today's, and say so
        flash(f"{problem} Đang hiển thị số liệu hôm nay.", "error")
        return today, today
    return start.isoformat(), end.isoformat()


def _now() -> Any:
    with broker().queue.store.snapshot() as tx:
        return tx.now


def _report(first: str, last: str, job: Callable[Concatenate[Readable, P], T], *args: P.args,
            **kwargs: P.kwargs) -> T:
    """`job(store, *args)`: a single day's here (cheaper than handing it over), a longer range's
    in a report worker, so counters' commands meanwhile are answered as fast as when idle."""
    if first == last:
        return job(broker().queue.store, *args, **kwargs)
    return report_pool().run(job, *args, **kwargs)


def _names() -> dict[str, str]:
    return {a.username: a.name for a in accounts().all() if a.name}


def _stats() -> tuple[stats.Stats, list[reports.Table]]:
    service = broker()
    first, last = _days()
    result, dossiers = _report(first, last, jobs.statistics, service.config.site.zone, first, last)
    return result, reports.tables(result, service.config, _names(), dossiers)


@admin.get("/stats")
@require("manager")
def stats_page() -> str:
    """The figures of a range of days; today's alone follow the day (static/stats.js)."""
    service, now = broker(), _now()
    result, tables = _stats()
    today = local_day(service.config, now)
    return render_template("admin_stats.html", site=service.config.site, stats=result, tables=tables,
                           charts=reports.charts(result, service.config), vn_date=formats.vn_date,
                           percent=formats.percent, notes=jobs.notes(result),
                           taken=formats.clock(now, service.config.site.zone), seq=_newest_event(),
                           live=result.first_day == result.last_day == today,
                           has_today=result.last_day >= today, period=STATS_REFRESH_S)


@admin.get("/stats/changes.json")
@require("manager")
def stats_changes() -> Response:
    """The newest event's number: today's statistics page recounts only when it moved."""
    return jsonify({"seq": _newest_event()})


def _newest_event() -> int:
    with broker().queue.store.snapshot() as tx:
        return tx.last_event_seq()


@admin.get("/stats.<any(zip, xlsx):kind>")
@require("manager")
def stats_export(kind: str) -> Response:
    config = broker().config
    first, last = _days()
    title = f"{config.site.name} — thống kê {_span(first, last)}"
    body = _report(first, last, jobs.download, config, _names(), first, last, kind, title)
    return _file(kind, body, exports.filename("thong-ke", first, last, kind))


@admin.get("/tickets.<any(zip, xlsx):kind>")
@require("manager")
def tickets_export(kind: str) -> Any:
    """Every ticket of one day (`day`), while the day's tickets are kept."""
    service = broker()
    day, _ = _days()
    with service.queue.store.reading() as tx:
        tickets = tx.issued_between(day, day)
        events = tx.ticket_events_between(day, day)
        reduced = not tickets and bool(tx.closed_days(day, day))
    if reduced:
        flash(f"Ngày {formats.vn_date(day)} đã quá thời hạn lưu trữ "
              f"({service.config.retention.days} ngày): chỉ còn số liệu tổng hợp, không còn "
              "danh sách vé.", "error")
        return redirect(url_for("admin.stats_page", day=day))
    table = ticket_table(tickets, events, service.config, _names())
    title = f"{service.config.site.name} — danh sách vé ngày {formats.vn_date(day)}"
    return _download(kind, [table], title, [], exports.filename("danh-sach-ve", day, day, kind))


def _download(kind: str, tables: list[reports.Table], title: str, notes: list[str],
              name: str) -> Response:
    return _file(kind, jobs.file_body(kind, tables, title, notes), name)


def _file(kind: str, body: bytes, name: str) -> Response:
    mimetype = ("application/zip" if kind == "zip" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _span(first_day: str, last_day: str) -> str:
    if first_day == last_day:
        return f"ngày {formats.vn_date(first_day)}"
    return f"từ {formats.vn_date(first_day)} đến {formats.vn_date(last_day)}"


@admin.get("/report")
@require("manager")
def daily_report() -> str:
    result, tables = _stats()
    service = broker()
    span = _span(result.first_day, result.last_day)
    return render_template("admin_report.html", site=service.config.site, stats=result,
                           tables=tables, charts=reports.charts(result, service.config),
                           span=span, printed=formats.clock(_now(), service.config.site.zone),
                           printed_day=formats.vn_date(local_day(service.config, _now())),
                           percent=formats.percent, me=current(), notes=jobs.notes(result))


# -- accounts --------------------------------------------------------------------------------------
@admin.get("/accounts")
@require("admin")
def accounts_page() -> str:
    service = broker()
    return render_template("admin_accounts.html", site=service.config.site,
                           accounts=accounts().all(), roles=ROLES, role_vi=ROLE_VI,
                           counters=service.config.counters, max_name=MAX_NAME)


@admin.post("/accounts")
@require("admin")
def create_account() -> Any:
    form = request.form
    return _account_change(lambda: accounts().create(
        form.get("username", ""), form.get("password", ""), form.get("role", ""),
        name=form.get("name", ""), counters=_chosen_counters(), by=_me())[1],
        f"Đã tạo tài khoản {form.get('username', '').strip().lower()}.")


def _chosen_counters() -> tuple[int, ...]:
    """The form's ticked counters that exist, in the site's order."""
    ticked = set(request.form.getlist("counters"))
    return tuple(c.id for c in broker().config.counters if str(c.id) in ticked)


@admin.post("/accounts/<username>/edit")
@require("admin")
def edit_account(username: str) -> Any:
    form = request.form
    return _account_change(lambda: accounts().edit(
        username, name=form.get("name", ""), role=form.get("role", ""),
        counters=_chosen_counters(), by=_me()), f"Đã lưu tài khoản {username}.")


@admin.post("/accounts/<username>/remove")
@require("admin")
def remove_account(username: str) -> Any:
    return _account_change(lambda: accounts().remove(username, by=_me()),
                           f"Đã xóa tài khoản {username}.")


@admin.post("/accounts/<username>/<any(disable, enable, reset):what>")
@require("admin")
def change_account(username: str, what: str) -> Any:
    if what == "reset":
        return _account_change(lambda: accounts().reset_password(
            username, request.form.get("password", ""), by=_me()),
            f"Đã đặt lại mật khẩu cho {username}.")
    return _account_change(lambda: accounts().set_active(username, what == "enable", by=_me()),
                           f"Đã {'mở khóa' if what == 'enable' else 'khóa'} tài khoản {username}.")


def _account_change(change: Any, done: str) -> Any:
    try:
        broker().run(lambda: Outcome(None, [change()]))
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("admin.accounts_page"))
