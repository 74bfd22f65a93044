"""A device's trouble becomes one recorded incident (`device_problem`, then `device_ok`) in the
broker's event log, over a real Mosquitto and a real SQLite file: a kiosk's printer out of paper, a
flapping one, a reboot within the grace, a broker restarted mid-incident."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from broker.role import BrokerRole
from broker.store.db import EventRow
from harness.city import wait_until
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import running_broker
from tests.support.staff_pages import PASSWORD, add_accounts
from xephang.config import DevicesSection, SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, DEVICE_OK, DEVICE_PROBLEM, Topics

GRACE_S = 1.5  # offline this long is an incident; fine this long ends one


def quick(config: SiteConfig) -> SiteConfig:
    return config.model_copy(update={"devices": DevicesSection(offline_after_s=GRACE_S,
                                                               ok_after_s=GRACE_S)})


def say(probe: Probe, topics: Topics, device: str, detail: str = "", online: bool = True) -> None:
    """Publish the device's retained status, as its MqttLink (or its last will) does."""
    probe.publish(topics.device_status(device), {"v": 1, "status": "online" if online else "offline",
                                                 "version": "0.1.0", "detail": detail}, retain=True)


def incidents(role: BrokerRole) -> list[EventRow]:
    with role.store.snapshot() as tx:
        return [e for e in tx.events_after(0, 10_000) if e.type in (DEVICE_PROBLEM, DEVICE_OK)]


def settled(role: BrokerRole, count: int) -> list[EventRow]:
    """The device events once there are `count`, and still `count` two graces later."""
    wait_until(lambda: len(incidents(role)) >= count, 15, f"{count} device events")
    time.sleep(2 * GRACE_S + 1)
    found = incidents(role)
    assert len(found) == count, [(e.type, e.data) for e in found]
    return found


def seen_by(role: BrokerRole, device: str, check: Callable[[Any], bool]) -> datetime:
    """When the broker heard the device's status that passes `check`."""
    heard = role.devices.wait_for(device, check, timeout=10)
    assert heard is not None
    return heard.seen


def test_paper_out_is_one_incident_closed_when_paper_is_back(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path) -> None:
    probe.subscribe(topics.event)
    with running_broker(quick(config), mosquitto.access(BROKER_ID), tmp_path / "q.db", probe,
                        http=True) as role:
        add_accounts(role)
        assert role.http_url
        manager = WebSession(role.http_url).login("quanly", PASSWORD)
        say(probe, topics, "kiosk-1", "paper_low")  # a warning: the kiosk still prints
        say(probe, topics, "kiosk-1", "paper_out")
        [opened] = settled(role, 1)
        assert (opened.type, opened.data["device"], opened.data["problem"]) == (
            DEVICE_PROBLEM, "kiosk-1", "paper_out")
        on_mqtt = probe.wait_for(topics.event, lambda e: e["type"] == DEVICE_PROBLEM)
        assert on_mqtt["seq"] == opened.seq and on_mqtt["device"] == "kiosk-1"
        assert role.incidents.open() == [("kiosk-1", "paper_out", _time(opened.data["since"]))]
        [shown] = manager.get_json("/admin/board.json")["incidents"]
        assert (shown["device"], shown["problem"], shown["until"]) == (
            "kiosk-1", "Máy in hết giấy", "Chưa khắc phục")
        say(probe, topics, "kiosk-1", "")
        recovered = seen_by(role, "kiosk-1", lambda d: d.detail == "")
        _, closed = settled(role, 2)
        [shown] = manager.get_json("/admin/board.json")["incidents"]
        assert shown["until"] != "Chưa khắc phục" and not shown["open"]
        assert "Sự cố thiết bị hôm nay" in manager.get_text("/admin/")
    assert (closed.type, closed.data["device"], closed.data["problem"]) == (DEVICE_OK, "kiosk-1",
                                                                           "paper_out")
    assert closed.data["since"] == opened.data["since"]
    assert _time(closed.data["until"]) == recovered  # when it was fine, not later
    assert closed.at >= recovered + timedelta(seconds=GRACE_S)


def test_a_flapping_printer_makes_one_incident(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path) -> None:
    with running_broker(quick(config), mosquitto.access(BROKER_ID), tmp_path / "q.db", probe) as role:
        for _ in range(6):  # back to back: a pause here could outlast the grace on a loaded machine
            say(probe, topics, "kiosk-1", "paper_out; camera_unavailable")
            say(probe, topics, "kiosk-1", "camera_unavailable")
        seen_by(role, "kiosk-1", lambda d: d.detail == "camera_unavailable")
        say(probe, topics, "kiosk-1", "")
        found = settled(role, 4)
    kinds = sorted((e.type, e.data["problem"]) for e in found)
    assert kinds == [(DEVICE_OK, "camera_unavailable"), (DEVICE_OK, "paper_out"),
                     (DEVICE_PROBLEM, "camera_unavailable"), (DEVICE_PROBLEM, "paper_out")]


def test_a_reboot_within_the_grace_is_no_incident_a_longer_outage_is_one(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path) -> None:
    with running_broker(quick(config), mosquitto.access(BROKER_ID), tmp_path / "q.db", probe) as role:
        say(probe, topics, "hall-1")
        say(probe, topics, "hall-1", online=False)
        say(probe, topics, "hall-1")  # back within the grace: a reboot
        seen_by(role, "hall-1", lambda d: d.online)
        time.sleep(2 * GRACE_S + 1)
        assert incidents(role) == []
        say(probe, topics, "hall-1", online=False)
        went = seen_by(role, "hall-1", lambda d: not d.online)
        [opened] = settled(role, 1)
    assert (opened.data["device"], opened.data["problem"]) == ("hall-1", "offline")
    assert _time(opened.data["since"]) == went  # from when it went, not the grace
    assert opened.at >= went + timedelta(seconds=GRACE_S)


def test_a_broker_restarted_mid_incident_continues_it(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with running_broker(quick(config), mosquitto.access(BROKER_ID), db, probe) as role:
        say(probe, topics, "kiosk-1", "paper_out")
        [opened] = settled(role, 1)
    with running_broker(quick(config), mosquitto.access(BROKER_ID), db, probe) as role:
        seen_by(role, "kiosk-1", lambda d: d.detail == "paper_out")  # the retained status again
        time.sleep(2 * GRACE_S + 1)
        assert incidents(role) == [opened]
        assert [kind for _, kind, _ in role.incidents.open()] == ["paper_out"]
        say(probe, topics, "kiosk-1", "")
        _, closed = settled(role, 2)
    assert closed.type == DEVICE_OK and closed.data["since"] == opened.data["since"]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
