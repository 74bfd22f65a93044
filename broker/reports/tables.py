"""Statistics as tables (one shape for the page, CSV and Excel: broker/reports/exports.py) and
the charts of the report.

Times are in minutes with two decimals in exports, so a spreadsheet can sum and average them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from broker.reports.charts import Series, bars
from broker.reports.figures import BUTTON
from broker.reports.formats import vn_date
from broker.reports.stats import Stats, Summary
from broker.store.figures import DossierRating
from xephang.config import SiteConfig
from xephang.labels import RATING_NAMES
from xephang.protocol import EXPIRED, RATINGS

Cell = str | int | float | None
TIMES = ("TB", "trung vị", "P90")


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    note: str = ""  # what the reader must know to read it right (shown under the title)


def _m(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _times(summary: Summary | None) -> list[Cell]:
    if summary is None:
        return [None, None, None]
    return [_m(summary.mean), _m(summary.median), _m(summary.p90)]


def _time_header(what: str) -> list[str]:
    return [f"{what} {kind} (phút)" for kind in TIMES]


# How a visit ended (broker/reports/stats.py ENDINGS) and the line's other flows, as headings.
# `expired`: the day ended (xephang/protocol.py EXPIRED) on a ticket at a counter or still in line.
ENDING_NAMES = {"done": "Đã phục vụ", "no_show": "Vắng mặt", "transferred": "Chuyển đi",
                "returning": "Đi bổ sung giấy tờ", EXPIRED: "Hết giờ, còn ở quầy",
                "at_counter": "Đang ở quầy"}
ENTRY_NAMES = {"transferred_in": "Được chuyển đến", "returned": "Quay lại sau bổ sung giấy tờ"}
UNCALLED_NAMES = {"waiting": "Chưa được gọi", EXPIRED: "Hết giờ, chưa được gọi",
                  "cancelled": "Đã hủy"}
ISSUED, ENTERED, CALLS = "Số phát", "Tổng vào hàng", "Lượt gọi"
# The identities every row satisfies, as the page, the printed report and the exports state them.
IDENTITIES = (
    f"Mỗi dòng dịch vụ: {ISSUED} + {' + '.join(ENTRY_NAMES.values())} = {ENTERED} = "
    f"{' + '.join([*ENDING_NAMES.values(), *UNCALLED_NAMES.values()])}.",
    f"Mỗi dòng quầy và cán bộ: {CALLS} = {' + '.join(ENDING_NAMES.values())}.",
)
# Why the day-end columns exist (broker/queue/day_end.py), said under the identities.
DAY_END_NOTE = (
    "Số thứ tự chỉ có giá trị trong ngày cấp: vé còn chờ hoặc còn ở quầy lúc hết ngày (24 giờ) được "
    f"kết thúc cùng ngày đó, ở cột “{UNCALLED_NAMES[EXPIRED]}” hoặc “{ENDING_NAMES[EXPIRED]}”; vé "
    f"đang đi bổ sung giấy tờ mà không quay lại vẫn tính ở cột “{ENDING_NAMES['returning']}”.")


def _endings(endings: Counter[str] | None) -> list[Cell]:
    return [(endings or Counter[str]()).get(name, 0) for name in ENDING_NAMES]


def _service_flow(issued: int, flows: Counter[str], endings: Counter[str] | None) -> list[Cell]:
    entries = [flows.get(name, 0) for name in ENTRY_NAMES]
    return [issued, *entries, issued + sum(entries), *_endings(endings),
            *(flows.get(name, 0) for name in UNCALLED_NAMES)]


def service_table(stats: Stats, config: SiteConfig) -> Table:
    header = ["Mã", "Dịch vụ", ISSUED, *ENTRY_NAMES.values(), ENTERED, *ENDING_NAMES.values(),
              *UNCALLED_NAMES.values(), "Phát ngoại tuyến", *_time_header("Chờ"),
              *_time_header("Phục vụ"), "Mục tiêu chờ (phút)", *RATING_NAMES.values()]
    rows: list[list[Cell]] = []
    for service in config.services:
        code, ratings = service.code, stats.ratings.get(service.code, Counter[str]())
        rows.append([code, service.name, *_service_flow(stats.issued[code],
                                                         stats.flows.get(code, Counter[str]()),
                                                         stats.endings.get(code)),
                     stats.offline[code], *_times(stats.wait.get(code)),
                     *_times(stats.service_time.get(code)), service.target_wait_min,
                     *(ratings.get(r, 0) for r in RATINGS)])
    total = stats.ratings.get("*", Counter[str]())
    rows.append(["", "Tổng cộng", *_service_flow(stats.total_issued,
                                                 stats.flows.get("*", Counter[str]()),
                                                 stats.endings.get("*")),
                 sum(stats.offline.values()), *_times(stats.wait.get("*")),
                 *_times(stats.service_time.get("*")), None, *(total.get(r, 0) for r in RATINGS)])
    return Table("Dịch vụ", header, rows)


def hour_table(stats: Stats) -> Table:
    hours = sorted(set(stats.issued_by_hour) | set(stats.served_by_hour) | set(stats.wait_by_hour))
    rows: list[list[Cell]] = [[f"{h:02d}:00", stats.issued_by_hour[h], stats.served_by_hour[h],
                               *_times(stats.wait_by_hour.get(h))] for h in hours]
    return Table("Theo giờ", ["Giờ", ISSUED, "Đã phục vụ", *_time_header("Chờ")], rows)


def counter_table(stats: Stats, config: SiteConfig) -> Table:
    rows: list[list[Cell]] = []
    for counter in config.counters:
        wait = stats.counter_wait.get(counter.id)
        served = stats.counter_service.get(counter.id)
        ratings = stats.counter_ratings.get(counter.id, Counter[str]())
        rows.append([counter.label, wait.count if wait else 0,
                     *_endings(stats.counter_endings.get(counter.id)), *_times(wait),
                     *_times(served), *(ratings.get(r, 0) for r in RATINGS)])
    header = ["Quầy", CALLS, *ENDING_NAMES.values(), *_time_header("Chờ"),
              *_time_header("Phục vụ"), *RATING_NAMES.values()]
    return Table("Quầy", header, rows)


def _satisfied(ratings: Counter[str]) -> float | None:
    """The share of ratings that are satisfied or very satisfied, in percent (QĐ 766/QĐ-TTg)."""
    total = sum(ratings.values())
    if not total:
        return None
    return round(100 * (ratings["very_satisfied"] + ratings["satisfied"]) / total, 1)


def staff_table(stats: Stats, names: Mapping[str, str] | None = None) -> Table:
    """One row per staff account, its person's name first (the username for one without): its
    calls and how they ended, times, and the ratings of the visits it served."""
    rows: list[list[Cell]] = []
    known = names or {}
    for account in sorted(set(stats.staff_wait) | set(stats.staff_ratings)):
        wait, served = stats.staff_wait.get(account), stats.staff_service.get(account)
        ratings = stats.staff_ratings.get(account, Counter[str]())
        rows.append([known.get(account) or account, account, wait.count if wait else 0,
                     *_endings(stats.staff_endings.get(account)), *_times(wait), *_times(served),
                     *(ratings.get(r, 0) for r in RATINGS), sum(ratings.values()),
                     _satisfied(ratings)])
    header = ["Cán bộ", "Tài khoản", CALLS, *ENDING_NAMES.values(), *_time_header("Chờ"),
              *_time_header("Phục vụ"), *RATING_NAMES.values(), "Số lượt đánh giá",
              "Tỷ lệ hài lòng (%)"]
    return Table("Cán bộ", header, rows)


def dossier_table(dossiers: Sequence[DossierRating], config: SiteConfig,
                  names: Mapping[str, str] | None = None) -> Table:
    """Ratings by the dossier code scanned at the kiosk, with the official who served."""
    known, services = names or {}, {s.code: s.name for s in config.services}
    rated: dict[str, str] = {str(k): v for k, v in RATING_NAMES.items()}
    rows: list[list[Cell]] = [
        [d.dossier_code, vn_date(d.day), d.number, services.get(d.service, d.service), d.counter,
         known.get(d.account or "") or d.account or BUTTON, rated.get(d.rating, d.rating)]
        for d in dossiers]
    note = (f"Chỉ có cho các ngày còn lưu vé ({config.retention.days} ngày gần nhất): mã hồ sơ "
            "là dữ liệu cá nhân, bị xóa cùng vé khi hết thời hạn lưu trữ.")
    return Table("Đánh giá theo hồ sơ", ["Mã hồ sơ", "Ngày", "Số", "Dịch vụ", "Quầy", "Cán bộ",
                                         "Đánh giá"], rows, note)


def tables(stats: Stats, config: SiteConfig, names: Mapping[str, str] | None = None,
           dossiers: Sequence[DossierRating] = ()) -> list[Table]:
    """The report's tables; `names` gives each staff account's person (username -> name)."""
    return [service_table(stats, config), hour_table(stats), counter_table(stats, config),
            staff_table(stats, names), dossier_table(dossiers, config, names)]


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


def as_dict(table: Table) -> dict[str, Any]:
    return {"title": table.title, "header": table.header, "rows": table.rows}
