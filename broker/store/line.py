"""The waiting line, kept in memory between transactions so an operation does not read and parse
every waiting ticket again (five times per call, at 1,000 waiting, before).

The kept line changes only with what this store's own transactions committed: each transaction
sees the kept line plus its own changes (a rejected step's changes are undone with its savepoint),
and hands them over once committed. When any other connection has written the database (another
process, a second Store on the same file: `PRAGMA data_version` moves), the kept line is dropped and
read again from the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from broker.store.tickets import TicketRow

# A waiting ticket with what orders the line: (issued_at as stored, rowid), as ORDER BY did.
Entry = tuple[tuple[str, int], "TicketRow"]
Loader = Callable[[], dict[str, Entry]]
Reader = Callable[[list[str]], dict[str, Entry]]  # the given tickets' entries, waiting or not


class KeptLine:
    """The committed waiting line of one store, or None until first read."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] | None = None
        self.ordered: list[TicketRow] | None = None
        self._version = -1

    def check(self, db: sqlite3.Connection) -> None:
        """Drop the kept line if another connection has committed since we last looked."""
        version = int(db.execute("PRAGMA data_version").fetchone()[0])
        if version != self._version:
            self.entries, self.ordered, self._version = None, None, version

    def forget(self) -> None:
        self.entries, self.ordered = None, None

    def commit(self, changes: dict[str, Entry | None]) -> None:
        if self.entries is None or not changes:
            return
        for ticket_id, entry in changes.items():
            if entry is None:
                self.entries.pop(ticket_id, None)
            else:
                self.entries[ticket_id] = entry
        self.ordered = None


class LineView:
    """One transaction's waiting line: the kept one plus this transaction's changes."""

    def __init__(self, kept: KeptLine) -> None:
        self.kept = kept
        self.changes: dict[str, Entry | None] = {}
        self._touched: set[str] = set()  # written since, to be read again before use
        self._ordered: list[TicketRow] | None = None

    def change(self, ticket_id: str, entry: Entry) -> None:
        """A ticket just inserted, as stored."""
        self.changes[ticket_id] = entry if entry[1].status == "waiting" else None
        self._touched.discard(ticket_id)
        self._ordered = None

    def touch(self, ticket_id: str) -> None:
        """A ticket just updated: it is read again when the line is next needed."""
        self._touched.add(ticket_id)
        self._ordered = None

    def undone(self) -> None:
        """A savepoint was rolled back: every ticket this transaction wrote is read again."""
        self._touched.update(self.changes)
        self._ordered = None

    def settle(self, read: Reader) -> None:
        if self._touched:
            found = read(sorted(self._touched))
            for ticket_id in self._touched:
                entry = found.get(ticket_id)
                self.changes[ticket_id] = entry if entry and entry[1].status == "waiting" else None
            self._touched.clear()

    def tickets(self, load: Loader, read: Reader) -> list[TicketRow]:
        """Waiting tickets in line order (issued_at, then insertion)."""
        if self._ordered is None:
            self.settle(read)
            self._ordered = self._build(load)
        return self._ordered

    def _build(self, load: Loader) -> list[TicketRow]:
        kept = self.kept
        if kept.entries is None:
            if self.changes:  # the table now holds uncommitted changes: never keep them
                return _in_order(load())
            kept.entries = load()
        if not self.changes:
            if kept.ordered is None:
                kept.ordered = _in_order(kept.entries)
            return kept.ordered
        merged = dict(kept.entries)
        for ticket_id, entry in self.changes.items():
            if entry is None:
                merged.pop(ticket_id, None)
            else:
                merged[ticket_id] = entry
        return _in_order(merged)


def _in_order(entries: dict[str, Entry]) -> list[TicketRow]:
    return [row for _, row in sorted(entries.values(), key=lambda entry: entry[0])]
