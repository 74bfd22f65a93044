"""Offline issuing with everything real: the queue server, mosquitto stopped in the middle of a stream
of presses and started again on the same port, the kiosk's SQLite outbox, the broker's SQLite file.

What a citizen and the staff would notice: every press printed a ticket; the tickets printed during
the outage carry the kiosk's own numbers and the offline mark; when the link is back, the broker holds
each of them exactly once, merged in issue-time order, and no number was ever printed twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from broker.role import BrokerRole
from kiosk.role import KioskRole
from tests.support.kiosk import KioskPage, press, with_kiosk
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto

PINS = {"HT": 5, "CT": 6}  # kiosk-1 in config/site.toml


@pytest.fixture
def kiosk(config: SiteConfig, mosquitto: Mosquitto, mock_pins: Any, tmp_path: Path,
          broker: BrokerRole) -> Iterator[KioskRole]:
    role = KioskRole(with_kiosk(config, reply_timeout_s=1.0), kiosk_id="kiosk-1",
                     mqtt=mosquitto.access("kiosk-1"), http=("127.0.0.1", 0),
                     output_dir=tmp_path / "tickets", state_dir=tmp_path / "state")
    role.kiosk.repeat_guard_s = 0  # a stream of presses, not an impatient citizen
    role.start()
    assert role.link.wait_connected(5)
    yield role
    role.stop()


def issue(role: KioskRole, page: KioskPage, mock_pins: Any, service: str) -> dict[str, Any]:
    press(mock_pins, PINS[service])
    status = page.outcome()
    assert status["state"] == "ticket", status
    return status


def broker_tickets(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT number, origin, request_id, issued_at FROM tickets ORDER BY rowid").fetchall()
    return [tuple(row) for row in rows]


def test_presses_during_an_outage_are_printed_offline_and_merged_once_in_order(
        kiosk: KioskRole, mosquitto: Mosquitto, mock_pins: Any, tmp_path: Path) -> None:
    assert kiosk.http_url is not None
    page = KioskPage(kiosk.http_url)
    before = [issue(kiosk, page, mock_pins, s)["number"] for s in ("HT", "CT", "HT")]
    assert before == ["1001", "2001", "1002"]

    mosquitto.stop()
    during = [issue(kiosk, page, mock_pins, s) for s in ("HT", "CT", "HT", "HT", "CT")]
    assert [s["number"] for s in during] == ["1800", "2800", "1801", "1802", "2801"]
    assert all(s["offline"] for s in during)
    assert "Số được cấp khi mất kết nối" in during[0]["message"]
    assert kiosk.outbox is not None and len(kiosk.outbox.pending()) == 5

    mosquitto.start()  # the same port and persistence folder, as after a reboot
    assert kiosk.link.wait_connected(15)
    assert kiosk.sender is not None and kiosk.sender.empty.wait(30), "outbox not delivered"
    after = issue(kiosk, page, mock_pins, "HT")

    rows = broker_tickets(tmp_path / "queue.db")
    offline = [row for row in rows if row[1] == "offline"]
    assert [row[0] for row in offline] == ["1800", "2800", "1801", "1802", "2801"]  # in issue order
    assert [row[3] for row in offline] == sorted(row[3] for row in offline)
    assert len({row[2] for row in rows}) == len(rows)  # each request merged exactly once
    numbers = [row[0] for row in rows]
    assert len(set(numbers)) == len(numbers), "a number was issued twice"
    assert after["number"] not in {s["number"] for s in during}
    assert not after["offline"]
    printed = sorted(p.stem.split("-", 1)[1] for p in (tmp_path / "tickets").glob("*.png"))
    assert set(printed) <= set(numbers)  # every printed ticket is known to the broker


def test_a_restarted_kiosk_delivers_what_it_issued_before_and_keeps_counting(
        config: SiteConfig, mosquitto: Mosquitto, mock_pins: Any, tmp_path: Path,
        broker: BrokerRole) -> None:
    def start() -> KioskRole:
        role = KioskRole(with_kiosk(config, reply_timeout_s=1.0), kiosk_id="kiosk-1",
                         mqtt=mosquitto.access("kiosk-1"), http=("127.0.0.1", 0),
                         output_dir=tmp_path / "tickets", state_dir=tmp_path / "state")
        role.kiosk.repeat_guard_s = 0
        role.start()
        return role

    role = start()
    assert role.link.wait_connected(5) and role.http_url is not None
    page = KioskPage(role.http_url)
    mosquitto.stop()
    assert issue(role, page, mock_pins, "HT")["number"] == "1800"
    role.stop()  # the kiosk restarts while the link is still down

    again = start()
    assert again.http_url is not None
    page = KioskPage(again.http_url)
    assert issue(again, page, mock_pins, "HT")["number"] == "1801"  # the block carries on
    mosquitto.start()  # the same port and persistence folder, as after a reboot
    assert again.link.wait_connected(15)
    assert again.sender is not None and again.sender.empty.wait(30)
    again.stop()
    offline = [row[0] for row in broker_tickets(tmp_path / "queue.db") if row[1] == "offline"]
    assert offline == ["1800", "1801"]
