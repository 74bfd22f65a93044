"""The waiting line the store keeps in memory between transactions always matches the table: after
commits, rollbacks, a rejected step's savepoint, and writes by another connection."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broker.store.db import NewTicket, Store, TicketRow, Tx

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def new_ticket(tx: Tx, service: str = "HT", minutes: int = 0) -> TicketRow:
    seq = tx.allocate_seq("2026-11-23", service, 1)
    return tx.insert_ticket(NewTicket(
        id=uuid.uuid4().hex, request_id=uuid.uuid4().hex, day="2026-11-23", service=service,
        seq=seq, number=f"{service}{seq:03d}", priority="none", source="button",
        issued_at=START + timedelta(minutes=minutes)))


def line(store: Store) -> list[str]:
    with store.snapshot() as tx:
        return [t.id for t in tx.waiting()]


def counts(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """(per service from the kept line, per service from the table)."""
    with store.snapshot() as tx:
        kept = {k: n for k, n in tx.waiting_counts().items() if n}
        rows = tx.execute("SELECT service, COUNT(*) AS n FROM tickets WHERE status = 'waiting'"
                          " GROUP BY service")
        return kept, {str(r["service"]): int(r["n"]) for r in rows}


def table(store: Store) -> list[str]:
    with store.snapshot() as tx:
        return [str(r["id"]) for r in tx.execute(
            "SELECT id FROM tickets WHERE status = 'waiting' ORDER BY issued_at, rowid")]


def test_the_kept_line_follows_commits_rollbacks_and_savepoints(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    with store.transaction() as tx:
        first, second = new_ticket(tx, minutes=5), new_ticket(tx, minutes=1)
    assert line(store) == [second.id, first.id]  # issue order, not insertion order
    with pytest.raises(RuntimeError), store.transaction() as tx:
        new_ticket(tx)
        tx.update_ticket(first.id, status="called")
        raise RuntimeError("rolled back")
    assert line(store) == [second.id, first.id] == table(store)
    with store.transaction() as tx:
        with pytest.raises(ValueError), tx.savepoint():
            tx.update_ticket(second.id, status="called")
            raise ValueError("a rejected step")
        third = new_ticket(tx, minutes=3)
        assert [t.id for t in tx.waiting()] == [second.id, third.id, first.id]
    assert line(store) == [second.id, third.id, first.id] == table(store)
    store.close()


def test_another_connection_writing_the_file_is_seen(tmp_path: Path) -> None:
    store, other = Store(tmp_path / "q.db"), Store(tmp_path / "q.db")
    with store.transaction() as tx:
        mine = new_ticket(tx)
    assert line(store) == [mine.id]
    with other.transaction() as tx:
        theirs = new_ticket(tx, minutes=-1)
        tx.update_ticket(mine.id, status="done")
    assert line(store) == [theirs.id] == table(store)
    store.close()
    other.close()


def test_random_changes_keep_line_and_table_equal(tmp_path: Path) -> None:
    store, rng = Store(tmp_path / "q.db"), random.Random(5)
    ids: list[str] = []
    for step in range(300):
        with store.transaction() as tx:
            if not ids or rng.random() < 0.5:
                ids.append(new_ticket(tx, rng.choice(["HT", "CT"]), rng.randrange(60)).id)
            else:
                status = rng.choice(["called", "waiting", "done", "no_show"])
                tx.update_ticket(rng.choice(ids), status=status)
        if step % 25 == 0:
            assert line(store) == table(store)
            kept, counted = counts(store)
            assert kept == counted
    assert line(store) == table(store)
    store.close()
