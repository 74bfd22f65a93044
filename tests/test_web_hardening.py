"""The pages against abuse, over real HTTP: where a sign-in may send the browser, what a sign-out
ends, how large a body may be, and what malformed JSON gets."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import jsonify, request

from broker.role import BrokerRole
from harness.web_session import WebSession
from tests.support.staff_pages import PASSWORD, events
from xephang.throttle import LoginThrottle
from xephang.web import MAX_BODY_BYTES, WebServer, web_app


@pytest.fixture
def url(staff_url: str) -> str:
    """A broker with its pages and one account per role (tests/support/staff_pages.py)."""
    return staff_url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def sign_in_to(url: str, next_path: str) -> tuple[int, str]:
    """Sign in with `next` as the login page's form sends it; the status and the Location."""
    session = WebSession(url)
    session.opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(session.cookies), _NoRedirect())
    page = session.get_text("/login?" + urlencode({"next": next_path}))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = urlencode({"csrf_token": token[1], "username": "canbo5", "password": PASSWORD,
                      "next": next_path}).encode()
    try:
        session.opener.open(urllib.request.Request(url + "/login", data=form), timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")
    raise AssertionError("a sign-in must answer with a redirect")


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1",
                                    "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/\x00/evil.example", " //evil.example"])
def test_a_sign_in_never_sends_the_browser_off_site(url: str, target: str) -> None:
    status, location = sign_in_to(url, target)
    assert status == 302
    assert urlsplit(location).path == "/counter/5"  # the account's own page, on this server
    assert urlsplit(location).netloc in ("", urlsplit(url).netloc)


def test_a_sign_in_follows_a_local_next(url: str) -> None:
    status, location = sign_in_to(url, "/counter/5/queue.json")
    assert (status, urlsplit(location).path) == (302, "/counter/5/queue.json")


def test_a_sign_out_ends_the_session_on_the_server(url: str) -> None:
    staff = WebSession(url).login("canbo5", PASSWORD)
    copied = WebSession(url)
    for cookie in staff.cookies:
        copied.cookies.set_cookie(cookie)
    assert copied.get_json("/api/whoami")["user"] == "canbo5"
    staff.opener.open(urllib.request.Request(url + "/logout", data=urlencode(
        {"csrf_token": staff.csrf}).encode()), timeout=10).read()
    with pytest.raises(urllib.error.HTTPError, match="401"):
        copied.get_json("/api/whoami")
    again = WebSession(url).login("canbo5", PASSWORD)  # a new sign-in is a new session
    assert again.get_json("/api/whoami")["user"] == "canbo5"


def send_oversized(url: str, path: str, declared: int, sent: int) -> tuple[int, bytes]:
    """POST that declares `declared` bytes and sends only `sent`: the answer must come anyway."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        raw.sendall(f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: "
                    f"application/json\r\nContent-Length: {declared}\r\n\r\n".encode())
        with contextlib.suppress(OSError):  # the server may close as soon as it has answered
            raw.sendall(b"[" * sent)
        response = http.client.HTTPResponse(raw)
        response.begin()
        return response.status, response.read()


@pytest.mark.parametrize("path", ["/login", "/api/counter/5/command", "/admin/accounts"])
def test_a_40_mb_body_is_refused_before_it_is_read(url: str, path: str) -> None:
    status, body = send_oversized(url, path, declared=40_000_000, sent=MAX_BODY_BYTES + 1)
    assert status == 413
    reply = json.loads(body)  # the JSON refusal every page gives, in Vietnamese
    assert (reply["ok"], reply["error"]) == (False, "too_large")
    assert reply["detail"] == f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1024} KiB)."


def test_a_form_too_large_is_refused_in_vietnamese(url: str) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        raw.sendall(f"POST /login HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 40000000\r\n\r\n".encode())
        response = http.client.HTTPResponse(raw)
        response.begin()
        text = response.read().decode("utf-8")
    assert response.status == 413 and response.getheader("Content-Type", "").startswith("text/")
    assert "Nội dung gửi lên quá lớn" in text and "Request Entity" not in text


@pytest.mark.parametrize(("body", "code"), [
    (b"[" * 40_000, "invalid_json"),
    (b'{"command_id": "x", "args": ' + b"[" * 900 + b"]" * 900 + b"}", "invalid_payload"),
    (b'{"command_id": 1' + b"0" * 5000 + b"}", "invalid_json"),
    (b'"just a string"', "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
])
def test_malformed_json_to_the_command_api_is_a_400(url: str, body: bytes, code: str) -> None:
    staff = WebSession(url).login("canbo5", PASSWORD)
    status, reply = staff.post_json("/api/counter/5/command", body)
    assert (status, reply["ok"], reply["error"]) == (400, False, code)
    good = {"command_id": str(uuid.uuid4()), "action": "pause"}
    assert staff.post_json("/api/counter/5/command", good)[0] == 200


@pytest.fixture
def echo_server() -> Iterator[str]:
    """A page built like every role's (kiosk, display, broker): `web_app` served by WebServer."""
    app = web_app(__name__)

    @app.post("/echo")
    def echo() -> Any:
        body = request.get_json()
        return jsonify({"kind": type(body).__name__})

    server = WebServer(app, "127.0.0.1", 0).start()
    yield server.url
    server.stop()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_every_role_page_answers_bad_json_and_large_bodies(echo_server: str) -> None:
    assert post(echo_server + "/echo", b'{"a": 1}') == (200, '{"kind":"dict"}\n')
    status, text = post(echo_server + "/echo", b"[" * 50_000)
    assert status == 400 and '"error":"invalid_json"' in text and "JSON" in text
    status, text = post(echo_server + "/echo", b"{" * 10)
    assert status == 400 and '"error":"invalid_json"' in text
    exactly = b'"' + b"a" * (MAX_BODY_BYTES - 2) + b'"'
    assert post(echo_server + "/echo", exactly)[0] == 200
    assert post(echo_server + "/echo", exactly + b" ")[0] == 413
    assert send_oversized(echo_server, "/echo", declared=40_000_000, sent=100_000)[0] == 413


def test_sign_in_delays_grow_and_are_per_address_and_username() -> None:
    now = [1000.0]
    throttle = LoginThrottle(attempts=3, window_s=600, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_s("10.0.0.9", "canbo5") == 0
        throttle.failed("10.0.0.9", "canbo5")
    assert throttle.wait_s("10.0.0.9", "quanly") == 0  # another account from that PC
    waits = []
    for _ in range(10):
        waits.append(throttle.wait_s("10.0.0.9", "canbo5"))
        now[0] += waits[-1]
        throttle.failed("10.0.0.9", "canbo5")
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 600]
    assert throttle.wait_s("10.0.0.7", "canbo5") == 0  # the same account from another PC
    assert throttle.wait_s("10.0.0.9", "quanly") > 0  # 13 failures from one PC: a spray
    now[0] += 601
    assert throttle.wait_s("10.0.0.9", "canbo5") == 0  # forgotten after a quiet window


def test_one_address_spraying_usernames_meets_the_delays_too() -> None:
    now = [0.0]
    throttle = LoginThrottle(attempts=2, window_s=600, clock=lambda: now[0])
    for name in ("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"):
        throttle.failed("10.0.0.9", name)
    assert throttle.wait_s("10.0.0.9", "new-name") == 2
    assert throttle.wait_s("10.0.0.7", "new-name") == 0


def test_refused_requests_are_in_the_audit_trail(staff_broker: BrokerRole, url: str) -> None:
    staff = WebSession(url).login("canbo5", PASSWORD)
    with pytest.raises(urllib.error.HTTPError) as refused:
        staff.get("/admin/accounts")  # a staff member on the admins' page
    assert refused.value.code == 403
    staff.csrf = "forged"
    assert staff.post_json("/api/counter/5/command", {"action": "pause"})[0] == 400
    forbidden = events(staff_broker, "refused_forbidden")
    assert [(e["account"], e["target"], e["address"]) for e in forbidden] == [
        ("canbo5", "GET /admin/accounts", "127.0.0.1")]
    forged = events(staff_broker, "refused_csrf_failed")
    assert [(e["account"], e["target"]) for e in forged] == [
        ("canbo5", "POST /api/counter/5/command")]
    manager = WebSession(url).login("quanly", PASSWORD)
    trail = manager.get_text("/admin/audit")
    assert "Từ chối truy cập: không đủ quyền" in trail
    assert "Từ chối biểu mẫu hết hạn hoặc không hợp lệ" in trail
