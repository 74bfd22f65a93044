"""What every signed-in web app of ours shares (the broker's office, the city's board): the session
cookie's settings, the CSRF token on every form and POST, where a freshly signed-in browser may be
sent, the session key from the environment, and the throttle's wait in Vietnamese.

Each app keeps its own accounts and sessions; these are the parts that must not differ between them.
"""

from __future__ import annotations

import getpass
import hmac
import os
import secrets
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from flask import Flask, render_template, request, session

from xephang.throttle import LoginThrottle

PASSWORD_ENV = "XEPHANG_PASSWORD"
SECRET_ENV = "XEPHANG_WEB_SECRET"
SECRET_CREDENTIAL = "web-secret"
CSRF_EXPIRED = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại."
LOCKED = "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống."
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


class SessionAccount(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def active(self) -> bool: ...
    @property
    def generation(self) -> int: ...


Account = TypeVar("Account", bound=SessionAccount)


class SignInAccounts(Protocol[Account]):
    """What sign-in needs of an app's accounts (the office's or the board's)."""

    def get(self, account_id: int) -> Account | None: ...
    def session_open(self, session_id: str, account: Account) -> bool: ...
    def authenticate(self, username: str, password: str) -> Account | None: ...


# Told of a refused sign-in: (outcome "throttled" | "locked" | "failed", username, address).
Refused = Callable[[str, str, str], None]


def secret_from_environment() -> str | None:
    """The key that signs sessions, when the environment or a systemd credential gives one; else
    the app keeps a generated one in its own database (never in the repository)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / SECRET_CREDENTIAL).is_file():
        return (Path(credentials) / SECRET_CREDENTIAL).read_text().strip()
    return None


def configure_session(app: Flask, cookie: str, *, secure: bool, idle_min: int) -> None:
    """Flask's signed cookie: not readable by scripts, not sent by other sites' forms, and refused
    by the server once idle for `idle_min` (its signature carries a timestamp)."""
    app.config.update(
        SESSION_COOKIE_NAME=cookie, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure, PERMANENT_SESSION_LIFETIME=timedelta(minutes=idle_min))


def account_of_session(accounts: SignInAccounts[Account], max_hours: float) -> Account | None:
    """The account this browser's session signs in, or None, and the session cleared, when the
    account is gone, disabled or reset (its generation moved), the session is older than
    `max_hours`, or it was signed out."""
    uid = session.get("uid")
    if uid is None:
        return None
    account = accounts.get(int(uid))
    expired = time.time() - float(session.get("at", 0)) > max_hours * 3600
    if (account is None or not account.active or account.generation != session.get("gen")
            or expired or not accounts.session_open(str(session.get("sid", "")), account)):
        session.clear()
        return None
    return account


def attempt_sign_in(accounts: SignInAccounts[Account], throttle: LoginThrottle,
                    locked: type[Exception], refused: Refused) -> Account | tuple[str, int]:
    """The account the sign-in form names, its password right; or the sign-in page again saying
    why (throttled, locked, wrong name or password), `refused` told first. `locked` is what the
    accounts raise for the right password of a disabled account."""
    username = request.form.get("username", "").strip().lower()[:64]
    address = request.remote_addr or ""
    wait = throttle.wait_s(address, username)
    if wait > 0:
        refused("throttled", username, address)
        return login_again(f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {wait_vi(wait)}.", 429)
    try:
        account = accounts.authenticate(username, request.form.get("password", ""))
    except locked:
        refused("locked", username, address)
        return login_again(LOCKED, 403)
    if account is None:
        throttle.failed(address, username)
        refused("failed", username, address)
        return login_again(WRONG, 401)
    throttle.succeeded(address, username)
    return account


def begin_session(account: SessionAccount, session_id: str) -> None:
    """A fresh session (and CSRF token) on every sign-in: no fixation."""
    session.clear()
    session.permanent = True
    session.update(uid=account.id, gen=account.generation, at=time.time(), sid=session_id)


def login_again(error: str, status: int) -> tuple[str, int]:
    """The sign-in page (each app's login.html) again, with the error and the name typed."""
    page = render_template("login.html", next=safe_next(request.form.get("next")), error=error,
                           username=request.form.get("username", ""))
    return page, status


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok() -> bool:
    """A safe method, or a POST carrying this session's token (header or form field)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = str(session.get("csrf", ""))
    return bool(expected) and hmac.compare_digest(sent, expected)


def safe_next(target: str | None) -> str:
    """Only a path on this server: never send a freshly signed-in browser somewhere else. A browser
    drops tabs and newlines from a URL (slash, tab, slash becomes `//`, another host) and reads a
    backslash as a slash, so either, or any other control character, refuses the target."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return ""
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return ""
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else ""


def wait_vi(seconds: float) -> str:
    """How long a throttled sign-in must wait, the way the page says it."""
    return f"{max(1, round(seconds / 60))} phút" if seconds >= 60 else f"{max(1, round(seconds))} giây"


def read_password() -> str:
    """An account's password for a command-line tool: XEPHANG_PASSWORD, else asked on a terminal
    without echo, else a line of standard input; never an argument, where `ps` would show it."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin.isatty():
        return getpass.getpass("Mật khẩu: ")
    return sys.stdin.readline().rstrip("\n")
