"""Real `xephang` processes for integration tests, and waiting for their pages to answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

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
        self.env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock", **(env or {})}
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
