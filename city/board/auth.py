"""Sign-in for the city's board: the same signed, expiring sessions, CSRF token and throttle as the
center's office (xephang/signin.py, xephang/throttle.py), over the board's own accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from city.board.accounts import AccountLocked, BoardAccount, BoardAccounts
from city.board.settings import BoardSection
from xephang.signin import (
    CSRF_EXPIRED,
    account_of_session,
    attempt_sign_in,
    begin_session,
    configure_session,
    csrf_ok,
    csrf_token,
    safe_next,
    secret_from_environment,
)
from xephang.throttle import LoginThrottle
from xephang.web import shared

View = TypeVar("View", bound=Callable[..., Any])
auth = Blueprint("auth", __name__)


def init_auth(app: Flask, accounts: BoardAccounts, section: BoardSection) -> None:
    app.secret_key = secret_from_environment() or accounts.secret()
    configure_session(app, "xephang_city_session", secure=section.secure_cookies,
                      idle_min=section.session_idle_min)
    app.extensions.update(
        city_accounts=accounts, city_board=section,
        city_throttle=LoginThrottle(section.login_attempts, section.login_window_min * 60))
    app.before_request(_load_account)
    app.before_request(_check_csrf)
    app.context_processor(lambda: {"me": g.get("account"), "csrf_token": csrf_token})
    app.register_blueprint(auth)


def _accounts() -> BoardAccounts:
    return shared("city_accounts", BoardAccounts)


def _section() -> BoardSection:
    return shared("city_board", BoardSection)


def current() -> BoardAccount | None:
    account: BoardAccount | None = g.get("account")
    return account


def _load_account() -> None:
    g.account = account_of_session(_accounts(), _section().session_max_hours)


def _check_csrf() -> Any:
    return None if csrf_ok() else refuse(400, CSRF_EXPIRED)


def refuse(status: int, detail: str) -> tuple[str, int]:
    return render_template("refused.html", detail=detail, status=status), status


def signed_in(view: View) -> View:
    """Only a signed-in account may open the view; others are sent to sign in first."""
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return cast(View, guarded)


@auth.get("/login")
def login() -> str:
    return render_template("login.html", next=safe_next(request.args.get("next")), error=None)


@auth.post("/login")
def login_post() -> Any:
    def refused(outcome: str, username: str, address: str) -> None:
        _accounts().record(username, address, outcome)

    throttle: LoginThrottle = current_app.extensions["city_throttle"]
    account = attempt_sign_in(_accounts(), throttle, AccountLocked, refused)
    if not isinstance(account, BoardAccount):
        return account
    session_id = _accounts().sign_in(account, timedelta(hours=_section().session_max_hours))
    _accounts().record(account.username, request.remote_addr or "", "signed_in")
    begin_session(account, session_id)
    return redirect(safe_next(request.form.get("next")) or url_for("board.overview"))


@auth.post("/logout")
def logout() -> Any:
    account = current()
    if account is not None:
        _accounts().sign_out(str(session.get("sid", "")))
        _accounts().record(account.username, request.remote_addr or "", "signed_out")
    session.clear()
    return redirect(url_for("auth.login"))
