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
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request, session

PASSWORD_ENV = "XEPHANG_PASSWORD"
SECRET_ENV = "XEPHANG_WEB_SECRET"
SECRET_CREDENTIAL = "web-secret"
CSRF_EXPIRED = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại."


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
