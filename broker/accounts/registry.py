"""Staff, manager and admin accounts: argon2id password hashes, audited changes.

Every change appends an event naming the account that made it (`account`) and the one it changed
(`target`), so the event log answers "who did this". A reset or a disable bumps the account's
`generation`, which ends every session signed before it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from broker.errors import BrokerError
from broker.store.db import AccountRow, EventRow, Store, Tx

ROLES = ("staff", "manager", "admin")
ROLE_VI = {"staff": "Cán bộ một cửa", "manager": "Quản lý trung tâm", "admin": "Quản trị hệ thống"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
MAX_NAME = 80  # a person's full name as the board and reports show it


class AccountLocked(BrokerError):
    """The right password of a disabled account: sign-in says the account is locked."""


class AccountError(BrokerError, ValueError):
    """A rejected account change; the message is Vietnamese, ready to show on the page."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    name: str
    role: str
    counters: tuple[int, ...]  # what a staff account may operate (none when unbound)
    active: bool
    generation: int

    @property
    def label(self) -> str:
        return self.name or self.username

    @property
    def counter(self) -> int | None:
        """The staff account's home counter, where it lands after signing in."""
        return self.counters[0] if self.counters else None

    def operates(self, counter_id: int) -> bool:
        """Managers and admins operate every counter; staff only the counters bound to them."""
        return self.has_role("manager") or counter_id in self.counters

    def has_role(self, role: str) -> bool:
        """Roles nest: an admin can do what a manager can, a manager what staff can."""
        return ROLES.index(self.role) >= ROLES.index(role)


class Accounts:
    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy(self) -> str:
        """Verified for an unknown name, so a wrong name costs as long as a wrong password; made at
        the first sign-in, not at start (argon2 is slow on purpose)."""
        return self._hasher.hash("not a password of anyone")

    # -- reads ---------------------------------------------------------------------------------
    def get(self, account_id: int) -> Account | None:
        with self.store.snapshot() as tx:
            row = tx.account(account_id)
        return None if row is None else _account(row)

    def find(self, username: str) -> Account | None:
        with self.store.snapshot() as tx:
            return _find(tx, username)

    def all(self) -> list[Account]:
        with self.store.snapshot() as tx:
            rows = tx.accounts()
        return [_account(row) for row in rows]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The active account with this name and password, or None (never says which was wrong);
        AccountLocked for the right password of a disabled account (only its holder learns it)."""
        with self.store.snapshot() as tx:
            row = tx.account_named(username.strip().lower())
        stored = row.password_hash if row is not None else self._dummy
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is not None and not row.active:
            raise AccountLocked(row.username)
        if row is None:
            return None
        return _account(row)

    # -- changes -------------------------------------------------------------------------------
    def create(self, username: str, password: str, role: str, *, name: str = "",
               counter: int | None = None, counters: tuple[int, ...] = (),
               by: str | None = None) -> tuple[Account, EventRow]:
        username = username.strip().lower()
        _check_new(username, password, role)
        name = _check_name(name)
        bound = tuple(dict.fromkeys(((counter,) if counter is not None else ()) + counters))
        with self.store.transaction() as tx:
            if not tx.insert_account(username, name, role, self._hasher.hash(password), bound):
                raise AccountError(f"Tên đăng nhập {username!r} đã có.")
            event = tx.append_event("account_created", account=by, target=username, role=role,
                                    staff_counter=bound[0] if bound else None,
                                    counters=list(bound))
            account = _find(tx, username)
        assert account is not None
        return account, event

    def edit(self, username: str, *, name: str, role: str, counters: tuple[int, ...],
             by: str | None) -> EventRow:
        """A new name, role and bound counters; an admin cannot take their own admin role away."""
        name = _check_name(name)
        if role not in ROLES:
            raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        with self.store.transaction() as tx:
            before = _require(tx, username)
            if username == by and role != before.role:
                raise AccountError("Không thể tự đổi vai trò của tài khoản đang dùng.")
            bound = tuple(dict.fromkeys(counters))
            tx.update_account(username, name, role, bound)
            return tx.append_event("account_changed", account=by, target=username, name=name,
                                   role=role, counters=list(bound), before={
                                       "name": before.name, "role": before.role,
                                       "counters": list(before.counters)})

    def remove(self, username: str, *, by: str | None) -> EventRow:
        """Remove an account (never the one in use); the event log keeps what it did."""
        if username == by:
            raise AccountError("Không thể xóa tài khoản đang dùng.")
        with self.store.transaction() as tx:
            _require(tx, username)
            tx.delete_account(username)
            return tx.append_event("account_removed", account=by, target=username)

    def set_active(self, username: str, active: bool, *, by: str | None) -> EventRow:
        if username == by and not active:
            raise AccountError("Không thể tự khóa tài khoản đang dùng.")
        with self.store.transaction() as tx:
            _require(tx, username)
            tx.set_account_active(username, active)
            kind = "account_enabled" if active else "account_disabled"
            return tx.append_event(kind, account=by, target=username)

    def reset_password(self, username: str, password: str, *, by: str | None) -> EventRow:
        _check_password(password)
        with self.store.transaction() as tx:
            _require(tx, username)
            tx.set_password_hash(username, self._hasher.hash(password))
            return tx.append_event("password_reset", account=by, target=username)

    # -- web sessions --------------------------------------------------------------------------
    def sign_in(self, account: Account, address: str | None,
                max_age: timedelta) -> tuple[str, EventRow]:
        """A new server-side session for the account (its id goes into the signed cookie), and
        the `login` event, in one transaction."""
        session_id = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.open_session(_digest(session_id), account.id, tx.now - max_age)
            event = tx.append_event("login", account=account.username, address=address)
        return session_id, event

    def session_open(self, session_id: str, account: Account) -> bool:
        with self.store.snapshot() as tx:
            return tx.session_open(_digest(session_id), account.id)

    def sign_out(self, session_id: str, account: Account, address: str | None) -> EventRow:
        """End the session on the server: its cookie, wherever copied, no longer signs anyone in."""
        with self.store.transaction() as tx:
            tx.end_session(_digest(session_id))
            return tx.append_event("logout", account=account.username, address=address)

    def audit(self, type_: str, *, by: str | None, target: str | None = None,
              address: str | None = None) -> EventRow:
        """A sign-in, sign-out, refused sign-in or refused request, in the same event log as
        everything else."""
        with self.store.transaction() as tx:
            return tx.append_event(type_, account=by, target=target, address=address)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _check_new(username: str, password: str, role: str) -> None:
    if not USERNAME.match(username):
        raise AccountError("Tên đăng nhập gồm 2–32 chữ thường không dấu, số, dấu chấm, gạch.")
    if role not in ROLES:
        raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    _check_password(password)


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise AccountError(f"Họ tên dài tối đa {MAX_NAME} ký tự.")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def _find(tx: Tx, username: str) -> Account | None:
    row = tx.account_named(username)
    return None if row is None else _account(row)


def _require(tx: Tx, username: str) -> Account:
    account = _find(tx, username)
    if account is None:
        raise AccountError(f"Không có tài khoản {username!r}.")
    return account


def _account(row: AccountRow) -> Account:
    return Account(row.id, row.username, row.name, row.role, row.counters, row.active,
                   row.generation)
