"""A closed day's anonymous figures: what statistics read instead of every ticket and event, and
all that is left of a day once retention has reduced it.

A figure carries no ticket id, number, ID hash, booking or dossier code and no sign-in address:
tickets issued per service, local hour, priority class and origin; one row per call of a ticket to
a counter (the visit: service, counter, the staff account that called, priority class, local hours
of the call and its end, how it ended, seconds waited and served); ratings per service and counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from broker.store.base import Queries, iso


# Named tuples, not dataclasses: a year is half a million visits, read in one go.
class IssuedFigure(NamedTuple):
    day: str
    service: str
    hour: int
    priority: str
    offline: bool
    total: int  # tickets (column `count`)


class VisitFigure(NamedTuple):
    day: str
    service: str
    counter: int | None
    account: str
    priority: str
    called_hour: int
    ended_hour: int | None
    outcome: str | None  # done, no_show, transferred, returning; None while at the counter
    wait_s: float
    service_s: float | None  # only for a visit that ended `done`


class RatingFigure(NamedTuple):
    day: str
    service: str
    counter: int | None
    rating: str
    total: int  # ratings (column `count`)


CHUNK = 5000  # visits read (and transposed, broker/reports/stats.py) at a time

# A visit as read back: VisitFigure's fields as a plain tuple (a year is read without naming them).
VisitRow = tuple[str, str, int | None, str, str, int, int | None, str | None, float, float | None]


@dataclass
class DayFigures:
    issued: list[IssuedFigure] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    ratings: list[RatingFigure] = field(default_factory=list)

    def extend(self, other: DayFigures) -> None:
        self.issued += other.issued
        self.visits += other.visits
        self.ratings += other.ratings


class FigureQueries(Queries):
    def closed_days(self, first_day: str, last_day: str) -> set[str]:
        rows = self.execute("SELECT day FROM days_closed WHERE day BETWEEN ? AND ?",
                            (first_day, last_day))
        return {str(row["day"]) for row in rows}

    def days_to_close(self, before_day: str) -> list[str]:
        """Days before `before_day` that have tickets and no figures yet, oldest first."""
        rows = self.execute("SELECT DISTINCT day FROM tickets WHERE day < ? AND day NOT IN"
                            " (SELECT day FROM days_closed) ORDER BY day", (before_day,))
        return [str(row["day"]) for row in rows]

    def write_figures(self, day: str, figures: DayFigures) -> None:
        """A day's figures, once: the day is closed from then on."""
        self.execute("INSERT INTO days_closed (day, at) VALUES (?, ?)", (day, iso(self.now)))
        self._db.executemany(
            "INSERT INTO day_issued (day, service, hour, priority, offline, count)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(f.day, f.service, f.hour, f.priority, int(f.offline), f.total) for f in figures.issued])
        self._db.executemany(
            "INSERT INTO day_visits (day, service, counter, account, priority, called_hour,"
            " ended_hour, outcome, wait_s, service_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            figures.visits)
        self._db.executemany(
            "INSERT INTO day_ratings (day, service, counter, rating, count) VALUES (?, ?, ?, ?, ?)",
            [(f.day, f.service, f.counter, f.rating, f.total) for f in figures.ratings])

    def figures_between(self, first_day: str, last_day: str) -> DayFigures:
        """The closed days' figures among these days."""
        span = (first_day, last_day)
        issued = [IssuedFigure(row[0], row[1], row[2], row[3], bool(row[4]), row[5])
                  for row in self._db.execute(
            "SELECT day, service, hour, priority, offline, count FROM day_issued"
            " WHERE day BETWEEN ? AND ?", span)]
        cursor = self._db.cursor()
        cursor.row_factory = None  # plain tuples, in VisitFigure's order
        cursor.execute(
            "SELECT day, service, counter, account, priority, called_hour, ended_hour, outcome,"
            " wait_s, service_s FROM day_visits WHERE day BETWEEN ? AND ?", span)
        visits: list[VisitRow] = []
        # In chunks: one fetchall of a year holds the interpreter lock for the whole read, and a
        # counter's command waits behind it.
        while chunk := cursor.fetchmany(CHUNK):
            visits.extend(chunk)
        ratings = [RatingFigure._make(row) for row in self._db.execute(
            "SELECT day, service, counter, rating, count FROM day_ratings"
            " WHERE day BETWEEN ? AND ?", span)]
        return DayFigures(issued, visits, ratings)
