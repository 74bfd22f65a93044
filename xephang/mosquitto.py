"""Run a private Mosquitto on a free loopback port, for the demo and the tests."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

from xephang.errors import XephangError

INSTALL_HINT = (
    "mosquitto is not installed. On Debian / Raspberry Pi OS run `make install` as root, "
    "or `sudo apt-get install mosquitto`."
)


class MosquittoError(XephangError, RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_mosquitto() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise MosquittoError(INSTALL_HINT)


def write_config(folder: Path, port: int) -> Path:
    """Loopback only, anonymous, persistent; queues deep enough that a burst is never dropped."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                f"listener {port} 127.0.0.1",
                "allow_anonymous true",
                # Stay the user who started us (as root, mosquitto would switch to `mosquitto`
                # and then could not write its persistence file in our folder).
                f"user {getpass.getuser()}",
                "persistence true",
                f"persistence_location {folder}/",
                "autosave_interval 1",
                # The default (1000) silently drops QoS 1 messages to a slow subscriber in a burst.
                "max_queued_messages 100000",
                "max_inflight_messages 100",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


class Mosquitto:
    """A mosquitto process of our own; `url` is what clients connect to."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Mosquitto:
        config = write_config(self.folder, self.port)
        with (self.folder / "mosquitto.log").open("ab") as log_file:
            self.process = subprocess.Popen(
                [find_mosquitto(), "-c", str(config)], stdout=log_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MosquittoError(f"mosquitto exited at start; see {self.folder}/mosquitto.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise MosquittoError(f"mosquitto did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
