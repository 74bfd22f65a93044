"""Staff, manager and admin accounts as stored, and the key that signs web sessions."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from broker.store.base import Queries, iso


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    name: str
    role: str
    password_hash: str
    counters: tuple[int, ...]  # the counters a staff account may operate, its home first
    active: bool
    generation: int


class AccountQueries(Queries):
    def account(self, account_id: int) -> AccountRow | None:
        row = self.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else _account(row)

    def account_named(self, username: str) -> AccountRow | None:
        row = self.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        return None if row is None else _account(row)

    def accounts(self) -> list[AccountRow]:
        """Every account, admins and managers before staff, then by name."""
        rows = self.execute("SELECT * FROM accounts ORDER BY role DESC, username").fetchall()
        return [_account(row) for row in rows]

    def insert_account(self, username: str, name: str, role: str, password_hash: str,
                       counters: tuple[int, ...]) -> bool:
        """Add an account; False (and nothing added) when the username is taken."""
        cursor = self.execute(
            "INSERT INTO accounts (username, name, role, password_hash, counter, counters,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
            (username, name, role, password_hash, counters[0] if counters else None,
             _csv(counters), iso(self.now)))
        return cursor.rowcount == 1

    def update_account(self, username: str, name: str, role: str,
                       counters: tuple[int, ...]) -> None:
        """A new name, role and counters; the account's open sessions end (a new generation)."""
        self.execute("UPDATE accounts SET name = ?, role = ?, counter = ?, counters = ?,"
                     " generation = generation + 1 WHERE username = ?",
                     (name, role, counters[0] if counters else None, _csv(counters), username))

    def delete_account(self, username: str) -> None:
        """The account is gone (the event log keeps its username in what it did)."""
        self.execute("DELETE FROM accounts WHERE username = ?", (username,))

    def set_account_active(self, username: str, active: bool) -> None:
        """Enable or disable; either way the account's open sessions end (a new generation)."""
        self.execute("UPDATE accounts SET active = ?, generation = generation + 1 WHERE username = ?",
                     (int(active), username))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """A new password; the account's open sessions end (a new generation)."""
        self.execute("UPDATE accounts SET password_hash = ?, generation = generation + 1"
                     " WHERE username = ?", (password_hash, username))

    def open_session(self, id_digest: str, account_id: int, forget_before: datetime) -> None:
        """Record a signed-in session; sessions started before `forget_before` have expired."""
        self.execute("DELETE FROM sessions WHERE started_at < ?", (iso(forget_before),))
        self.execute("INSERT INTO sessions (id_digest, account, started_at) VALUES (?, ?, ?)",
                     (id_digest, account_id, iso(self.now)))

    def session_open(self, id_digest: str, account_id: int) -> bool:
        row = self.execute("SELECT 1 FROM sessions WHERE id_digest = ? AND account = ?",
                           (id_digest, account_id)).fetchone()
        return row is not None

    def end_session(self, id_digest: str) -> None:
        self.execute("DELETE FROM sessions WHERE id_digest = ?", (id_digest,))

    def web_secret(self) -> str | None:
        """The session-signing key generated on first start, if there is one."""
        row = self.execute("SELECT value FROM settings WHERE key = 'web_secret'").fetchone()
        return None if row is None else str(row["value"])

    def keep_web_secret(self, secret: str) -> None:
        self.execute("INSERT INTO settings (key, value) VALUES ('web_secret', ?)", (secret,))


def _csv(counters: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in counters)


def _counters(row: sqlite3.Row) -> tuple[int, ...]:
    """The stored list, or the one counter of an account made before lists existed."""
    listed = tuple(int(c) for c in str(row["counters"] or "").split(",") if c.strip())
    return listed or ((int(row["counter"]),) if row["counter"] is not None else ())


def _account(row: sqlite3.Row) -> AccountRow:
    return AccountRow(int(row["id"]), str(row["username"]), str(row["name"]), str(row["role"]),
                      str(row["password_hash"]), _counters(row), bool(row["active"]),
                      int(row["generation"]))
