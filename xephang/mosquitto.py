"""Run a private Mosquitto for the demo and the tests, secured exactly as a center's: the config,
passwords, ACL and certificates come from `xephang credentials`; only the ports (free, loopback) and
the data folder are its own.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

from xephang.config import SiteConfig
from xephang.credentials import CredentialsReport, make_credentials
from xephang.credentials.bridge import bridge_conf
from xephang.credentials.mosquitto_conf import Listener, mosquitto_conf
from xephang.errors import XephangError
from xephang.mqtt_access import MqttAccess
from xephang.protocol import BROKER_ID

INSTALL_HINT = (
    "mosquitto is not installed. On Debian / Raspberry Pi OS run `make install` as root, "
    "or `sudo apt-get install mosquitto`."
)


class MosquittoError(XephangError, RuntimeError):
    pass


class PortTaken(MosquittoError):
    pass


PORT_ATTEMPTS = 20
RESTART_RETRY_S = 0.5


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` different free ports (all held open while choosing, so never the same twice)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def find_mosquitto() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise MosquittoError(INSTALL_HINT)


def write_config(folder: Path, credentials: Path, listeners: list[Listener], extra: str = "") -> Path:
    """The center's own settings (and `extra`: its bridge to the city), plus where this private
    instance keeps its data and log."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mosquitto.conf"
    private = [
        "# A private Mosquitto (xephang demo / tests); the rest is `xephang credentials` output.",
        # Stay the user who started us (as root, mosquitto would switch to `mosquitto`
        # and then could not write its persistence file in our folder).
        f"user {getpass.getuser()}",
        f"persistence_location {folder}/",
        "autosave_interval 1",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "",
    ]
    config.write_text("\n".join(private) + mosquitto_conf(credentials / "mosquitto", listeners)
                      + ("\n" + extra if extra else ""), encoding="utf-8")
    return config


class Mosquitto:
    """A mosquitto process of our own. Devices connect over TLS at `url` as their device id (see
    `access`); `plain_url` is its loopback listener without TLS, as on a center's server.
    `observers` are extra users with the broker's rights, for the tests' own clients."""

    def __init__(self, folder: Path, config: SiteConfig, *, observers: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.config = config
        self.observers = observers
        self.port, self.plain_port = free_ports(2)
        self.credentials: CredentialsReport | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    @property
    def plain_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.plain_port}"

    def password_file(self, device_id: str) -> Path:
        return self._report.password_file(device_id)

    def ca_file(self, device_id: str = BROKER_ID) -> Path:
        return self._report.ca_file(device_id)

    def access(self, device_id: str, *, tls: bool = True) -> MqttAccess:
        """How `device_id` logs in here (its real password and CA)."""
        password = self.password_file(device_id).read_text(encoding="utf-8").strip()
        if not tls:
            return MqttAccess(self.plain_url, device_id, password, None, self.password_file(device_id))
        return MqttAccess(self.url, device_id, password, self.ca_file(device_id),
                          self.password_file(device_id))

    @property
    def _report(self) -> CredentialsReport:
        if self.credentials is None:
            raise MosquittoError("start() Mosquitto before asking for credentials")
        return self.credentials

    def start(self, timeout: float = 10.0) -> Mosquitto:
        """Start (or start again on the same ports, as after a reboot: its clients reconnect)."""
        restart = self.credentials is not None
        for _ in range(PORT_ATTEMPTS):
            try:
                return self._start(timeout)
            except PortTaken:
                # Another program took a port between our choice and our bind (a client's
                # ephemeral port, while we were stopped): the first time choose others; on a restart
                # wait for it, since our clients know only these.
                if restart:
                    time.sleep(RESTART_RETRY_S)
                else:
                    self.port, self.plain_port = free_ports(2)
        return self._start(timeout)

    def _start(self, timeout: float) -> Mosquitto:
        listeners = [Listener(self.plain_port, "127.0.0.1", tls=False),
                     Listener(self.port, "127.0.0.1", tls=True)]
        self.credentials = make_credentials(self.config, self.folder / "credentials",
                                            listeners=listeners, observers=self.observers)
        bridge = bridge_conf(self.config, self.folder / "credentials")
        config = write_config(self.folder, self.folder / "credentials", listeners, bridge)
        with (self.folder / "mosquitto.log").open("ab") as log_file:
            self._log_start = log_file.tell()  # what this run writes comes after
            self.process = subprocess.Popen(
                [find_mosquitto(), "-c", str(config)], stdout=log_file, stderr=subprocess.STDOUT
            )
        self._wait_listening(timeout)
        return self

    def _wait_listening(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self._log():
                    raise PortTaken(f"port {self.port} or {self.plain_port} is taken")
                raise MosquittoError(f"mosquitto exited at start; see {self.folder}/mosquitto.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise MosquittoError(f"mosquitto did not listen on port {self.port} within {timeout} s")

    def _log(self) -> str:
        """What the last run wrote to the log."""
        with (self.folder / "mosquitto.log").open("rb") as log_file:
            log_file.seek(self._log_start)
            return log_file.read().decode("utf-8", errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
