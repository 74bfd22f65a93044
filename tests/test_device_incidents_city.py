"""Device incidents reach the city: the aggregator keeps one row per incident in PostgreSQL from the
centers' `device_problem` / `device_ok` events (whatever their order, however often resent), and the
board's "Thiết bị" page shows, per center, the devices in trouble now and the day's incidents with
their down time. End to end: a real center bridged to a real city Mosquitto and aggregator."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from broker.role import BrokerRole
from city.board.devices import read_incidents
from city.board.queries import BoardDb
from city.database import CITY_ZONE, CityStore
from harness.city import CityTier, wait_until
from harness.mqtt_probe import OBSERVERS, Probe
from tests.support.broker import running_broker
from tests.support.city_board import (
    ENGLISH,
    PASSWORD,
    USER,
    CenterDay,
    at,
    local_morning,
    running_board,
    store,
)
from tests.support.city_center import acknowledged, bridged_site
from xephang.config import DevicesSection
from xephang.credentials.bridge import CITY_FOLDER
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, DEVICE_OK, DEVICE_PROBLEM, Topics, UplinkEvent

MORNING = local_morning(-(7 - datetime.now(CITY_ZONE).weekday()))  # a Monday to come
NOW = at(MORNING, "10:30")
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương"), ("phuong-b", "Trung tâm Phường Bình Minh")]
INCIDENTS = "SELECT site, device, problem, started_at, ended_at FROM device_incidents ORDER BY started_at"


def rows(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as connection:
        return connection.execute(sql).fetchall()


def device_event(epoch: uuid.UUID, seq: int, type_: str, since: datetime,
                 until: datetime | None = None) -> UplinkEvent:
    return UplinkEvent(epoch=epoch, seq=seq, at=until or since, type=type_, device="kiosk-1",
                       problem="paper_out", since=since, until=until)


def test_an_incident_is_one_row_whatever_the_order_and_repeats(city_dsn: str) -> None:
    epoch, since = uuid.uuid4(), datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    until = since + timedelta(minutes=25)
    opened = device_event(epoch, 1, DEVICE_PROBLEM, since)
    closed = device_event(epoch, 2, DEVICE_OK, since, until)
    city = CityStore.connect(city_dsn)
    try:
        city.store([("ba-dinh", closed)])  # the opening event lost on the way, sent again later
        city.store([("ba-dinh", opened), ("ba-dinh", closed)])
        city.store([("ba-dinh", opened), ("ba-dinh", closed)])  # the center rewound
        both_at_once = [device_event(epoch, 3, DEVICE_PROBLEM, until + timedelta(hours=1)),
                        device_event(epoch, 4, DEVICE_OK, until + timedelta(hours=1), until
                                     + timedelta(hours=2))]
        city.store([("ba-dinh", e) for e in both_at_once])
    finally:
        city.close()
    assert rows(city_dsn, INCIDENTS) == [
        ("ba-dinh", "kiosk-1", "paper_out", since, until),
        ("ba-dinh", "kiosk-1", "paper_out", until + timedelta(hours=1), until + timedelta(hours=2))]
    assert rows(city_dsn, "SELECT count(*) FROM city_events WHERE device = 'kiosk-1'") == [(4,)]


def test_a_re_imaged_centers_old_incidents_are_not_open_any_more(city_dsn: str) -> None:
    old, new = uuid.uuid4(), uuid.uuid4()
    gone = datetime.now(UTC) - timedelta(hours=1)
    offline = UplinkEvent(epoch=old, seq=1, at=gone, type=DEVICE_PROBLEM, device="hall-1",
                          problem="offline", since=gone)
    city = CityStore.connect(city_dsn)
    try:
        city.store([("ba-dinh", offline)])
        start, end = gone - timedelta(hours=1), gone + timedelta(hours=2)
        assert [i.device for i in read_incidents(BoardDb(city_dsn), start, end)["ba-dinh"]] == [
            "hall-1"]
        city.store([("ba-dinh", UplinkEvent(epoch=new, seq=1, at=gone + timedelta(minutes=30),
                                            type="ticket_issued", service="HT"))])
    finally:
        city.close()
    assert read_incidents(BoardDb(city_dsn), start, end) == {}


def _days() -> list[CenterDay]:
    a, b = (CenterDay(site) for site, _ in CENTERS)
    a.ticket(at(MORNING, "07:55"), "HT")
    paper, back = at(MORNING, "08:00"), at(MORNING, "08:30")
    a.add(paper, DEVICE_PROBLEM, device="kiosk-1", problem="paper_out", since=paper)
    a.add(back + timedelta(minutes=1), DEVICE_OK, device="kiosk-1", problem="paper_out", since=paper,
          until=back)
    gone = at(MORNING, "09:45")
    a.add(gone + timedelta(minutes=2), DEVICE_PROBLEM, device="hall-1", problem="offline", since=gone)
    yesterday = MORNING - timedelta(hours=2)  # 22:00 the day before, still unsynchronised
    b.add(yesterday, DEVICE_PROBLEM, device="broker", problem="clock_unsynced", since=yesterday)
    return [a, b]


@pytest.fixture
def board_url(city_dsn: str) -> Iterator[str]:
    store(city_dsn, CENTERS, _days())
    with running_board(city_dsn, NOW) as server:
        yield server.url


def sign_in(browser: Any, url: str, path: str) -> Any:
    page = browser.new_page(locale="vi-VN")
    page.goto(url + path)
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    return page


def test_the_board_shows_devices_in_trouble_and_the_days_down_time(browser: Any,
                                                                   board_url: str) -> None:
    page = sign_in(browser, board_url, "/")
    overview = page.locator('#centers tr[data-site="phuong-a"] .devices')
    assert overview.inner_text() == "hall-1: Mất kết nối"  # the overview says what is down now
    page.click("text=Thiết bị")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Thiết bị gặp sự cố"
    assert page.inner_text("#troubled-count") == "2 trung tâm đang có thiết bị gặp sự cố."
    a = page.locator('#device-centers tr[data-site="phuong-a"]')
    assert a.locator(".now").inner_text() == "hall-1: Mất kết nối"
    assert a.locator(".count").inner_text() == "2"
    assert a.locator(".down").inner_text() == "1 giờ 15 phút"  # 30 min of paper, 45 min offline
    b = page.locator('#device-centers tr[data-site="phuong-b"]')
    assert b.locator(".now").inner_text() == "broker: Đồng hồ chưa đồng bộ giờ"
    assert b.locator(".down").inner_text() == "10 giờ 30 phút"  # since midnight, not since 22:00
    paper = page.locator('#incidents tr[data-device="kiosk-1"]')
    assert [paper.locator(c).inner_text() for c in (".problem", ".from", ".until", ".down")] == [
        "Máy in hết giấy", "08:00", "08:30", "30 phút"]
    hall = page.locator('#incidents tr[data-device="hall-1"]')
    assert hall.locator(".until").inner_text() == "Chưa khắc phục"
    clock = page.locator('#incidents tr[data-device="broker"]')
    assert clock.locator(".from").inner_text() == f"22:00 {(MORNING - timedelta(days=1)):%d/%m/%Y}"
    text = page.inner_text("body")
    assert not ENGLISH.findall(text), ENGLISH.findall(text)
    page.goto(board_url + f"/devices?day={(MORNING - timedelta(days=2)).date().isoformat()}")
    assert page.inner_text("#no-incidents") == "Không có sự cố nào trong ngày này."
    assert page.locator('#device-centers tr[data-site="phuong-a"] .now').inner_text() == (
        "hall-1: Mất kết nối")  # what is in trouble now, whichever day is shown
    page.context.close()


GRACE_S = 1.0


def _city_events(dsn: str) -> list[tuple[Any, ...]]:
    return rows(dsn, "SELECT type, device, problem FROM city_events WHERE device IS NOT NULL"
                     " ORDER BY seq")


def test_a_kiosk_out_of_paper_reaches_the_city_once_and_its_board(
        tmp_path: Path, city_dsn: str, browser: Any) -> None:
    config = bridged_site([])
    city = CityTier(tmp_path / "city", city_dsn, [config.site.id])
    config = bridged_site(city.urls).model_copy(update={
        "devices": DevicesSection(offline_after_s=GRACE_S, ok_after_s=GRACE_S)})
    credentials = tmp_path / "center-mqtt" / "credentials"
    shutil.copytree(city.made.out / "centers" / config.site.id, credentials / CITY_FOLDER)
    center_mqtt = Mosquitto(tmp_path / "center-mqtt", config, observers=OBSERVERS).start()
    probe = Probe(center_mqtt.access(OBSERVERS[0]))
    topics, db = Topics(config.site.id), tmp_path / "queue.db"
    status = topics.device_status("kiosk-1")
    try:
        city.aggregator.start()
        with running_broker(config, center_mqtt.access(BROKER_ID), db, probe) as role:
            probe.publish(status, {"v": 1, "status": "online", "detail": "paper_out"}, retain=True)
            _reaches_the_city(role, city_dsn, 1)
        with running_broker(config, center_mqtt.access(BROKER_ID), db, probe) as role:
            time.sleep(3 * GRACE_S)  # the kiosk's retained status again: no new incident
            probe.publish(status, {"v": 1, "status": "online", "detail": ""}, retain=True)
            _reaches_the_city(role, city_dsn, 2)
    finally:
        probe.close()
        center_mqtt.stop()
        city.close()
    assert _city_events(city_dsn) == [(DEVICE_PROBLEM, "kiosk-1", "paper_out"),
                                      (DEVICE_OK, "kiosk-1", "paper_out")]
    [(site, device, problem, started, ended)] = rows(city_dsn, INCIDENTS)
    assert (site, device, problem) == (config.site.id, "kiosk-1", "paper_out") and ended > started
    with running_board(city_dsn, datetime.now(UTC)) as server:
        page = sign_in(browser, server.url, "/devices")
        row = page.locator('#incidents tr[data-device="kiosk-1"]')
        assert row.locator(".problem").inner_text() == "Máy in hết giấy"
        assert row.locator(".until").inner_text() == ended.astimezone(CITY_ZONE).strftime("%H:%M")
        page.context.close()


def _reaches_the_city(role: BrokerRole, dsn: str, device_events: int) -> None:
    wait_until(lambda: len(_city_events(dsn)) >= device_events and acknowledged(role), 60,
               f"{device_events} device events acknowledged by the city")
