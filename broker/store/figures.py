"""A closed day's anonymous figures: what statistics read instead of every ticket and event, and
all that is left of a day once retention has reduced it.

A figure carries no ticket id, number, ID hash, booking or dossier code and no sign-in address:
tickets issued per service, local hour, priority class and origin; one row per call of a ticket to
a counter (the visit: service, counter, the staff account that called, priority class, local hours
of the call and its end, how it ended, seconds waited and served); ratings per service, counter
and the official who served; the line's other flows per service (tickets transferred in, back
after fetching a paper, left waiting or cancelled when the day closed), so a closed day's rows
add up as today's do (broker/reports/stats.py).

Figures written before a kind existed are marked by `days_closed.version`: the nightly job
writes a day again while its tickets are still kept (within retention); an older day past
retention keeps what it had, and the statistics say which days lack the newer kinds.
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
    account: str = ""  # the official who served the rated visit ("" before version 2)


class FlowFigure(NamedTuple):
    day: str
    service: str
    kind: str  # FLOWS
    total: int  # tickets (column `count`)


# Ways into a service's line besides issue, and the tickets never called when the day closed
# (`expired`: still in line when the day ended, xephang/protocol.py EXPIRED).
FLOWS = ("transferred_in", "returned", "waiting", "cancelled", "expired")
FIGURES_VERSION = 3  # 2: flows and the rating's official; 3: tickets the day's end ended
FLOWS_SINCE = 2  # figures written before this version have no flows at all


class DossierRating(NamedTuple):
    """A rated ticket that had a dossier code scanned at the kiosk (only while its day is kept:
    retention deletes dossier codes with the tickets; the day's figures never hold them)."""

    day: str
    dossier_code: str
    number: str
    service: str
    counter: int | None
    account: str | None  # the official of its last call (None: a counter unit's button)
    rating: str


CHUNK = 5000  # visits read (and transposed, broker/reports/stats.py) at a time

# A visit as read back: VisitFigure's fields as a plain tuple (a year is read without naming them).
VisitRow = tuple[str, str, int | None, str, str, int, int | None, str | None, float, float | None]


@dataclass
class DayFigures:
    issued: list[IssuedFigure] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    ratings: list[RatingFigure] = field(default_factory=list)
    flows: list[FlowFigure] = field(default_factory=list)
    without_flows: set[str] = field(default_factory=set)  # closed days written before version 2

    def extend(self, other: DayFigures) -> None:
        self.issued += other.issued
        self.visits += other.visits
        self.ratings += other.ratings
        self.flows += other.flows
        self.without_flows |= other.without_flows


class FigureQueries(Queries):
    def closed_days(self, first_day: str, last_day: str) -> set[str]:
        rows = self.execute("SELECT day FROM days_closed WHERE day BETWEEN ? AND ?",
                            (first_day, last_day))
        return {str(row["day"]) for row in rows}

    def days_to_close(self, before_day: str) -> list[str]:
        """Days before `before_day` that have tickets and no figures yet, or figures of an older
        version (written again while the tickets are kept), oldest first. A day retention reduced
        is never written again from the few tickets that arrived after (`add_figures` counted them)."""
        rows = self.execute("SELECT DISTINCT day FROM tickets WHERE day < ? AND day NOT IN"
                            " (SELECT day FROM days_closed WHERE version >= ? OR reduced = 1)"
                            " ORDER BY day", (before_day, FIGURES_VERSION))
        return [str(row["day"]) for row in rows]

    def is_closed(self, day: str) -> bool:
        """The day has figures of the current version."""
        return self.execute("SELECT 1 FROM days_closed WHERE day = ? AND version >= ?",
                            (day, FIGURES_VERSION)).fetchone() is not None

    def reopen_day(self, day: str) -> None:
        """Drop a day's figures (a ticket of it arrived late): statistics count the day from its
        tickets and events again until the nightly job closes it once more."""
        for table in ("days_closed", "day_issued", "day_visits", "day_ratings", "day_flows"):
            self.execute(f"DELETE FROM {table} WHERE day = ?", (day,))

    def write_figures(self, day: str, figures: DayFigures) -> None:
        """A day's figures (replacing older-version ones): the day is closed from then on."""
        self.reopen_day(day)
        self.execute("INSERT INTO days_closed (day, at, version) VALUES (?, ?, ?)",
                     (day, iso(self.now), FIGURES_VERSION))
        self.add_figures(figures)

    def has_figures(self, day: str) -> bool:
        """The day was closed, whatever the version of its figures."""
        return self.execute("SELECT 1 FROM days_closed WHERE day = ?", (day,)).fetchone() is not None

    def is_reduced(self, day: str) -> bool:
        """Retention deleted the day's tickets (`mark_reduced`)."""
        return self.execute("SELECT 1 FROM days_closed WHERE day = ? AND reduced = 1",
                            (day,)).fetchone() is not None

    def mark_reduced(self, day: str) -> None:
        """Retention deleted the day's tickets: its figures are all there is of it from now on."""
        self.execute("UPDATE days_closed SET reduced = 1 WHERE day = ?", (day,))

    def add_figures(self, figures: DayFigures) -> None:
        """Rows added to the days' figures (each row counts: statistics add them up); flows only
        to days whose figures have them (version FLOWS_SINCE on)."""
        flowing = {day for day in {f.day for f in figures.flows} if self.execute(
            "SELECT 1 FROM days_closed WHERE day = ? AND version >= ?", (day, FLOWS_SINCE)).fetchone()}
        self._db.executemany(
            "INSERT INTO day_issued (day, service, hour, priority, offline, count)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(f.day, f.service, f.hour, f.priority, int(f.offline), f.total) for f in figures.issued])
        self._db.executemany(
            "INSERT INTO day_visits (day, service, counter, account, priority, called_hour,"
            " ended_hour, outcome, wait_s, service_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            figures.visits)
        self._db.executemany(
            "INSERT INTO day_ratings (day, service, counter, rating, count, account)"
            " VALUES (?, ?, ?, ?, ?, ?)", figures.ratings)
        self._db.executemany("INSERT INTO day_flows (day, service, kind, count) VALUES (?, ?, ?, ?)",
                             [f for f in figures.flows if f.day in flowing])

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
        ratings = [RatingFigure(row[0], row[1], row[2], row[3], row[4], row[5] or "")
                   for row in self._db.execute(
            "SELECT day, service, counter, rating, count, account FROM day_ratings"
            " WHERE day BETWEEN ? AND ?", span)]
        flows = [FlowFigure._make(row) for row in self._db.execute(
            "SELECT day, service, kind, count FROM day_flows WHERE day BETWEEN ? AND ?", span)]
        older = {str(row[0]) for row in self._db.execute(
            "SELECT day FROM days_closed WHERE day BETWEEN ? AND ? AND version < ?",
            (*span, FLOWS_SINCE))}
        return DayFigures(issued, visits, ratings, flows, older)

    def rated_dossiers(self, first_day: str, last_day: str) -> list[DossierRating]:
        """The rated tickets of these days with a dossier code, by code, with the official who
        served them (the account of the ticket's last call before the rating). CROSS JOIN keeps
        the tickets outside, read through `tickets_dossier`: a year of rated events scanned first
        costs 0.6 s of CPU where the codes are few."""
        rows = self.execute(
            "SELECT t.day, t.dossier_code, t.number, t.service, r.counter, t.rating,"
            " (SELECT json_extract(e.data, '$.account') FROM events e WHERE e.ticket = t.id"
            "  AND e.type = 'ticket_called' AND e.seq < r.seq ORDER BY e.seq DESC LIMIT 1)"
            " AS account FROM tickets t CROSS JOIN events r ON r.ticket = t.id AND r.type = 'ticket_rated'"
            " WHERE t.day BETWEEN ? AND ? AND t.dossier_code IS NOT NULL"
            " ORDER BY t.dossier_code, t.day, t.issued_at", (first_day, last_day))
        return [DossierRating(r["day"], r["dossier_code"], r["number"], r["service"], r["counter"],
                              r["account"], r["rating"]) for r in rows]
