"""The waiting line, kept in memory between transactions so an operation does not read and parse
every waiting ticket again (five times per call, at 1,000 waiting, before).

The kept line changes only with what this store's own transactions committed: each transaction
sees the kept line plus its own changes (a rejected step's changes are undone with its savepoint),
and hands them over once committed. When any other connection has written the database (another
process, a second Store on the same file: `PRAGMA data_version` moves), the kept line is dropped and
read again from the table.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from broker.store.tickets import TicketRow

# A waiting ticket with what orders the line: (issued_at as stored, rowid), as ORDER BY did.
Entry = tuple[tuple[str, int], "TicketRow"]
Loader = Callable[[], dict[str, Entry]]
Reader = Callable[[list[str]], dict[str, Entry]]  # the given tickets' entries, waiting or not


class Ordered:
    """A line in order: its tickets and their order keys, side by side; a change costs a bisect
    and a list insert or delete, not a sort of the whole line."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        pairs = sorted(entries.values(), key=lambda entry: entry[0])
        self.keys = [key for key, _ in pairs]
        self.rows = [row for _, row in pairs]
        self.counts = Counter(row.service for row in self.rows)  # waiting per service

    def copy(self) -> Ordered:
        twin = Ordered({})
        twin.keys, twin.rows, twin.counts = list(self.keys), list(self.rows), self.counts.copy()
        return twin

    def apply(self, entries: dict[str, Entry], changes: dict[str, Entry | None]) -> None:
        """Move from `entries` (what this order holds) to `entries` with `changes` applied."""
        for ticket_id, entry in changes.items():
            old = entries.get(ticket_id)
            if old is not None:
                at = bisect.bisect_left(self.keys, old[0])
                del self.keys[at], self.rows[at]
                self.counts[old[1].service] -= 1
            if entry is not None:
                at = bisect.bisect_left(self.keys, entry[0])
                self.keys.insert(at, entry[0])
                self.rows.insert(at, entry[1])
                self.counts[entry[1].service] += 1


class KeptLine:
    """The committed waiting line of one store, or None until first read."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] | None = None
        self.ordered: Ordered | None = None
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
        if self.ordered is not None:
            self.ordered.apply(self.entries, changes)
        for ticket_id, entry in changes.items():
            if entry is None:
                self.entries.pop(ticket_id, None)
            else:
                self.entries[ticket_id] = entry


class LineView:
    """One transaction's waiting line: the kept one plus this transaction's changes."""

    def __init__(self, kept: KeptLine) -> None:
        self.kept = kept
        self.changes: dict[str, Entry | None] = {}
        self._touched: set[str] = set()  # written since, to be read again before use
        self._ordered: Ordered | None = None

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
        return self._line(load, read).rows

    def counts(self, load: Loader, read: Reader) -> Counter[str]:
        """Waiting tickets per service (services with none may be missing or 0)."""
        return self._line(load, read).counts

    def _line(self, load: Loader, read: Reader) -> Ordered:
        if self._ordered is None:
            self.settle(read)
            self._ordered = self._build(load)
        return self._ordered

    def _build(self, load: Loader) -> Ordered:
        kept = self.kept
        if kept.entries is None:
            if self.changes:  # the table now holds uncommitted changes: never keep them
                return Ordered(load())
            kept.entries = load()
        if kept.ordered is None:
            kept.ordered = Ordered(kept.entries)
        if not self.changes:
            return kept.ordered
        mine = kept.ordered.copy()
        mine.apply(kept.entries, self.changes)
        return mine
