"""A center's history: `xephang simulate --days N --db FILE` writes past days that the manager's
statistics then show, through a real broker; closed days' figures add up to a recount of their
tickets; retention leaves a day's figures and nothing personal, and keeps what the city has not
acknowledged."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from broker.accounts.registry import Accounts
from broker.queue.tickets import Queue
from broker.reports import stats
from broker.reports.nightly import close_days, run_nightly
from broker.role import BrokerRole
from broker.store.db import Store, TicketRow
from harness.mqtt_probe import Probe
from harness.web_session import staff_session
from simulation.history import write_history
from tests.support.broker import wait_ready
from tests.support.paths import SITE_TOML
from tests.support.reports import by_header, zip_tables
from xephang.config import RetentionSection, SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import TicketRequest, Topics


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
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=db, http=("127.0.0.1", 0))
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        assert role.http_url
        manager = staff_session(role.http_url, db, "quanly", role="manager")
        first, last = min(days), max(days)
        rows = by_header(zip_tables(
            manager.get(f"/admin/stats.zip?from={first}&to={last}"))["dich-vu.csv"])
        total = next(row for row in rows if row["Dịch vụ"] == "Tổng cộng")
        assert int(total["Số phát"]) == figures["tickets"]
        assert 0 < int(total["Đã phục vụ"]) <= int(total["Số phát"])
        one_day = by_header(zip_tables(manager.get(f"/admin/stats.zip?day={last}"))["dich-vu.csv"])
        assert int(next(r for r in one_day if r["Dịch vụ"] == "Tổng cộng")["Số phát"]) == days[last]
    finally:
        role.stop()


# -- closed days and retention -----------------------------------------------------------------
TODAY = date(2026, 11, 27)  # a Friday
ZONE_NOON = time(12, 0)


def history_store(config: SiteConfig, db: Path, days: int = 12, tickets: int = 50) -> Store:
    store = Store(db)
    write_history(config, store, days, tickets, seed=3, today=TODAY)
    return store


def personal_traces(config: SiteConfig, db: Path, day: date) -> None:
    """On `day`: a CCCD ticket (an ID hash) and a sign-in from an address, as the broker stores
    them."""
    moment = datetime.combine(day, ZONE_NOON, tzinfo=config.site.zone)
    store = Store(db, clock=lambda: moment)
    try:
        reply = Queue(config, store).issue(TicketRequest(
            request_id=uuid.uuid4(), service="HT", source="cccd", id_hash="ab12" * 16), "kiosk-1")
        assert reply.reply is not None and reply.reply.ok
        Accounts(store).audit("login", by="quanly", target="quanly", address="192.0.2.7")
    finally:
        store.close()


def test_closed_days_add_up_to_a_recount_of_their_tickets(config: SiteConfig,
                                                          tmp_path: Path) -> None:
    store = history_store(config, tmp_path / "q.db")
    first, last = (TODAY - timedelta(days=12)).isoformat(), (TODAY - timedelta(days=1)).isoformat()
    closed = close_days(store, config, TODAY.isoformat())
    assert len(closed) == 9 and all(d < TODAY.isoformat() for d in closed)
    result = stats.for_days(store, config.site.zone, first, last)
    with store.snapshot() as tx:  # the recount, straight from the tickets and the call events
        issued = Counter(str(r["service"]) for r in tx.execute(
            "SELECT service FROM tickets WHERE day BETWEEN ? AND ?", (first, last)))
        ended = Counter((str(r["service"]), str(r["status"])) for r in tx.execute(
            "SELECT service, status FROM tickets WHERE day BETWEEN ? AND ?", (first, last)))
        rated = Counter(str(r["rating"]) for r in tx.execute(
            "SELECT rating FROM tickets WHERE rating IS NOT NULL AND day BETWEEN ? AND ?",
            (first, last)))
        waits = [json.loads(r["data"])["wait_s"] for r in tx.execute(
            "SELECT e.data FROM events e JOIN tickets t ON t.id = e.ticket"
            " WHERE e.type = 'ticket_called' AND t.day BETWEEN ? AND ?", (first, last))]
    store.close()
    assert dict(result.issued) == dict(issued) and sum(issued.values()) > 300
    assert dict(result.served) == {s: n for (s, status), n in ended.items() if status == "done"}
    assert dict(result.no_show) == {s: n for (s, status), n in ended.items() if status == "no_show"}
    assert dict(result.ratings["*"]) == dict(rated)
    assert result.wait["*"].count == len(waits)
    assert result.wait["*"].mean == pytest.approx(sum(waits) / len(waits), abs=0.5)


def test_a_day_past_retention_keeps_its_figures_and_nothing_personal(config: SiteConfig,
                                                                     tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    old = TODAY - timedelta(days=14)  # the Friday before the simulated days; 5 days of retention
    personal_traces(config, db, old)
    history_store(config, db).close()
    config = config.model_copy(update={"retention": RetentionSection(days=5)})
    store = Store(db)
    span = (old.isoformat(), (TODAY - timedelta(days=1)).isoformat())
    before = stats.for_days(store, config.site.zone, *span)  # from the tickets themselves
    result = run_nightly(store, config, datetime.combine(TODAY, ZONE_NOON, config.site.zone))
    after = stats.for_days(store, config.site.zone, *span)
    assert old.isoformat() in result.reduced and result.held_back is None
    assert all(d < (TODAY - timedelta(days=5)).isoformat() for d in result.reduced)
    assert after == before
    with store.snapshot() as tx:
        assert tx.issued_between("2000-01-01", old.isoformat()) == []
        assert not tx.execute("SELECT 1 FROM tickets WHERE id_hash IS NOT NULL").fetchall()
        kept_days = {str(r["day"]) for r in tx.execute("SELECT DISTINCT day FROM tickets")}
        assert kept_days and min(kept_days) >= (TODAY - timedelta(days=5)).isoformat()
        assert not tx.execute("SELECT 1 FROM events WHERE ticket IS NOT NULL AND ticket NOT IN"
                              " (SELECT id FROM tickets)").fetchall()
        assert not tx.execute("SELECT 1 FROM request_replies").fetchall()
        dump = "\n".join(str(tuple(r)) for r in tx.execute("SELECT * FROM events"))
    assert "192.0.2.7" not in dump and "ab12" not in dump
    store.close()


def test_retention_keeps_what_the_city_has_not_acknowledged(config: SiteConfig,
                                                            tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    store = history_store(config, db)
    config = config.model_copy(update={"retention": RetentionSection(days=3)})
    days = sorted({t.day for t in _all_tickets(store)})
    with store.transaction() as tx:  # the city has everything of the first two days only
        tx.mark_uplink_acked(tx.newest_event_of_day(days[1]))
    result = run_nightly(store, config, datetime.combine(TODAY, ZONE_NOON, config.site.zone))
    assert result.reduced == days[:2] and result.held_back == days[2]
    assert sorted({t.day for t in _all_tickets(store)}) == days[2:]
    store.close()


def _all_tickets(store: Store) -> list[TicketRow]:
    with store.snapshot() as tx:
        return tx.issued_between("2000-01-01", "2100-01-01")


def test_the_database_shrinks_when_old_days_are_reduced(config: SiteConfig, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    history_store(config, db, days=21, tickets=80).close()
    before = db.stat().st_size
    store = Store(db)
    config = config.model_copy(update={"retention": RetentionSection(days=2)})
    assert len(run_nightly(store, config, datetime.combine(TODAY, ZONE_NOON,
                                                           config.site.zone)).reduced) >= 12
    store.close()
    assert db.stat().st_size < 0.5 * before
