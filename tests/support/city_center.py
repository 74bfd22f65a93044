"""A real center bridged to a city broker: its Mosquitto with the bridge `xephang credentials`
writes from site.toml's `[uplink] city_urls`, and its queue server issuing tickets."""

from __future__ import annotations

import shutil
from pathlib import Path

from broker.role import BrokerRole
from city.credentials import CityCredentials
from harness.city import wait_until
from harness.mqtt_probe import OBSERVERS, Probe
from tests.support.broker import ask_ticket, running_broker
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig, UplinkSection, load_config
from xephang.credentials.bridge import CITY_FOLDER
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, Topics


def bridged_site(city_urls: list[str]) -> SiteConfig:
    config = load_config(SITE_TOML)
    uplink = UplinkSection(enabled=True, rewind_s=2, city_urls=city_urls)
    return config.model_copy(update={"uplink": uplink})


def acknowledged(role: BrokerRole) -> bool:
    with role.store.snapshot() as tx:
        return tx.uplink_acked_seq() == tx.last_event_seq() > 0


def run_bridged_center(folder: Path, city: CityCredentials, city_urls: list[str],
                       tickets: int) -> tuple[str, int]:
    """Issue `tickets` tickets at a center bridged to `city_urls`, wait until the city has
    acknowledged every event; the center's (epoch, last seq)."""
    config = bridged_site(city_urls)
    credentials = folder / "center-mqtt" / "credentials"
    shutil.copytree(city.out / "centers" / config.site.id, credentials / CITY_FOLDER)
    center_mqtt = Mosquitto(folder / "center-mqtt", config, observers=OBSERVERS).start()
    probe = Probe(center_mqtt.access(OBSERVERS[0]))
    topics = Topics(config.site.id)
    try:
        with running_broker(config, center_mqtt.access(BROKER_ID), folder / "queue.db",
                            probe) as role:
            for _ in range(tickets):
                assert ask_ticket(probe, topics, "HT")["ok"]
            wait_until(lambda: acknowledged(role), 90, "the center's events acknowledged by the city")
            with role.store.snapshot() as tx:
                return tx.uplink_epoch(), tx.last_event_seq()
    finally:
        probe.close()
        center_mqtt.stop()
