"""The city IT office's accounts for the board: argon2id hashes in PostgreSQL, server-side sessions
that a sign-out ends, every sign-in (refused or not) recorded with its address.

A reset or a lock bumps the account's `generation`, which ends every session signed in before it.
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

from city.board.queries import BoardDb

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
MAX_NAME = 80


class AccountError(ValueError):
    """A refused account change; the message is Vietnamese, ready to show."""


class AccountLocked(Exception):
    """The right password of a locked account."""


@dataclass(frozen=True)
class BoardAccount:
    id: int
    username: str
    name: str
    active: bool
    generation: int

    @property
    def label(self) -> str:
        return self.name or self.username


_COLUMNS = "id, username, name, active, generation"


class BoardAccounts:
    def __init__(self, db: BoardDb, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy(self) -> str:
        """Verified for an unknown name, so a wrong name costs as long as a wrong password; made at
        the first sign-in, not at start (argon2 is slow on purpose)."""
        return self._hasher.hash("not a password of anyone")

    def get(self, account_id: int) -> BoardAccount | None:
        with self.db.connect() as connection:
            row = connection.execute(f"SELECT {_COLUMNS} FROM board_accounts WHERE id = %s",
                                     (account_id,)).fetchone()
        return None if row is None else BoardAccount(*row)

    def authenticate(self, username: str, password: str) -> BoardAccount | None:
        """The active account with this name and password, or None (never says which was wrong);
        AccountLocked for the right password of a locked account."""
        with self.db.connect() as connection:
            row = connection.execute(f"SELECT {_COLUMNS}, password_hash FROM board_accounts"
                                     " WHERE username = %s", (username.strip().lower(),)).fetchone()
        try:
            self._hasher.verify(row[-1] if row else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        account = BoardAccount(*row[:-1])
        if not account.active:
            raise AccountLocked(account.username)
        return account

    def create(self, username: str, password: str, name: str = "") -> BoardAccount:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("Tên đăng nhập gồm 2–32 chữ thường không dấu, số, dấu chấm, gạch.")
        _check_password(password)
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise AccountError(f"Họ tên dài tối đa {MAX_NAME} ký tự.")
        with self.db.connect() as connection:
            row = connection.execute(
                "INSERT INTO board_accounts (username, name, password_hash) VALUES (%s, %s, %s)"
                f" ON CONFLICT (username) DO NOTHING RETURNING {_COLUMNS}",
                (username, name, self._hasher.hash(password))).fetchone()
        if row is None:
            raise AccountError(f"Tên đăng nhập {username!r} đã có.")
        return BoardAccount(*row)

    def reset_password(self, username: str, password: str) -> None:
        _check_password(password)
        self._change(username, "password_hash = %s, generation = generation + 1",
                     self._hasher.hash(password))

    def set_active(self, username: str, active: bool) -> None:
        self._change(username, "active = %s, generation = generation + 1", active)

    def _change(self, username: str, assignments: str, value: object) -> None:
        with self.db.connect() as connection:
            found = connection.execute(f"UPDATE board_accounts SET {assignments} WHERE username = %s",
                                       (value, username.strip().lower())).rowcount
        if not found:
            raise AccountError(f"Không có tài khoản {username!r}.")

    # -- sessions and the sign-in record -------------------------------------------------------
    def sign_in(self, account: BoardAccount, max_age: timedelta) -> str:
        session_id = secrets.token_urlsafe(32)
        with self.db.connect() as connection:
            connection.execute("DELETE FROM board_sessions WHERE expires_at < now()")
            connection.execute("INSERT INTO board_sessions (digest, account, expires_at)"
                               " VALUES (%s, %s, now() + %s)", (_digest(session_id), account.id, max_age))
        return session_id

    def session_open(self, session_id: str, account: BoardAccount) -> bool:
        with self.db.connect() as connection:
            row = connection.execute("SELECT 1 FROM board_sessions WHERE digest = %s AND account = %s"
                                     " AND expires_at > now()", (_digest(session_id), account.id))
            return row.fetchone() is not None

    def sign_out(self, session_id: str) -> None:
        with self.db.connect() as connection:
            connection.execute("DELETE FROM board_sessions WHERE digest = %s", (_digest(session_id),))

    def record(self, username: str, address: str, outcome: str) -> None:
        """A sign-in, sign-out or refused sign-in, kept with its address."""
        with self.db.connect() as connection:
            connection.execute("INSERT INTO board_signins (username, address, outcome)"
                               " VALUES (%s, %s, %s)", (username[:64], address, outcome))

    def secret(self) -> str:
        """The key that signs the board's cookies, made once and kept in the database."""
        with self.db.connect() as connection:
            connection.execute("INSERT INTO board_settings (key, value) VALUES ('web_secret', %s)"
                               " ON CONFLICT (key) DO NOTHING", (secrets.token_hex(32),))
            row = connection.execute("SELECT value FROM board_settings WHERE key = 'web_secret'")
            found = row.fetchone()
        assert found is not None
        return str(found[0])


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
