"""What every family of store queries stands on: one open transaction, its fixed `now`, and the
time format the tables keep (ISO-8601 UTC text, so times sort as text)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from broker.store.line import KeptLine, LineView


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def optional_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Queries:
    """One transaction's connection and clock; the query families (tickets, counters, events,
    accounts) are methods on top of it, gathered in `broker.store.db.Tx`."""

    def __init__(self, db: sqlite3.Connection, now: datetime, line: LineView | None = None) -> None:
        self._db = db
        self.now = now
        # The waiting line as this transaction sees it (broker/store/line.py); a Tx made outside
        # a Store keeps a private one.
        self._line = line or LineView(KeptLine())

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Raw SQL, for the store's own methods (and tests that read what was stored)."""
        return self._db.execute(sql, params)

    def at(self, moment: datetime) -> Self:
        """The same transaction seen at another moment: for writing history
        (simulation/history.py), whose steps each carry their own time."""
        return type(self)(self._db, moment, self._line)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo a partial change (a rejected command) while keeping the transaction."""
        self.execute("SAVEPOINT step")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK TO step")
            self._line.undone()
            raise
        finally:
            self.execute("RELEASE step")

    def _update(self, table: str, allowed: frozenset[str], key: object, fields: dict[str, Any]) -> None:
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"{table}: cannot set {', '.join(sorted(unknown))}")
        values = [iso(v) if isinstance(v, datetime) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values, key))
