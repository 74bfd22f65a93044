"""The city aggregator end to end with real processes: centers' real uplink code publishing to a
real city Mosquitto (TLS, per-center logins), `xephang city` as its own process, real PostgreSQL.
Every event lands exactly once, none with a citizen's data, through the failures of issue 16."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.city import (
    CITY_MUTE,
    CITY_PROBE,
    AggregatorProcess,
    CityTier,
    SimulatedCenter,
    city_toml,
    wait_until,
)
from harness.mqtt_probe import Probe
from xephang.protocol import UplinkEvent

SITES = ("ba-dinh", "hoan-kiem", "cau-giay")


@pytest.fixture
def city(tmp_path: Path, city_dsn: str) -> Iterator[CityTier]:
    made = CityTier(tmp_path, city_dsn, SITES)
    yield made
    made.close()


def test_every_center_event_is_stored_once_and_acknowledged(city: CityTier) -> None:
    city.aggregator.start()
    for site in SITES:
        city.center(site).add_events(1500)
    wait_until(city.all_acked, 60, "every center acknowledged to its last event")
    assert city.stored() == city.expected()


def test_uplink_events_carry_no_citizen_data(city: CityTier) -> None:
    probe = Probe(city.login(CITY_PROBE.device_id))
    try:
        probe.subscribe("xephang/v1/+/uplink/event")
        city.center("ba-dinh").add_events(8)
        allowed = set(UplinkEvent.model_fields)
        seqs: list[int] = []
        while len(seqs) < 8:
            _, payload = probe.next("xephang/v1/+/uplink/event", timeout=10)
            assert set(payload) == {"v", "events"}
            assert all(set(event) <= allowed for event in payload["events"])
            assert "hash" not in str(payload) and "000.00" not in str(payload)
            seqs += [event["seq"] for event in payload["events"]]
        assert seqs == list(range(1, 9))
    finally:
        probe.close()


def test_bad_events_are_refused_and_the_aggregator_keeps_going(city: CityTier) -> None:
    city.aggregator.start()
    probe = Probe(city.login(CITY_PROBE.device_id))
    try:
        probe.subscribe("xephang/v1/ba-dinh/uplink/ack")
        epoch = "3f1c0d7e-8a9b-4c2d-9e1f-0a1b2c3d4e5f"
        good = {"v": 1, "epoch": epoch, "seq": 1, "at": "2026-11-29T09:00:00+07:00",
                "type": "ticket_issued", "service": "HT"}
        topic = "xephang/v1/ba-dinh/uplink/event"
        probe.publish(topic, b"{not json")
        probe.publish(topic, {"v": 1, "events": {**good, "seq": 3}})  # an event, not a batch
        probe.publish(topic, {"v": 1, "events": [{**good, "counter": 2**40}]})
        probe.publish("xephang/v1/khong-co/uplink/event", {"v": 1, "events": [good]})
        # One event with citizen data refuses itself; its neighbours in the batch are stored.
        probe.publish(topic, {"v": 1, "events": [good, {**good, "seq": 2, "id_hash": "ab12"},
                                                 {**good, "seq": 3}]})
        ack = probe.wait_for("xephang/v1/ba-dinh/uplink/ack", lambda a: a["acked_seq"] == 1, 15)
    finally:
        probe.close()
    assert ack == {"v": 1, "epoch": epoch, "acked_seq": 1}, "seq 2 is missing: the mark waits"
    assert city.stored() == [("ba-dinh", epoch, 1), ("ba-dinh", epoch, 3)]
    log = city.aggregator.log()
    assert "refused an uplink event from ba-dinh: invalid_json" in log
    assert "refused an uplink event from ba-dinh: invalid_payload" in log
    assert "(event 2 of its batch)" in log
    assert "id_hash" in log and "ab12" not in log  # the field is named, its value never logged
    assert "counter 1099511627776 is out of range" in log
    assert "xephang/v1/khong-co/uplink/event: not a center of city.toml" in log
    assert city.aggregator.running()


def test_the_city_broker_killed_mid_stream_loses_nothing(city: CityTier) -> None:
    city.aggregator.start()
    for site in SITES:
        city.center(site).add_events(3000)
    wait_until(lambda: len(city.stored()) > 1500, 60, "the first events stored")
    assert city.broker is not None
    city.broker.kill()
    city.broker.start()
    wait_until(city.all_acked, 120, "every center acknowledged after the broker came back")
    assert city.stored() == city.expected()


def test_a_center_offline_for_a_day_catches_up(city: CityTier) -> None:
    city.aggregator.start()
    online = city.center("hoan-kiem")
    online.add_events(300)
    offline = SimulatedCenter("ba-dinh", city.folder / "ba-dinh.db",
                              city.login("bridge-ba-dinh"))
    offline.add_events(10_000)  # a day's worth while the city network was down
    city.centers["ba-dinh"] = offline.start()
    wait_until(city.all_acked, 120, "the offline center's day acknowledged")
    assert city.stored() == city.expected()


def test_the_aggregator_killed_between_commit_and_ack_stores_nothing_twice(city: CityTier) -> None:
    # An aggregator that may not publish acks commits every event, and no center hears of it:
    # exactly the moment between the commit and the ack, held open.
    mute = city_toml(city.folder, city.dsn, city.urls, SITES, client_id=CITY_MUTE.device_id,
                     name="mute.toml")
    first = AggregatorProcess(mute, city.folder / "mute")
    try:
        first.start()
        center = city.center("ba-dinh", window=2000)  # all of them in flight, none acknowledged
        center.add_events(2000)
        wait_until(lambda: len(city.stored()) == 2000, 60, "all 2000 events committed")
        assert center.acked() == 0
        first.kill()
    finally:
        first.stop()
    city.aggregator.start()
    center.add_events(500)
    wait_until(city.all_acked, 60, "the center acknowledged after the restart")
    assert city.stored() == city.expected()


def test_a_reimaged_center_starts_a_new_epoch_beside_the_old_one(city: CityTier) -> None:
    city.aggregator.start()
    old = city.center("ba-dinh")
    old.add_events(1000)
    wait_until(city.all_acked, 60, "the old database acknowledged")
    before = city.expected()
    old.stop()
    new = city.center("ba-dinh", db="ba-dinh-reimaged")
    new.add_events(700)
    wait_until(city.all_acked, 60, "the new database acknowledged")
    assert new.uplink.epoch != old.uplink.epoch
    assert city.stored() == sorted(before + city.expected())
