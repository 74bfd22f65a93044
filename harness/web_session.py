"""HTTP as a page or a staff member sees a role: plain GET/POST, and a signed-in session
(its cookie, and the CSRF token sent with every POST)."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness.event_stream import EventStream


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def create_account(db: Path, username: str, password: str, role: str = "staff",
                   counter: int | None = None, counters: tuple[int, ...] = ()) -> None:
    """An account in a broker's database (before or while the broker runs)."""
    from broker.accounts.registry import Accounts
    from broker.store.db import Store

    store = Store(db)
    try:
        Accounts(store).create(username, password, role, counter=counter, counters=counters,
                               by="(test)")
    finally:
        store.close()


class _FromAddress(urllib.request.HTTPHandler):
    """Connect from a chosen local address (127.0.0.2 is another client to a loopback server)."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connect(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return http.client.HTTPConnection(host, source_address=(self.address, 0), **kwargs)
        return self.do_open(connect, req)


class WebSession:
    """A signed-in HTTP client: keeps the session cookie and sends the CSRF token with every POST."""

    def __init__(self, base_url: str, source_address: str | None = None) -> None:
        self.base = base_url
        self.cookies = http.cookiejar.CookieJar()
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(self.cookies)]
        if source_address:
            handlers.append(_FromAddress(source_address))
        self.opener = urllib.request.build_opener(*handlers)
        self.csrf = ""

    def login(self, username: str, password: str) -> WebSession:
        page = self.get_text("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        form = urlencode({"csrf_token": token[1], "username": username, "password": password})
        self.opener.open(urllib.request.Request(self.base + "/login", data=form.encode(),
                                                method="POST"), timeout=10).read()
        self.csrf = self.get_json("/api/whoami")["csrf"]
        return self

    def get(self, path: str, timeout: float = 10.0) -> bytes:
        with self.opener.open(self.base + path, timeout=timeout) as response:
            return bytes(response.read())

    def get_text(self, path: str) -> str:
        return self.get(path).decode("utf-8")

    def get_json(self, path: str) -> Any:
        return json.loads(self.get_text(path))

    def event_stream(self, path: str) -> EventStream:
        """A page's event stream read with this session's cookie (a signed-in page's view)."""
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        return EventStream(self.base + path, headers={"Cookie": cookie})

    def post_json(self, path: str, body: Any = None) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST", headers={
            "Content-Type": "application/json", "X-CSRF-Token": self.csrf})
        try:
            with self.opener.open(request, timeout=10) as response:
                return int(response.status), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


def staff_session(base_url: str, db: Path, username: str = "canbo-test", role: str = "staff",
                  password: str = "mat-khau-thu", counters: tuple[int, ...] = ()) -> WebSession:
    """A new account in the broker's database (staff: bound to `counters`), signed in."""
    create_account(db, username, password, role, counters=counters)
    return WebSession(base_url).login(username, password)
