"""A role as its own `xephang` process, its page on a free port: the product's launcher
(`xephang.launch`, what `xephang demo` runs) with the repository's site file, mock pins, and its
state and log in a folder of the caller's."""

from __future__ import annotations

import os
import time
from pathlib import Path

from harness.site_file import ANY_HOUR_SITE
from xephang import launch
from xephang.errors import XephangError
from xephang.mosquitto import free_port
from xephang.mqtt_access import MqttAccess

SITE_TOML = ANY_HOUR_SITE  # config/site.toml, issuing at any hour (harness/site_file.py)


class RoleProcess(launch.RoleProcess):
    """`xephang ROLE --http 127.0.0.1:<free port> EXTRA…`, logged in to Mosquitto as `mqtt` (e.g.
    `mosquitto.access("hall-1")` with `"--id", "hall-1"`); its log is in `log_dir`."""

    def __init__(self, role: str, mqtt: MqttAccess, log_dir: Path, *extra: str,
                 config: Path = SITE_TOML, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = launch.role_command(role, config, mqtt,
                                      ["--http", f"127.0.0.1:{self.port}", *extra])
        environment = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock",
                       "XEPHANG_STATE_DIR": str(log_dir / "state"), **(env or {})}
        super().__init__(role, command, log_dir / f"{role}-{self.port}.log", environment)

    def start(self, ready_path: str = "/", timeout: float = 30.0) -> RoleProcess:
        """Spawn, and return once `ready_path` answers; AssertionError with the log if it never does."""
        self.spawn()
        try:
            self.wait_answering(self.url + ready_path, time.monotonic() + timeout)
        except XephangError as exc:
            raise AssertionError(f"{exc}:\n{self.log()}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
