"""Staff, manager and admin accounts: argon2id password hashes, audited changes.

Every change appends an event naming the account that made it (`account`) and the one it changed
(`target`), so the event log answers "who did this". A reset or a disable bumps the account's
`generation`, which ends every session signed before it.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from broker.errors import BrokerError
from broker.store.db import EventRow, Store, Tx, iso

ROLES = ("staff", "manager", "admin")
ROLE_VI = {"staff": "Cán bộ một cửa", "manager": "Quản lý trung tâm", "admin": "Quản trị hệ thống"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8


class AccountError(BrokerError, ValueError):
    """A rejected account change; the message is Vietnamese, ready to show on the page."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    name: str
    role: str
    counter: int | None
    active: bool
    generation: int

    @property
    def label(self) -> str:
        return self.name or self.username

    def has_role(self, role: str) -> bool:
        """Roles nest: an admin can do what a manager can, a manager what staff can."""
        return ROLES.index(self.role) >= ROLES.index(role)


class Accounts:
    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self._hasher = hasher or PasswordHasher()
        # Verified when the username is unknown, so a wrong name costs as long as a wrong password.
        self._dummy = self._hasher.hash("not a password of anyone")

    # -- reads ---------------------------------------------------------------------------------
    def get(self, account_id: int) -> Account | None:
        with self.store.snapshot() as tx:
            row = tx.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else _account(row)

    def find(self, username: str) -> Account | None:
        with self.store.snapshot() as tx:
            return _find(tx, username)

    def all(self) -> list[Account]:
        with self.store.snapshot() as tx:
            rows = tx.execute("SELECT * FROM accounts ORDER BY role DESC, username").fetchall()
        return [_account(row) for row in rows]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The active account with this name and password, or None (never says which was wrong)."""
        with self.store.snapshot() as tx:
            row = tx.execute("SELECT * FROM accounts WHERE username = ?",
                             (username.strip().lower(),)).fetchone()
        stored = str(row["password_hash"]) if row is not None else self._dummy
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row["active"]:
            return None
        return _account(row)

    # -- changes -------------------------------------------------------------------------------
    def create(self, username: str, password: str, role: str, *, name: str = "",
               counter: int | None = None, by: str | None = None) -> tuple[Account, EventRow]:
        username = username.strip().lower()
        _check_new(username, password, role)
        with self.store.transaction() as tx:
            try:
                tx.execute("INSERT INTO accounts (username, name, role, password_hash, counter,"
                           " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           (username, name.strip(), role, self._hasher.hash(password), counter,
                            iso(tx.now)))
            except sqlite3.IntegrityError:
                raise AccountError(f"Tên đăng nhập {username!r} đã có.") from None
            event = tx.append_event("account_created", account=by, target=username, role=role,
                                    staff_counter=counter)
            account = _find(tx, username)
        assert account is not None
        return account, event

    def set_active(self, username: str, active: bool, *, by: str | None) -> EventRow:
        with self.store.transaction() as tx:
            _require(tx, username)
            tx.execute("UPDATE accounts SET active = ?, generation = generation + 1"
                       " WHERE username = ?", (int(active), username))
            kind = "account_enabled" if active else "account_disabled"
            return tx.append_event(kind, account=by, target=username)

    def reset_password(self, username: str, password: str, *, by: str | None) -> EventRow:
        _check_password(password)
        with self.store.transaction() as tx:
            _require(tx, username)
            tx.execute("UPDATE accounts SET password_hash = ?, generation = generation + 1"
                       " WHERE username = ?", (self._hasher.hash(password), username))
            return tx.append_event("password_reset", account=by, target=username)

    def audit(self, type_: str, *, by: str | None, target: str | None = None,
              address: str | None = None) -> EventRow:
        """A sign-in, sign-out or refused sign-in, in the same event log as everything else."""
        with self.store.transaction() as tx:
            return tx.append_event(type_, account=by, target=target, address=address)


def _check_new(username: str, password: str, role: str) -> None:
    if not USERNAME.match(username):
        raise AccountError("Tên đăng nhập gồm 2–32 chữ thường không dấu, số, dấu chấm, gạch.")
    if role not in ROLES:
        raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    _check_password(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def _find(tx: Tx, username: str) -> Account | None:
    row = tx.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
    return None if row is None else _account(row)


def _require(tx: Tx, username: str) -> Account:
    account = _find(tx, username)
    if account is None:
        raise AccountError(f"Không có tài khoản {username!r}.")
    return account


def _account(row: sqlite3.Row) -> Account:
    return Account(int(row["id"]), str(row["username"]), str(row["name"]), str(row["role"]),
                   row["counter"], bool(row["active"]), int(row["generation"]))
