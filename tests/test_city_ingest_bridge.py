"""A real center — its queue server, its Mosquitto with the bridge `xephang credentials` writes —
sends its events to a real city Mosquitto, and the aggregator stores them once in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg

from harness.city import CityTier
from tests.support.city_center import run_bridged_center
from tests.support.paths import SITE_TOML
from xephang.config import load_config


def test_a_center_bridges_its_events_to_the_city_once(tmp_path: Path, city_dsn: str) -> None:
    site = load_config(SITE_TOML).site.id
    city = CityTier(tmp_path / "city", city_dsn, [site])
    try:
        city.aggregator.start()
        epoch, last = run_bridged_center(tmp_path, city.made, city.urls, tickets=5)
    finally:
        city.close()
    with psycopg.connect(city_dsn) as connection:
        rows = connection.execute("SELECT site, epoch::text, seq, type FROM city_events ORDER BY seq"
                                  ).fetchall()
    assert [(s, e, seq) for s, e, seq, _ in rows] == [(site, epoch, seq) for seq in range(1, last + 1)]
    assert [kind for *_, kind in rows].count("ticket_issued") == 5
