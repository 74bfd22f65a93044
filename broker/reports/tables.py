"""Statistics as tables (one shape for the page, CSV and Excel) and the charts of the report.

Times are in minutes with two decimals in exports, so a spreadsheet can sum and average them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from broker.reports.charts import Series, bars
from broker.reports.stats import Stats, Summary
from xephang.config import SiteConfig
from xephang.labels import RATING_NAMES
from xephang.protocol import RATINGS

Cell = str | int | float | None
TIMES = ("TB", "trung vị", "P90")


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]


def _m(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _times(summary: Summary | None) -> list[Cell]:
    if summary is None:
        return [None, None, None]
    return [_m(summary.mean), _m(summary.median), _m(summary.p90)]


def _time_header(what: str) -> list[str]:
    return [f"{what} {kind} (phút)" for kind in TIMES]


def service_table(stats: Stats, config: SiteConfig) -> Table:
    header = ["Mã", "Dịch vụ", "Số phát", "Phát ngoại tuyến", "Đã phục vụ", "Vắng mặt",
              *_time_header("Chờ"), *_time_header("Phục vụ"), "Mục tiêu chờ (phút)",
              *RATING_NAMES.values()]
    rows: list[list[Cell]] = []
    for service in config.services:
        code, ratings = service.code, stats.ratings.get(service.code, Counter[str]())
        rows.append([code, service.name, stats.issued[code], stats.offline[code], stats.served[code],
                     stats.no_show[code], *_times(stats.wait.get(code)),
                     *_times(stats.service_time.get(code)), service.target_wait_min,
                     *(ratings.get(r, 0) for r in RATINGS)])
    total = stats.ratings.get("*", Counter[str]())
    rows.append(["", "Tổng cộng", stats.total_issued, sum(stats.offline.values()),
                 stats.total_served, sum(stats.no_show.values()), *_times(stats.wait.get("*")),
                 *_times(stats.service_time.get("*")), None, *(total.get(r, 0) for r in RATINGS)])
    return Table("Dịch vụ", header, rows)


def hour_table(stats: Stats) -> Table:
    hours = sorted(set(stats.issued_by_hour) | set(stats.served_by_hour) | set(stats.wait_by_hour))
    rows: list[list[Cell]] = [[f"{h:02d}:00", stats.issued_by_hour[h], stats.served_by_hour[h],
                               *_times(stats.wait_by_hour.get(h))] for h in hours]
    return Table("Theo giờ", ["Giờ", "Số phát", "Đã phục vụ", *_time_header("Chờ")], rows)


def counter_table(stats: Stats, config: SiteConfig) -> Table:
    rows: list[list[Cell]] = []
    for counter in config.counters:
        wait = stats.counter_wait.get(counter.id)
        served = stats.counter_service.get(counter.id)
        ratings = stats.counter_ratings.get(counter.id, Counter[str]())
        rows.append([counter.label, wait.count if wait else 0, served.count if served else 0,
                     *_times(wait), *_times(served), *(ratings.get(r, 0) for r in RATINGS)])
    header = ["Quầy", "Lượt gọi", "Lượt phục vụ xong", *_time_header("Chờ"),
              *_time_header("Phục vụ"), *RATING_NAMES.values()]
    return Table("Quầy", header, rows)


def staff_table(stats: Stats, names: Mapping[str, str] | None = None) -> Table:
    """One row per staff account, its person's name first (the username for one without)."""
    rows: list[list[Cell]] = []
    known = names or {}
    for account in sorted(stats.staff_wait):
        wait, served = stats.staff_wait[account], stats.staff_service.get(account)
        rows.append([known.get(account) or account, account, wait.count,
                     served.count if served else 0, *_times(wait), *_times(served)])
    header = ["Cán bộ", "Tài khoản", "Lượt gọi", "Lượt phục vụ xong", *_time_header("Chờ"),
              *_time_header("Phục vụ")]
    return Table("Cán bộ", header, rows)


def tables(stats: Stats, config: SiteConfig,
           names: Mapping[str, str] | None = None) -> list[Table]:
    """The report's tables; `names` gives each staff account's person (username -> name)."""
    return [service_table(stats, config), hour_table(stats), counter_table(stats, config),
            staff_table(stats, names)]


def to_csv(all_tables: Sequence[Table], title: str) -> bytes:
    """One file, the tables one after another; a BOM so Excel opens the Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    for table in all_tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(all_tables: Sequence[Table], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in all_tables:
        sheet = book.create_sheet(table.title)
        sheet.append([title])
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def charts(stats: Stats, config: SiteConfig) -> dict[str, Markup]:
    hours = sorted(set(stats.issued_by_hour) | set(stats.served_by_hour)) or [8]
    labels = [f"{h}h" for h in hours]
    waits = [(stats.wait_by_hour[h].mean or 0) / 60 if h in stats.wait_by_hour else 0 for h in hours]
    load = [stats.counter_service[c.id].count if c.id in stats.counter_service else 0
            for c in config.counters]
    return {
        "by_hour": bars(labels, [Series("Số phát", [stats.issued_by_hour[h] for h in hours]),
                                 Series("Đã phục vụ", [stats.served_by_hour[h] for h in hours])],
                        "Số vé theo giờ", "vé", counts=True),
        "wait_by_hour": bars(labels, [Series("Chờ trung bình", waits)],
                             "Thời gian chờ trung bình theo giờ gọi", "phút"),
        "counter_load": bars([str(c.id) for c in config.counters],
                             [Series("Lượt phục vụ xong", load)], "Lượt phục vụ theo quầy", "lượt",
                             counts=True),
    }


def filename(first_day: str, last_day: str, ext: str) -> str:
    span = first_day if first_day == last_day else f"{first_day}_{last_day}"
    return f"thong-ke-{span}.{ext}"


def as_dict(table: Table) -> dict[str, Any]:
    return {"title": table.title, "header": table.header, "rows": table.rows}
