"""The city broker as a RabbitMQ cluster (Debian's 3.10, three nodes, MQTT plugin, durable sessions
in quorum queues): a real center's bridge reaches it, and a node killed mid-stream loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from city.credentials import CityCredentials
from harness.city import CityTier, rabbit_city, wait_until
from harness.rabbitmq import RabbitCluster
from tests.support.city_center import run_bridged_center
from tests.support.paths import SITE_TOML
from xephang.config import load_config

BRIDGED = load_config(SITE_TOML).site.id
SIMULATED = ("hoan-kiem", "cau-giay", "tay-ho")
pytestmark = pytest.mark.timeout(400)  # the cluster's start is most of it


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RabbitCluster, CityCredentials]]:
    cluster, made = rabbit_city(tmp_path_factory.mktemp("rabbit"), [BRIDGED, *SIMULATED])
    yield cluster, made
    cluster.stop()


def test_a_center_bridges_to_the_rabbitmq_cluster(tmp_path: Path, city_dsn: str,
                                                  rabbit: tuple[RabbitCluster, CityCredentials]) -> None:
    city = CityTier(tmp_path / "city", city_dsn, [BRIDGED], rabbit=rabbit)
    try:
        city.aggregator.start()
        epoch, last = run_bridged_center(tmp_path, city.made, city.urls, tickets=5)
    finally:
        city.close()
    with psycopg.connect(city_dsn) as connection:
        rows = connection.execute("SELECT site, epoch::text, seq FROM city_events ORDER BY seq").fetchall()
    assert rows == [(BRIDGED, epoch, seq) for seq in range(1, last + 1)]


@pytest.mark.fault_injection  # minutes of a cluster's recovery: `make bench` carries it
def test_a_rabbitmq_node_killed_mid_stream_loses_nothing(tmp_path: Path, city_dsn: str,
                                                         rabbit: tuple[RabbitCluster, CityCredentials]
                                                         ) -> None:
    cluster, _ = rabbit
    # The aggregator starts on node 2; the centers publish to nodes 1 and 3. Killing node 2 drops
    # the aggregator, which finds its durable session (a quorum queue) on node 1.
    city = CityTier(tmp_path / "city", city_dsn, SIMULATED, rabbit=rabbit, order=(1, 0, 2))
    try:
        city.aggregator.start()
        for index, site in enumerate(SIMULATED):
            city.center(site, node=(0, 2)[index % 2]).add_events(3000)
        wait_until(lambda: len(city.stored()) > 1500, 60, "the first events stored")
        cluster.nodes[1].kill()
        wait_until(city.all_acked, 180, "every center acknowledged with a node down")
        assert city.stored() == city.expected()
    finally:
        city.close()
