"""Real `xephang` processes for integration tests, and waiting for their pages to answer."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.conftest import SITE_TOML
from xephang.mosquitto import free_port


class RoleProcess:
    """`xephang ROLE …` as a child process with its page on a free port."""

    def __init__(self, role: str, mqtt_url: str, log_dir: Path, *extra: str,
                 config: Path = SITE_TOML, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "xephang.cli", role, "--config", str(config),
                        "--mqtt", mqtt_url, "--http", f"127.0.0.1:{self.port}", *extra]
        self.env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock",
                    "XEPHANG_STATE_DIR": str(log_dir / "state"), **(env or {})}
        self.log_path = log_dir / f"{role}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str = "/", timeout: float = 30.0) -> RoleProcess:
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log_file,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not answers(self.url + ready_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.command[3]} did not start:\n{self.log()}")
            time.sleep(0.05)  # polling a port that is not open yet; there is no event to wait on
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


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
                   counter: int | None = None) -> None:
    """An account in a broker's database (before or while the broker runs)."""
    from broker.accounts.registry import Accounts
    from broker.store.db import Store

    store = Store(db)
    try:
        Accounts(store).create(username, password, role, counter=counter, by="(test)")
    finally:
        store.close()


class WebSession:
    """A signed-in HTTP client: keeps the session cookie and sends the CSRF token with every POST."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
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

    def get_text(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return str(response.read().decode("utf-8"))

    def get_json(self, path: str) -> Any:
        return json.loads(self.get_text(path))

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
                  password: str = "mat-khau-thu") -> WebSession:
    """A new account in the broker's database, signed in."""
    create_account(db, username, password, role)
    return WebSession(base_url).login(username, password)
