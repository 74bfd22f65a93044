"""A center's history: `xephang simulate --days N --db FILE` writes past days that the manager's
statistics then show, through a real broker."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from broker.role import BrokerRole
from broker.store.db import Store
from harness.mqtt_probe import Probe
from harness.web_session import staff_session
from tests.support.broker import wait_ready
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def simulate_days(db: Path, days: int, tickets: int) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "simulate", "--config", str(SITE_TOML), "--days",
         str(days), "--tickets", str(tickets), "--db", str(db)],
        capture_output=True, text=True, timeout=120, check=True)
    figures: dict[str, object] = json.loads(result.stdout)
    return figures


def issued_per_day(db: Path) -> dict[str, int]:
    store = Store(db)
    try:
        with store.snapshot() as tx:
            return {row["day"]: int(row["n"]) for row in tx.execute(
                "SELECT day, COUNT(*) AS n FROM tickets GROUP BY day")}
    finally:
        store.close()


def test_simulated_days_end_yesterday_and_skip_weekends(config: SiteConfig, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    figures = simulate_days(db, 14, 60)
    days = issued_per_day(db)
    today = datetime.now(config.site.zone).date()
    assert figures["days"] == len(days) == 10  # two weeks: ten working days
    assert max(days) < today.isoformat() and min(days) >= (today - timedelta(days=14)).isoformat()
    assert all(date.fromisoformat(d).weekday() < 5 for d in days)
    assert sum(days.values()) == figures["tickets"]
    again = simulate_days(db, 14, 60)  # days already written are left as they are
    assert again["days"] == 0 and issued_per_day(db) == days


def test_the_statistics_page_shows_the_simulated_days(config: SiteConfig, mosquitto: Mosquitto,
                                                       tmp_path: Path, probe: Probe) -> None:
    db = tmp_path / "q.db"
    figures = simulate_days(db, 7, 80)
    days = issued_per_day(db)
    role = BrokerRole(config, mqtt_url=mosquitto.url, db_path=db, http=("127.0.0.1", 0))
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        assert role.http_url
        manager = staff_session(role.http_url, db, "quanly", role="manager")
        first, last = min(days), max(days)
        rows = list(csv.reader(io.StringIO(
            manager.get_text(f"/admin/stats.csv?from={first}&to={last}"))))
        total = next(row for row in rows if len(row) > 2 and row[1] == "Tổng cộng")
        assert int(total[2]) == figures["tickets"]  # issued
        assert 0 < int(total[4]) <= int(total[2])  # served
        one_day = list(csv.reader(io.StringIO(manager.get_text(f"/admin/stats.csv?day={last}"))))
        assert int(next(r for r in one_day if len(r) > 2 and r[1] == "Tổng cộng")[2]) == days[last]
    finally:
        role.stop()
