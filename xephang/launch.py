"""A role (`xephang broker|kiosk|display …`) as its own process on this machine.

`xephang demo` starts a whole center this way; the tests and the benchmarks start single roles with
it. How a role is told where Mosquitto is lives in `mqtt_options`, and only there.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from xephang.errors import XephangError
from xephang.mqtt_access import MqttAccess

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def mqtt_options(mqtt: MqttAccess) -> list[str]:
    """The command-line options that log a role in to Mosquitto as its device: the address and its
    password file (its CA certificate is the `ca.crt` beside it)."""
    if mqtt.password_file is None:
        raise XephangError(f"{mqtt.username}: a role process reads its MQTT password from a file")
    return ["--mqtt", mqtt.url, "--mqtt-password-file", str(mqtt.password_file)]


def role_command(role: str, config_path: Path, mqtt: MqttAccess, options: Sequence[str]) -> list[str]:
    """`python -m xephang.cli ROLE --config … <MQTT options> OPTIONS…` with this interpreter."""
    return [sys.executable, "-m", "xephang.cli", role, "--config", str(config_path),
            *mqtt_options(mqtt), *options]


def answers(url: str) -> bool:
    """Something serves `url` without a server error."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


class RoleProcess:
    """One role process; its output (stdout and stderr) goes to `log_path`."""

    def __init__(self, label: str, command: Sequence[str], log_path: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.label = label
        self.command = list(command)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> RoleProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log_file,
                                            stderr=subprocess.STDOUT)
        return self

    def wait_answering(self, url: str, deadline: float) -> None:
        """Until `url` answers; XephangError if the process stops or `deadline` (monotonic) passes."""
        while not answers(url):
            if not self.running():
                raise XephangError(f"{self.label} stopped at start (exit {self.exit_code()}); "
                                   f"see the logs folder")
            if time.monotonic() > deadline:
                raise XephangError(f"{self.label} did not answer at {url}")
            time.sleep(0.05)  # polling a port that is not open yet; there is no event to wait on

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM) without waiting; `reap` waits."""
        if self.running():
            assert self.process is not None
            self.process.terminate()

    def reap(self) -> int | None:
        """Wait for a terminated process; kill it if it takes longer than STOP_TIMEOUT_S."""
        if self.process is None:
            return None
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def stop(self) -> int | None:
        """Terminate and wait; the exit code (0 for an orderly stop)."""
        self.terminate()
        return self.reap()

    def kill(self) -> None:
        """SIGKILL, as a power cut or the kernel's OOM killer would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
