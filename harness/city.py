"""The city tier on this machine for the tests and the bench: a city Mosquitto secured as
`xephang city --make-credentials` makes it, simulated centers (a real broker store and the real
uplink code, publishing straight to the city broker as their bridge would), the aggregator as its
own `xephang city` process, and what PostgreSQL holds."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from broker.store.db import Store
from broker.uplink import Uplink
from city.config import CityConfig, load_city_config
from city.credentials import CityCredentials, make_city_credentials
from city.link import LISTENING
from harness.rabbitmq import RabbitCluster
from xephang.config import UplinkSection
from xephang.credentials.acl import DeviceRights
from xephang.credentials.mosquitto_conf import Listener
from xephang.launch import RoleProcess
from xephang.mosquitto import (
    PORT_ATTEMPTS,
    RESTART_RETRY_S,
    Mosquitto,
    PortTaken,
    find_mosquitto,
    free_ports,
    write_config,
)
from xephang.mqtt import MqttLink
from xephang.mqtt_access import MqttAccess
from xephang.protocol import Topics, city_bridge_id

# The tests' own users on the city broker: `city-probe` reads and writes everything under the
# contract's root; `city-mute` reads events like the aggregator but may not acknowledge anything.
CITY_PROBE = DeviceRights("city-probe", ("xephang/v1/#",), ("xephang/v1/#",))
CITY_MUTE = DeviceRights("city-mute", (), (Topics("+").uplink_event,))


def city_toml(folder: Path, dsn: str, urls: list[str], sites: Iterable[str], *,
              client_id: str = "xephang-city", batch: int = 5000, name: str = "city.toml") -> Path:
    """A city.toml for `sites` in `folder` (its credentials are made beside it). A `client_id`
    other than the aggregator's logs in as that test user (CITY_MUTE)."""
    secrets = "aggregator" if client_id == "xephang-city" else f"users/{client_id}"
    centers = "".join(f'\n[[centers]]\nid = "{site}"\nname = "Trung tâm Phục vụ hành chính công {site}"\n'
                      f'district = "Quận {index % 12 + 1}"\n' for index, site in enumerate(sites))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f'[database]\ndsn = "{dsn}"\n\n[mqtt]\nurls = {urls!r}\n'
                    f'client_id = "{client_id}"\nbatch = {batch}\n'
                    f'password_file = "credentials/{secrets}/mqtt-password"\n'
                    'ca_file = "credentials/aggregator/ca.crt"\n' + centers, encoding="utf-8")
    return path


class CityMosquitto(Mosquitto):
    """A small city's Mosquitto on a free loopback TLS port, with the city's users and ACL."""

    def __init__(self, folder: Path, config: CityConfig, extra_conf: str = "") -> None:
        self.folder = folder
        self.city = config
        self.extra_conf = extra_conf  # e.g. a deeper queue for a benchmark's preloaded session
        self.port, self.plain_port = free_ports(2)
        self.made: CityCredentials | None = None
        self.process = None
        self._log_start = 0

    def _start(self, timeout: float) -> Mosquitto:
        import subprocess

        listeners = [Listener(self.port, "127.0.0.1", tls=True)]
        self.made = make_city_credentials(self.city, self.folder / "credentials", listeners=listeners,
                                          extra=(CITY_PROBE, CITY_MUTE))
        config = write_config(self.folder, self.folder / "credentials", listeners, self.extra_conf)
        with (self.folder / "mosquitto.log").open("ab") as log_file:
            self._log_start = log_file.tell()
            self.process = subprocess.Popen([find_mosquitto(), "-c", str(config)], stdout=log_file,
                                            stderr=subprocess.STDOUT)
        self._wait_listening(timeout)
        return self

    def start(self, timeout: float = 10.0) -> CityMosquitto:
        """Start, or start again on the same ports (its clients know only these)."""
        for _ in range(PORT_ATTEMPTS):
            try:
                self._start(timeout)
                return self
            except PortTaken:
                if self.made is None:
                    self.port, self.plain_port = free_ports(2)
                else:
                    time.sleep(RESTART_RETRY_S)
        self._start(timeout)
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash of the city's broker machine would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def login(self, user: str) -> MqttAccess:
        assert self.made is not None
        return MqttAccess(self.url, user, self.made.password(user), self.made.ca_file)


class SimulatedCenter:
    """One center's real store and uplink, logged in to the city broker as its bridge."""

    def __init__(self, site: str, db: Path, access: MqttAccess, *, window: int = 500,
                 rewind_s: float = 2.0) -> None:
        self.site = site
        self.now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # the center's clock, moved by add_events
        self.store = Store(db, clock=lambda: self.now)
        self.link = MqttLink(access, persistent=True)
        self.uplink = Uplink(UplinkSection(enabled=True, window=window, rewind_s=rewind_s),
                             self.store, self.link, Topics(site))

    def start(self) -> SimulatedCenter:
        self.uplink.attach()
        self.link.start()
        return self

    def add_events(self, count: int) -> None:
        """`count` more events in the center's own store, as a busy day writes them, a second
        apart (with a citizen's keyed hash and dossier code in the data, which must never go up)."""
        with self.store.transaction() as tx:
            for n in range(count):
                self.now += timedelta(seconds=1)
                kind = ("ticket_issued", "ticket_called", "ticket_done", "ticket_rated")[n % 4]
                tx.append_event(kind, counter=n % 12 + 1, service="HT", wait_s=n % 900,
                                service_s=n % 600, rating="satisfied", account="canbo1",
                                id_hash=f"hash-{n}", dossier_code=f"000.00.{n}")

    def last_seq(self) -> int:
        with self.store.snapshot() as tx:
            return tx.last_event_seq()

    def acked(self) -> int:
        with self.store.snapshot() as tx:
            return tx.uplink_acked_seq() or 0

    def stop(self) -> None:
        self.uplink.stop()
        self.link.stop()
        self.store.close()


class AggregatorProcess(RoleProcess):
    """`xephang city --config city.toml` as its own process."""

    def __init__(self, config_path: Path, log_dir: Path) -> None:
        super().__init__("city", [sys.executable, "-m", "xephang.cli", "city", "--config",
                                  str(config_path)], log_dir / "city.log")

    def start(self, timeout: float = 30.0) -> AggregatorProcess:
        """Spawn, and return once it listens for events (its log says so; nothing else does)."""
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.spawn()
        try:
            wait_until(lambda: LISTENING in self.log()[start:] or not self.running(), timeout,
                       "the aggregator's subscription")
        except AssertionError:
            self.stop()
            raise
        assert self.running(), self.log()
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def stored_events(dsn: str) -> list[tuple[Any, ...]]:
    """(site, epoch, seq) of every stored event, in order."""
    with psycopg.connect(dsn) as connection:
        return connection.execute("SELECT site, epoch, seq FROM city_events ORDER BY 1, 2, 3").fetchall()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` (a database or a store: nothing to subscribe to) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


class CityTier:
    """The city broker — its own Mosquitto, or a RabbitMQ cluster it is given (`rabbit_city`) —
    the aggregator (not yet started; its city.toml lists the nodes in `order`) and simulated
    centers, in `folder`."""

    def __init__(self, folder: Path, dsn: str, sites: Iterable[str], *,
                 rabbit: tuple[RabbitCluster, CityCredentials] | None = None,
                 order: tuple[int, ...] | None = None, extra_conf: str = "") -> None:
        self.folder, self.dsn, sites = folder, dsn, list(sites)
        folder.mkdir(parents=True, exist_ok=True)
        self.broker: CityMosquitto | None = None
        if rabbit:
            cluster, self.made = rabbit
            self.urls = cluster.urls
        else:
            placeholder = load_city_config(city_toml(folder, dsn, ["mqtts://127.0.0.1:1"], sites))
            self.broker = CityMosquitto(folder / "city-mqtt", placeholder, extra_conf).start()
            assert self.broker.made is not None
            self.made, self.urls = self.broker.made, [self.broker.url]
        nodes = [self.urls[i] for i in order] if order else self.urls
        self.config_path = city_toml(folder, dsn, nodes, sites)
        (folder / "credentials").symlink_to(self.made.out)
        self.aggregator = AggregatorProcess(self.config_path, folder)
        self.centers: dict[str, SimulatedCenter] = {}

    def login(self, user: str, node: int = 0) -> MqttAccess:
        return MqttAccess(self.urls[node], user, self.made.password(user), self.made.ca_file)

    def center(self, site: str, *, db: str | None = None, window: int = 500,
               node: int = 0) -> SimulatedCenter:
        path = self.folder / f"{db or site}.db"
        self.centers[site] = SimulatedCenter(site, path, self.login(city_bridge_id(site), node),
                                             window=window).start()
        return self.centers[site]

    def expected(self) -> list[tuple[str, str, int]]:
        rows = []
        for site, center in self.centers.items():
            with center.store.snapshot() as tx:
                last = tx.last_event_seq()
            rows += [(site, str(center.uplink.epoch), seq) for seq in range(1, last + 1)]
        return sorted(rows)

    def stored(self) -> list[tuple[str, str, int]]:
        return [(site, str(epoch), seq) for site, epoch, seq in stored_events(self.dsn)]

    def all_acked(self) -> bool:
        return all(center.acked() == center.last_seq() for center in self.centers.values())

    def close(self) -> None:
        for center in self.centers.values():
            center.stop()
        self.aggregator.stop()
        if self.broker is not None:
            self.broker.stop()


def rabbit_city(folder: Path, sites: Iterable[str]) -> tuple[RabbitCluster, CityCredentials]:
    """A 3-node RabbitMQ cluster with the users of a city of `sites` (stop the cluster after)."""
    placeholder = load_city_config(city_toml(folder, "dbname=none", ["mqtts://127.0.0.1:1"], sites,
                                             name="placeholder.toml"))
    made = make_city_credentials(placeholder, folder / "credentials", extra=(CITY_PROBE,))
    cluster = RabbitCluster(folder / "rabbitmq", made.out / "mosquitto",
                            made.out / "rabbitmq" / "definitions.json").start()
    return cluster, made
