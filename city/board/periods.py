"""A period's figures: closed days from the rollups, today from its events (up to now)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from city.board.day import DayFigures
from city.board.queries import BoardDb, Center
from city.board.reports import CenterSpan
from city.board.rollup import day_start


class Periods:
    def __init__(self, db: BoardDb, zone: ZoneInfo, clock: Callable[[], datetime]) -> None:
        self.db, self.zone, self.clock = db, zone, clock

    @property
    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        return day_start(day, self.zone), day_start(day + timedelta(days=1), self.zone)

    def live_day(self, site: str) -> DayFigures:
        """Today so far: open counters count until now."""
        return self._today([site]).get((site, self.today), DayFigures())

    def _today(self, sites: list[str]) -> dict[tuple[str, date], DayFigures]:
        start, end = self.bounds(self.today)
        return self.db.sum_days(sites, start, end, self.zone, self.clock())

    def center_days(self, site: str, first: date, last: date) -> dict[date, DayFigures]:
        """Each day of [first, last] of one center that has figures, with the detail."""
        days = {day: figures for _, day, figures in
                self.db.stored_days(first, min(last, self.today - timedelta(days=1)), site,
                                    detail=True)}
        if first <= self.today <= last:
            days[self.today] = self.live_day(site)
        return days

    def center_span(self, site: str, first: date, last: date) -> DayFigures:
        merged = DayFigures()
        for figures in self.center_days(site, first, last).values():
            merged.merge(figures)
        return merged

    def closed_until(self, last: date) -> date:
        """The city's reports stop at yesterday: summing every center's today takes too long for a
        page (today is on the overview)."""
        return min(last, self.today - timedelta(days=1))

    def city_spans(self, centers: list[Center], first: date, last: date) -> list[CenterSpan]:
        """Every center's figures over the closed days of [first, last], summed by PostgreSQL from
        the rollups (totals only: no per-service detail)."""
        summed = self.db.summed_days(first, self.closed_until(last))
        return [CenterSpan(center, summed.get(center.site, DayFigures())) for center in centers]
