"""The city's PostgreSQL store: the schema, monthly partitions, and the one transaction that stores a
batch of uplink events and advances each center's acknowledged mark (DESIGN §2).

A batch is COPYed (binary) into a temporary table, inserted with ON CONFLICT DO NOTHING (a resent event is
stored once), and each (site, epoch)'s mark moves to the end of its contiguous run of stored seqs; a
gap holds it until the center sends the missing events again. The caller acknowledges the marks this
returns only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from city.config import CenterEntry
from xephang.protocol import DEVICE_OK, DEVICE_PROBLEM, UplinkEvent

SCHEMA = Path(__file__).with_name("schema.sql")
# Months (and the board's days) begin at midnight in Vietnam, whatever the server's zone.
CITY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
INT32_MAX = 2**31 - 1
COLUMNS = ("site", "epoch", "seq", "at", "type", "service", "counter", "priority", "wait_s",
           "service_s", "rating", "account", "device", "problem", "since", "until")
# staged_events' column types, for binary COPY (half the time of text COPY's formatting)
COLUMN_TYPES = ("text", "uuid", "int8", "timestamptz", "text", "text", "int4", "text", "int4",
                "int4", "text", "text", "text", "text", "timestamptz", "timestamptz")
_COPY = f"COPY staged_events ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS staged_events (
    site text, epoch uuid, seq bigint, at timestamptz, type text, service text, counter integer,
    priority text, wait_s integer, service_s integer, rating text, account text, device text,
    problem text, since timestamptz, until timestamptz
) ON COMMIT DELETE ROWS"""

_NEW_MARKS = """
INSERT INTO center_marks (site, epoch)
SELECT DISTINCT site, epoch FROM staged_events ON CONFLICT DO NOTHING"""

# Rows at or below the mark are already stored: dropped before they reach the unique key. A repeat
# within the batch, or of a stored row above the mark, is skipped by ON CONFLICT DO NOTHING.
_INSERT = f"""
INSERT INTO city_events ({", ".join(COLUMNS)})
SELECT {", ".join("s." + c for c in COLUMNS)}
FROM staged_events s JOIN center_marks m ON m.site = s.site AND m.epoch = s.epoch
WHERE s.seq > m.acked_seq
ON CONFLICT DO NOTHING"""

DEVICE_EVENTS = (DEVICE_PROBLEM, DEVICE_OK)
# A device's incident from its events (city/schema.sql device_incidents): one row per start, ended by
# the `device_ok` that names it, whichever arrives first; both in one batch are one row.
_INCIDENTS = f"""
INSERT INTO device_incidents (site, epoch, device, problem, started_at, ended_at)
SELECT s.site, s.epoch, s.device, s.problem, s.since, max(s.until)
FROM staged_events s JOIN center_marks m ON m.site = s.site AND m.epoch = s.epoch
WHERE s.seq > m.acked_seq AND s.type IN {DEVICE_EVENTS!r}
  AND s.device IS NOT NULL AND s.problem IS NOT NULL AND s.since IS NOT NULL
GROUP BY s.site, s.epoch, s.device, s.problem, s.since
ON CONFLICT (site, epoch, device, problem, started_at)
DO UPDATE SET ended_at = coalesce(device_incidents.ended_at, excluded.ended_at)"""

# The mark moves over stored seqs mark+1, mark+2, … while there is no hole: the k-th distinct seq
# above the mark is mark+k exactly as long as none is missing.
_ADVANCE = """
WITH touched AS (
    SELECT site, epoch, max(at) AS newest FROM staged_events GROUP BY site, epoch
), advanced AS (
    SELECT m.site, m.epoch, t.newest, m.acked_seq + coalesce((
        SELECT max(run.rank) FROM (
            SELECT e.seq, dense_rank() OVER (ORDER BY e.seq) AS rank
            FROM city_events e
            WHERE e.site = m.site AND e.epoch = m.epoch AND e.seq > m.acked_seq
        ) run WHERE run.seq - m.acked_seq = run.rank), 0) AS acked_seq
    FROM center_marks m JOIN touched t ON t.site = m.site AND t.epoch = m.epoch
)
UPDATE center_marks c
SET acked_seq = a.acked_seq, last_received_at = now(),
    last_event_at = greatest(c.last_event_at, a.newest)
FROM advanced a WHERE c.site = a.site AND c.epoch = a.epoch
RETURNING c.site, c.epoch, c.acked_seq"""

_LATEST_MARKS = """
SELECT DISTINCT ON (site) site, epoch, acked_seq FROM center_marks
ORDER BY site, last_received_at DESC NULLS LAST"""


@dataclass(frozen=True)
class Mark:
    """Every event of (site, epoch) up to `acked_seq` is committed."""

    site: str
    epoch: UUID
    acked_seq: int


def apply_schema(connection: psycopg.Connection[Any]) -> None:
    """Create what is missing (tables, indexes); safe to run at every start."""
    with connection.transaction():
        connection.execute(SCHEMA.read_text(encoding="utf-8"))


def unstorable(event: UplinkEvent) -> str | None:
    """Why the database's columns cannot hold this (valid) event, or None."""
    for name in ("counter", "wait_s", "service_s"):
        value = getattr(event, name)
        if value is not None and not -INT32_MAX <= value <= INT32_MAX:
            return f"{name} {value} is out of range"
    if event.seq > 2**63 - 1:
        return f"seq {event.seq} is out of range"
    return None


def month_start(moment: datetime) -> datetime:
    local = moment.astimezone(CITY_ZONE)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


class CityStore:
    """The aggregator's connection to the city database (one writer)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._months: set[datetime] = set()  # partitions known to exist

    @classmethod
    def connect(cls, dsn: str) -> CityStore:
        connection = psycopg.connect(dsn, autocommit=True)
        apply_schema(connection)
        return cls(connection)

    def close(self) -> None:
        self._connection.close()

    def sync_centers(self, centers: Iterable[CenterEntry]) -> None:
        """city.toml's centers, added or updated (a center removed from the file keeps its data)."""
        with self._connection.transaction():
            for center in centers:
                self._connection.execute(
                    "INSERT INTO centers (site, name, district, address) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (site) DO UPDATE SET name = excluded.name,"
                    " district = excluded.district, address = excluded.address, updated_at = now()",
                    (center.id, center.name, center.district, center.address))

    def store(self, events: Sequence[tuple[str, UplinkEvent]]) -> list[Mark]:
        """Store (site, event) pairs once and return the mark of every (site, epoch) among them,
        moved or not (a resent batch is answered with the mark again). Committed on return."""
        months = {month_start(event.at) for _, event in events} - self._months
        for month in sorted(months):
            self._ensure_partition(month)
        with self._connection.transaction():
            self._connection.execute(_STAGE)
            with self._connection.cursor() as cursor:
                with cursor.copy(_COPY) as copy:
                    copy.set_types(COLUMN_TYPES)
                    for site, event in events:
                        copy.write_row(_row(site, event))
                cursor.execute(_NEW_MARKS)
                cursor.execute(_INSERT)
                if any(event.type in DEVICE_EVENTS for _, event in events):
                    cursor.execute(_INCIDENTS)
                cursor.execute(_ADVANCE)
                marks = [Mark(site, epoch, int(seq)) for site, epoch, seq in cursor.fetchall()]
        return marks

    def latest_marks(self) -> list[Mark]:
        """Each center's mark for the database it sent from last."""
        rows = self._connection.execute(_LATEST_MARKS).fetchall()
        return [Mark(site, epoch, int(seq)) for site, epoch, seq in rows]

    def _ensure_partition(self, start: datetime) -> None:
        name = f"city_events_{start:%Y_%m}"
        statement = sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF city_events FOR VALUES FROM ({}) TO ({})"
        ).format(sql.Identifier(name), sql.Literal(start), sql.Literal(next_month(start)))
        with self._connection.transaction():
            # Two writers making the same month at once would both try: one waits on this lock.
            self._connection.execute("SELECT pg_advisory_xact_lock(hashtext('city_events_partitions'))")
            self._connection.execute(statement)
        self._months.add(start)


def _row(site: str, event: UplinkEvent) -> tuple[object, ...]:
    return (site, event.epoch, event.seq, event.at, event.type, event.service, event.counter,
            event.priority, event.wait_s, event.service_s, event.rating, event.account, event.device,
            event.problem, event.since, event.until)
