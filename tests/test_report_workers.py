"""Statistics over a range of days are built in a report worker process (broker/reports/pool.py):
the manager gets the same figures as from the broker itself, a worker that dies or hangs gives a
clear Vietnamese page instead of a page that never loads, the next report works again, and
stopping the broker leaves no worker behind."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
from datetime import timedelta
from pathlib import Path

import pytest

from broker.queue.tickets import Queue
from broker.reports import jobs
from broker.reports.pool import TIMEOUT_S, Readable, ReportFailed, ReportPool
from broker.role import BrokerRole
from broker.store.db import Store
from broker.web.labels import REPORT_FAILED
from harness.mqtt_probe import Probe
from harness.web_session import WebSession, staff_session
from tests.support.broker import wait_ready
from tests.support.queue import act, issue
from tests.support.reports import by_header, zip_tables
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def issued_total(store: Readable, day: str) -> int:
    """A report job: tickets issued on `day` (run in a worker by the tests below)."""
    with store.reading() as tx:
        return len(tx.issued_between(day, day))


def die(store: Readable) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def wait_dead(pid: int) -> None:
    """Until the killed process has ended (a zombie, or reaped already)."""
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except FileNotFoundError:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still running")


def span(role: BrokerRole) -> tuple[str, str]:
    with role.store.snapshot() as tx:
        today = tx.now.astimezone(role.config.site.zone).date()
    return (today - timedelta(days=3)).isoformat(), today.isoformat()


def served_today(role: BrokerRole) -> None:
    for _ in range(3):
        issue(role.queue, "HT")
    act(role.queue, 1, "call_next")
    act(role.queue, 1, "done")


def issued_in_total(body: bytes) -> int:
    """The "Tổng cộng" line's issued tickets in the statistics ZIP's service table."""
    rows = by_header(zip_tables(body)["dich-vu.csv"])
    return int(next(row for row in rows if row["Dịch vụ"] == "Tổng cộng")["Số phát"])


@pytest.fixture
def manager(web_broker: BrokerRole, tmp_path: Path) -> WebSession:
    assert web_broker.http_url
    return staff_session(web_broker.http_url, tmp_path / "queue.db", "quanly", role="manager")


def test_a_range_report_from_a_worker_has_the_broker_s_figures(
        web_broker: BrokerRole, manager: WebSession) -> None:
    served_today(web_broker)
    first, last = span(web_broker)
    body = manager.get(f"/admin/stats.zip?from={first}&to={last}")
    assert web_broker.reports.worker_pids(), "a range of days is built in a worker"
    config = web_broker.config
    here = jobs.download(web_broker.store, config, {}, first, last, "zip", "x")
    assert zip_tables(body) == zip_tables(here)  # the same files as the broker itself makes
    assert issued_in_total(body) == 3
    page = manager.get_text(f"/admin/stats?from={first}&to={last}")
    assert "Thống kê" in page and REPORT_FAILED not in page


def test_a_hung_worker_gives_a_clear_page_and_the_next_report_works(
        web_broker: BrokerRole, manager: WebSession) -> None:
    served_today(web_broker)
    first, last = span(web_broker)
    manager.get_text(f"/admin/stats?from={first}&to={last}")
    workers = web_broker.reports.worker_pids()
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)  # stuck, e.g. on a failing SD card
    web_broker.reports.timeout_s = 2.0
    with pytest.raises(urllib.error.HTTPError) as refused:
        manager.get(f"/admin/stats.xlsx?from={first}&to={last}", timeout=30)
    assert refused.value.code == 503
    assert REPORT_FAILED in refused.value.read().decode()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # ended, not left stuck
    web_broker.reports.timeout_s = TIMEOUT_S
    again = manager.get(f"/admin/stats.zip?from={first}&to={last}", timeout=120)
    assert issued_in_total(again) == 3


def test_a_worker_that_dies_raises_report_failed_and_a_new_one_starts(
        config: SiteConfig, tmp_path: Path) -> None:
    store = Store(tmp_path / "queue.db")
    issue(Queue(config, store), "HT")
    pool = ReportPool(tmp_path / "queue.db")
    try:
        with pytest.raises(ReportFailed):
            pool.run(die)
        with store.snapshot() as tx:
            day = tx.issued_between("2000-01-01", "2100-01-01")[0].day
        assert pool.run(issued_total, day) == 1
        first = pool.worker_pids()
        for pid in first:  # dies while idle: the next report starts a new worker
            os.kill(pid, signal.SIGKILL)
            wait_dead(pid)
        assert pool.run(issued_total, day) == 1
        assert pool.worker_pids() and not set(pool.worker_pids()) & set(first)
    finally:
        pool.stop()
        store.close()


def test_stopping_the_broker_ends_its_report_workers(
        config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path, probe: Probe) -> None:
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=tmp_path / "queue.db",
                      http=("127.0.0.1", 0))
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        assert role.http_url
        manager = staff_session(role.http_url, tmp_path / "queue.db", "quanly", role="manager")
        first, last = span(role)
        manager.get_text(f"/admin/stats?from={first}&to={last}")
        workers = role.reports.worker_pids()
        assert workers
    finally:
        role.stop()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
