"""The board's pages: the city today, a center's day, daily and monthly reports (with Excel), and
the centers compared."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, render_template, request

from broker.reports.exports import to_xlsx
from broker.reports.formats import vn_date, vn_dec, vn_int
from city.board import labels
from city.board.auth import signed_in
from city.board.devices import open_troubles
from city.board.overview import TodayCache, overview_row
from city.board.periods import Periods
from city.board.queries import BoardDb, Center
from city.board.reports import (
    RANKINGS,
    per_center,
    per_counter,
    per_day,
    per_hour,
    per_service,
    ranking,
)
from city.board.settings import BoardSection
from xephang.web import shared

board = Blueprint("board", __name__)
MAX_RANGE_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _db() -> BoardDb:
    return shared("city_db", BoardDb)


def _periods() -> Periods:
    return shared("city_periods", Periods)


def _section() -> BoardSection:
    return shared("city_board", BoardSection)


@board.app_template_filter("cell")
def _cell(value: object) -> str:
    return sheets_cell(value)


def sheets_cell(value: object) -> str:
    """A table cell the Vietnamese way: 1.234 · 12,5 · — for nothing."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return vn_dec(value, 1)
    if isinstance(value, int):
        return vn_int(value)
    return str(value)


# -- the city today --------------------------------------------------------------------------------
@board.get("/")
@signed_in
def overview() -> str:
    periods = _periods()
    now = periods.clock()
    days, summed = shared("city_today", TodayCache).latest()
    troubles = open_troubles(periods.db)
    rows = [overview_row(today, now, _section(), troubles.get(today.center.site, ()))
            for today in days]
    return render_template("overview.html", rows=rows, day=vn_date(periods.today),
                           at=summed.astimezone(periods.zone).strftime("%H:%M:%S"),
                           lost=sum(row.late for row in rows), stale_min=_section().stale_after_min)


# -- one center's day ------------------------------------------------------------------------------
@board.get("/center/<site>")
@signed_in
def center_day(site: str) -> str:
    center = _center(site)
    periods = _periods()
    day = _day_arg(periods.today)
    figures = periods.center_days(site, day, day).get(day)
    tables = [] if figures is None else [per_hour(figures), per_service(figures), per_counter(figures)]
    return render_template("center_day.html", center=center, day=day, day_vi=vn_date(day),
                           figures=figures, tables=tables, today=day == periods.today,
                           previous=day - timedelta(days=1), next=day + timedelta(days=1))


def _center(site: str) -> Center:
    for center in _db().centers():
        if center.site == site:
            return center
    abort(404, labels.UNKNOWN_CENTER.format(site=site))


def _day_arg(today: date) -> date:
    try:
        return date.fromisoformat(request.args.get("day") or today.isoformat())
    except ValueError:
        flash(f"{labels.BAD_DAY} {labels.SHOWING_TODAY}", "error")
        return today


def _month_arg(today: date) -> tuple[date, date]:
    text = request.args.get("month") or today.strftime("%Y-%m")
    try:
        first = date.fromisoformat(text + "-01")
    except ValueError:
        flash(f"{labels.BAD_MONTH} {labels.SHOWING_MONTH}", "error")
        first = today.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


# -- daily and monthly reports ---------------------------------------------------------------------
def _report() -> dict[str, Any]:
    """The report the arguments ask for: a day (`day`) or a month (`month`), of one center
    (`site`) or of the city."""
    periods = _periods()
    monthly = request.args.get("period") != "day"
    first, last = _month_arg(periods.today) if monthly else (_day_arg(periods.today),) * 2
    site = request.args.get("site") or None
    center = _center(site) if site else None
    span = f"tháng {first:%m/%Y}" if monthly else f"ngày {vn_date(first)}"
    title = f"{center.name if center else 'Toàn thành phố'} — báo cáo {span}"
    if center is None:
        tables = [per_center(periods.city_spans(_db().centers(), first, last))]
        _say_closed_days(first, last)
    elif monthly:
        days = periods.center_days(center.site, first, last)
        merged = periods.center_span(center.site, first, last)
        tables = [per_day(days), per_service(merged)]
    else:
        figures = periods.center_span(center.site, first, last)
        tables = [per_service(figures), per_hour(figures), per_counter(figures)]
    return {"title": title, "tables": tables, "monthly": monthly, "first": first, "site": site,
            "centers": _db().centers(), "filename": f"bao-cao-{site or 'thanh-pho'}-"
            f"{first:%Y-%m}{'' if monthly else first.strftime('-%d')}.xlsx"}


def _say_closed_days(first: date, last: date) -> None:
    """When the span reaches today: the city's figures stop at yesterday, and the page says so."""
    until = _periods().closed_until(last)
    if until < last:
        flash(labels.CLOSED_DAYS_ONLY.format(day=vn_date(until)) if until >= first
              else labels.NO_CLOSED_DAY, "info")


@board.get("/report")
@signed_in
def report() -> str:
    return render_template("report.html", **_report())


@board.get("/report.xlsx")
@signed_in
def report_xlsx() -> Response:
    found = _report()
    return _xlsx(to_xlsx(found["tables"], found["title"]), found["filename"])


def _xlsx(body: bytes, name: str) -> Response:
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- centers compared ------------------------------------------------------------------------------
def _comparison() -> dict[str, Any]:
    periods = _periods()
    first, last = _range_arg(periods.today)
    chosen = request.args.get("by", "")
    by = chosen if chosen in RANKINGS else "wait"
    spans = periods.city_spans(_db().centers(), first, last)
    _say_closed_days(first, last)
    span = vn_date(first) if first == last else f"{vn_date(first)} – {vn_date(last)}"
    return {"table": ranking(spans, by), "by": by, "rankings": RANKINGS, "first": first,
            "last": last, "title": f"So sánh các trung tâm, {span}",
            "filename": f"so-sanh-{first.isoformat()}_{last.isoformat()}.xlsx"}


def _range_arg(today: date) -> tuple[date, date]:
    """`from`/`to` (default: this month up to today), refused when reversed or too long."""
    try:
        first = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        last = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        flash(f"{labels.BAD_DAY} {labels.SHOWING_MONTH}", "error")
        return today.replace(day=1), today
    if last < first or (last - first).days > MAX_RANGE_DAYS:
        flash(f"{labels.BAD_RANGE.format(days=MAX_RANGE_DAYS)} {labels.SHOWING_MONTH}", "error")
        return today.replace(day=1), today
    return first, last


@board.get("/compare")
@signed_in
def compare() -> str:
    return render_template("compare.html", **_comparison())


@board.get("/compare.xlsx")
@signed_in
def compare_xlsx() -> Response:
    found = _comparison()
    return _xlsx(to_xlsx([found["table"]], found["title"]), found["filename"])
