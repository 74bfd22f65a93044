"""A real center — its queue server, its Mosquitto with the bridge `xephang credentials` writes —
sends its events to a real city broker, and the aggregator stores them once in PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from broker.role import BrokerRole
from harness.city import CityTier, wait_until
from harness.mqtt_probe import OBSERVERS, Probe
from tests.support.broker import ask_ticket, running_broker
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig, UplinkSection, load_config
from xephang.credentials.bridge import CITY_FOLDER
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, Topics


def bridged_site(city_url: str) -> SiteConfig:
    config = load_config(SITE_TOML)
    uplink = UplinkSection(enabled=True, rewind_s=2, city_urls=[city_url])
    return config.model_copy(update={"uplink": uplink})


@pytest.fixture
def city(tmp_path: Path, city_dsn: str) -> Iterator[CityTier]:
    made = CityTier(tmp_path / "city", city_dsn, [load_config(SITE_TOML).site.id])
    made.aggregator.start()
    yield made
    made.close()


def acknowledged(role: BrokerRole) -> bool:
    with role.store.snapshot() as tx:
        return tx.uplink_acked_seq() == tx.last_event_seq() > 0


def test_a_center_bridges_its_events_to_the_city_once(tmp_path: Path, city: CityTier) -> None:
    config = bridged_site(city.broker.url)
    credentials = tmp_path / "center-mqtt" / "credentials"
    assert city.broker.made is not None
    shutil.copytree(city.broker.made.out / "centers" / config.site.id, credentials / CITY_FOLDER)
    center_mqtt = Mosquitto(tmp_path / "center-mqtt", config, observers=OBSERVERS).start()
    probe = Probe(center_mqtt.access(OBSERVERS[0]))
    topics = Topics(config.site.id)
    try:
        with running_broker(config, center_mqtt.access(BROKER_ID), tmp_path / "queue.db",
                            probe) as role:
            for _ in range(5):
                assert ask_ticket(probe, topics, "HT")["ok"]
            wait_until(lambda: acknowledged(role), 60, "the center's events acknowledged by the city")
            with role.store.snapshot() as tx:
                last, epoch = tx.last_event_seq(), tx.uplink_epoch()
    finally:
        probe.close()
        center_mqtt.stop()
    with psycopg.connect(city.dsn) as connection:
        rows = connection.execute("SELECT site, epoch::text, seq, type FROM city_events ORDER BY seq"
                                  ).fetchall()
    assert [(site, ep, seq) for site, ep, seq, _ in rows] == [
        (config.site.id, epoch, seq) for seq in range(1, last + 1)]
    assert [kind for *_, kind in rows].count("ticket_issued") == 5
