"""The board's reports as tables (one shape for the page and the Excel file, broker/reports' `Table`):
a center's day, a center's month, the city's day or month (one row per center), and the ranking of
centers. Times are minutes with two decimals, so a spreadsheet can sum and average them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from broker.reports.tables import Cell, Table
from city.board.day import DayFigures
from city.board.figures import Tally
from city.board.queries import Center
from xephang.labels import RATING_NAMES
from xephang.protocol import RATINGS

FIGURES = ["Số phát", "Đã phục vụ", "Vắng mặt", "Chờ TB (phút)", "Chờ P90 (phút)",
           "Phục vụ TB (phút)", *RATING_NAMES.values(), "Hài lòng (%)"]


def _m(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def satisfied_share(tally: Tally) -> float | None:
    """Of the ratings given, the share "very satisfied" or "satisfied", in percent."""
    rated = tally.rated
    if not rated:
        return None
    good = tally.ratings.get("very_satisfied", 0) + tally.ratings.get("satisfied", 0)
    return round(100 * good / rated, 1)


def figures_row(tally: Tally) -> list[Cell]:
    return [tally.issued, tally.served, tally.no_show, _m(tally.wait.mean_s), _m(tally.wait.p90_s),
            _m(tally.service.mean_s), *(tally.ratings.get(r, 0) for r in RATINGS),
            satisfied_share(tally)]


def per_hour(day: DayFigures) -> Table:
    rows = [[f"{hour:02d}:00", *figures_row(day.hours[hour])] for hour in sorted(day.hours)]
    return Table("Theo giờ", ["Giờ", *FIGURES], rows)


def per_service(day: DayFigures) -> Table:
    rows = [[code, *figures_row(day.services[code])] for code in sorted(day.services)]
    rows.append(["Tổng cộng", *figures_row(day.total)])
    return Table("Theo dịch vụ", ["Dịch vụ", *FIGURES], rows)


def per_counter(day: DayFigures) -> Table:
    rows: list[list[Cell]] = []
    for number in sorted(day.counters):
        tally = day.counters[number]
        hours = tally.open_s / 3600
        rows.append([f"Quầy {number}", round(hours, 2), *figures_row(tally)[1:],
                     round(tally.served / hours, 2) if hours else None])
    return Table("Theo quầy", ["Quầy", "Giờ mở quầy", *FIGURES[1:], "Phục vụ mỗi giờ quầy"], rows)


def per_day(days: Mapping[date, DayFigures]) -> Table:
    """One row per day with events, then the whole span."""
    rows: list[list[Cell]] = [[day.strftime("%d/%m/%Y"), *figures_row(figures.total),
                               round(figures.counter_hours, 2)]
                              for day, figures in sorted(days.items()) if figures.events]
    total = DayFigures()
    for figures in days.values():
        total.merge(figures)
    rows.append(["Tổng cộng", *figures_row(total.total), round(total.counter_hours, 2)])
    return Table("Theo ngày", ["Ngày", *FIGURES, "Giờ mở quầy"], rows)


@dataclass(frozen=True)
class CenterSpan:
    """One center's figures over the report's days."""

    center: Center
    figures: DayFigures

    @property
    def per_counter_hour(self) -> float | None:
        hours = self.figures.counter_hours
        return round(self.figures.total.served / hours, 2) if hours else None


def per_center(spans: Sequence[CenterSpan]) -> Table:
    rows: list[list[Cell]] = [[s.center.name, s.center.site, *figures_row(s.figures.total),
                               round(s.figures.counter_hours, 2), s.per_counter_hour] for s in spans]
    city = DayFigures()
    for span in spans:
        city.merge(span.figures)
    hours = city.counter_hours
    rows.append(["Toàn thành phố", "", *figures_row(city.total), round(hours, 2),
                 round(city.total.served / hours, 2) if hours else None])
    return Table("Theo trung tâm", ["Trung tâm", "Mã", *FIGURES, "Giờ mở quầy",
                                    "Phục vụ mỗi giờ quầy"], rows)


RANKINGS = {
    "wait": "Thời gian chờ trung bình (thấp nhất trước)",
    "rating": "Tỷ lệ hài lòng (cao nhất trước)",
    "productivity": "Lượt phục vụ mỗi giờ quầy (cao nhất trước)",
}


def ranked(spans: Sequence[CenterSpan], by: str) -> list[CenterSpan]:
    """Centers best first by the chosen measure; those without the figure last."""
    def key(span: CenterSpan) -> tuple[bool, float]:
        total = span.figures.total
        value = {"wait": total.wait.mean_s, "rating": satisfied_share(total),
                 "productivity": span.per_counter_hour}[by]
        if value is None:
            return (True, 0.0)
        return (False, value if by == "wait" else -value)
    return sorted(spans, key=key)


def ranking(spans: Sequence[CenterSpan], by: str) -> Table:
    rows: list[list[Cell]] = []
    for place, span in enumerate(ranked(spans, by), start=1):
        total = span.figures.total
        rows.append([place, span.center.name, span.center.site, _m(total.wait.mean_s),
                     _m(total.wait.p90_s), satisfied_share(total), total.rated, total.served,
                     round(span.figures.counter_hours, 2), span.per_counter_hour])
    header = ["Hạng", "Trung tâm", "Mã", "Chờ TB (phút)", "Chờ P90 (phút)", "Hài lòng (%)",
              "Lượt đánh giá", "Đã phục vụ", "Giờ mở quầy", "Phục vụ mỗi giờ quầy"]
    return Table("Xếp hạng", header, rows)
