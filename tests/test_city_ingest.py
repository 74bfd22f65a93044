"""The city aggregator end to end with real processes: centers' real uplink code publishing to a
real city Mosquitto (TLS, per-center logins), `xephang city` as its own process, real PostgreSQL.
Every event lands exactly once, none with a citizen's data, through the failures of issue 16."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from city.config import load_city_config
from harness.city import (
    CITY_PROBE,
    AggregatorProcess,
    CityMosquitto,
    SimulatedCenter,
    bridge_access,
    city_toml,
    stored_events,
    wait_until,
)
from harness.mqtt_probe import Probe
from xephang.protocol import UplinkEvent

SITES = ("ba-dinh", "hoan-kiem", "cau-giay")


class City:
    """The city broker, the aggregator and the centers of one test."""

    def __init__(self, folder: Path, dsn: str) -> None:
        self.folder, self.dsn = folder, dsn
        placeholder = city_toml(folder, dsn, ["mqtts://127.0.0.1:1"], SITES)
        self.broker = CityMosquitto(folder / "city-mqtt", load_city_config(placeholder))
        self.broker.start()
        self.config_path = city_toml(folder, dsn, [self.broker.url], SITES)
        (folder / "credentials").symlink_to(folder / "city-mqtt" / "credentials")
        self.aggregator = AggregatorProcess(self.config_path, folder)
        self.centers: dict[str, SimulatedCenter] = {}

    def center(self, site: str, *, db: str | None = None, window: int = 500) -> SimulatedCenter:
        path = self.folder / f"{db or site}.db"
        self.centers[site] = SimulatedCenter(site, path, bridge_access(self.broker, site),
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
        return all(c.acked() == len([r for r in self.expected() if r[0] == s])
                   for s, c in self.centers.items())

    def close(self) -> None:
        for center in self.centers.values():
            center.stop()
        self.aggregator.stop()
        self.broker.stop()


@pytest.fixture
def city(tmp_path: Path, city_dsn: str) -> Iterator[City]:
    made = City(tmp_path, city_dsn)
    yield made
    made.close()


def test_every_center_event_is_stored_once_and_acknowledged(city: City) -> None:
    city.aggregator.spawn()
    for site in SITES:
        city.center(site).add_events(1500)
    wait_until(city.all_acked, 60, "every center acknowledged to its last event")
    assert city.stored() == city.expected()


def test_uplink_events_carry_no_citizen_data(city: City) -> None:
    probe = Probe(city.broker.login(CITY_PROBE.device_id))
    try:
        probe.subscribe("xephang/v1/+/uplink/event")
        city.center("ba-dinh").add_events(8)
        allowed = set(UplinkEvent.model_fields)
        for _ in range(8):
            _, payload = probe.next("xephang/v1/+/uplink/event", timeout=10)
            assert set(payload) <= allowed
            assert "hash" not in str(payload) and "000.00" not in str(payload)
    finally:
        probe.close()
