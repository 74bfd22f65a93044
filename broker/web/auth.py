"""Sign-in for the staff and manager pages: signed sessions that expire, a CSRF token on every
form and API call, sign-in throttling (`throttle.py`), and role checks.

The session cookie is Flask's signed cookie; its signature carries a timestamp, so an idle session
(`session_idle_min`) is refused by the server, not just forgotten by the browser. It holds the
account id, the account's `generation` (bumped by a reset or disable, which ends the session), the
sign-in time (for `session_max_hours`) and the id of the server-side session that a sign-out ends.
Every refused sign-in, wrong or throttled, is an audit event with the address and the username.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from broker.accounts.registry import Account, AccountLocked, Accounts
from broker.store.db import EventRow, Store
from broker.web.context import accounts
from broker.web.labels import FORBIDDEN
from xephang.config import WebSection
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
from xephang.web import error_body

View = TypeVar("View", bound=Callable[..., Any])
Audit = Callable[[EventRow], None]


def web_secret(store: Store) -> str:
    """The key that signs sessions: from the environment, a systemd credential, or generated once
    and kept in the database (so a restart does not sign everyone out). Never in the repository."""
    given = secret_from_environment()
    if given is not None:
        return given
    with store.transaction() as tx:
        kept = tx.web_secret()
        if kept is not None:
            return kept
        secret = secrets.token_hex(32)
        tx.keep_web_secret(secret)
        return secret


def init_auth(app: Flask, accounts: Accounts, web: WebSection, store: Store, audit: Audit) -> None:
    app.secret_key = web_secret(store)
    configure_session(app, "xephang_session", secure=web.secure_cookies,
                      idle_min=web.session_idle_min)
    app.extensions.update(xephang_accounts=accounts, xephang_web=web, xephang_audit=audit,
                          xephang_throttle=LoginThrottle(web.login_attempts,
                                                         web.login_window_min * 60))
    app.before_request(_load_account)
    app.before_request(_check_csrf)
    app.context_processor(lambda: {"me": g.get("account"), "csrf_token": csrf_token})
    app.register_blueprint(auth)


def current() -> Account | None:
    account: Account | None = g.get("account")
    return account


def _load_account() -> None:
    web: WebSection = current_app.extensions["xephang_web"]
    g.account = account_of_session(accounts(), web.session_max_hours)


def still_signed_in() -> Callable[[], bool]:
    """For an answer that outlives its request (an event stream): a check, callable from any
    thread, that the session which opened it still signs its account in (not signed out, the
    account neither disabled nor reset)."""
    registry, session_id, account = accounts(), str(session.get("sid", "")), current()
    assert account is not None

    def check() -> bool:
        now = registry.get(account.id)
        return (now is not None and now.active and now.generation == account.generation
                and registry.session_open(session_id, now))
    return check


def _check_csrf() -> Any:
    return None if csrf_ok() else refuse_audited(400, "csrf_failed", CSRF_EXPIRED)


def wants_json() -> bool:
    """An API call, a JSON view or an event stream: refused with the JSON error body."""
    return (request.path.startswith("/api/") or request.path.endswith(".json")
            or request.accept_mimetypes.best == "text/event-stream")


def refuse(status: int, code: str, detail: str) -> tuple[Response | str, int]:
    if wants_json():
        return error_body(status, code, detail)
    return render_template("refused.html", detail=detail, status=status), status


def refuse_audited(status: int, code: str, detail: str) -> tuple[Response | str, int]:
    """`refuse`, and an audit event `refused_<code>` saying who (the signed-in account, if any),
    from where and what was asked (the method and path; no query or form)."""
    account = current()
    _audit(accounts().audit(f"refused_{code}", by=account.username if account else None,
                            target=f"{request.method} {request.path}"[:200],
                            address=request.remote_addr))
    return refuse(status, code, detail)


def require(role: str) -> Callable[[View], View]:
    """Only a signed-in account with `role` (or a higher one) may open the view."""
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            account = current()
            if account is None:
                if wants_json():
                    return refuse(401, "login_required", "Cần đăng nhập (login required).")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not account.has_role(role):
                return refuse_audited(403, "forbidden", FORBIDDEN)
            return view(*args, **kwargs)
        return cast(View, guarded)
    return decorate


def home_of(account: Account) -> str:
    if account.has_role("manager"):
        return url_for("admin.board")
    if account.counter is not None:
        return url_for("staff.counter_page", counter_id=account.counter)
    return url_for("staff.index")


# -- sign in and out -------------------------------------------------------------------------------
auth = Blueprint("auth", __name__)


@auth.get("/login")
def login() -> str:
    return render_template("login.html", next=safe_next(request.args.get("next")), error=None)


@auth.post("/login")
def login_post() -> Any:
    def refused(outcome: str, username: str, address: str) -> None:
        _audit(accounts().audit(f"login_{outcome}", by=None, target=username, address=address))

    throttle: LoginThrottle = current_app.extensions["xephang_throttle"]
    account = attempt_sign_in(accounts(), throttle, AccountLocked, refused)
    if not isinstance(account, Account):
        return account
    web: WebSection = current_app.extensions["xephang_web"]
    session_id, event = accounts().sign_in(account, request.remote_addr or "",
                                           timedelta(hours=web.session_max_hours))
    begin_session(account, session_id)
    _audit(event)
    return redirect(safe_next(request.form.get("next")) or home_of(account))


@auth.post("/logout")
def logout() -> Any:
    account = current()
    if account is not None:
        _audit(accounts().sign_out(str(session.get("sid", "")), account, request.remote_addr))
    session.clear()
    return redirect(url_for("auth.login"))


@auth.get("/api/whoami")
def whoami() -> Any:
    account = current()
    if account is None:
        return refuse(401, "login_required", "Cần đăng nhập (login required).")
    return jsonify({"user": account.username, "name": account.label, "role": account.role,
                    "counter": account.counter, "counters": list(account.counters),
                    "csrf": csrf_token()})


def _audit(event: EventRow) -> None:
    audit: Audit = current_app.extensions["xephang_audit"]
    audit(event)
