"""The hall display against a real mosquitto and over real HTTP; the probe plays the broker."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from display.role import DisplayRole
from harness.event_stream import EventStream
from harness.mqtt_probe import Probe
from harness.web_session import get_json, get_text
from tests.support.display import AT, announce, hall_state
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def start_hall(config: SiteConfig, mosquitto: Mosquitto) -> DisplayRole:
    role = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"), http=("127.0.0.1", 0))
    role.start()
    return role


@pytest.fixture
def hall(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics
         ) -> Iterator[DisplayRole]:
    """A hall display started as in production: the broker has already published its state."""
    probe.publish(topics.hall_state, hall_state(), retain=True)
    role = start_hall(config, mosquitto)
    yield role
    role.stop()


@pytest.fixture
def events(hall: DisplayRole) -> Iterator[EventStream]:
    client = EventStream(f"{hall.http_url}/events")
    yield client
    client.close()


def test_state_retained_before_a_power_cut_is_on_screen_right_after_start(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.hall_state, hall_state(("1023", 5), ("2007", 4), waiting={"HT": 3}),
                  retain=True)
    role = start_hall(config, mosquitto)
    try:
        state = get_json(f"{role.http_url}/api/state")
        assert state["current"]["number"] == "1023" and state["current"]["counter_label"] == "Quầy 5"
        assert state["previous"][0]["number"] == "2007"
        client = EventStream(f"{role.http_url}/events")
        event, first = client.next()
        client.close()
        assert (event, first["current"]["number"]) == ("state", "1023")
        assert "1023" in get_text(f"{role.http_url}/")
    finally:
        role.stop()


def test_a_new_call_reaches_the_page_without_reload(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.hall_state, hall_state(("1024", 7), ("1023", 5)), retain=True)
    state = events.wait_for("state", lambda s: s["current"] is not None)
    assert (state["current"]["number"], state["current"]["counter_label"]) == ("1024", "Quầy 7")
    assert [c["number"] for c in state["previous"]] == ["1023"]


def test_the_page_shows_the_center_and_vietnamese_labels(hall: DisplayRole, config: SiteConfig) -> None:
    html = get_text(f"{hall.http_url}/")
    assert config.site.name in html
    for text in ("Mời công dân có số thứ tự", "Đang chờ", "Tư pháp – Hộ tịch", "Chứng thực",
                 config.site.notices[0], "Mất kết nối"):
        assert text in html
    assert '<html lang="vi">' in html


def test_waiting_counts_and_estimates_per_service(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    payload = hall_state(("1023", 5), waiting={"DD": 4})
    payload["eta_s"] = {"DD": 1800}
    probe.publish(topics.hall_state, payload)
    state = events.wait_for("state", lambda s: s["services"][2]["waiting"])
    đất_đai = next(s for s in state["services"] if s["code"] == "DD")
    assert (đất_đai["name"], đất_đai["waiting"], đất_đai["eta_min"]) == ("Đất đai – Xây dựng", 4, 30)


def test_the_same_announcement_twice_is_announced_once(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.hall_announce, announce("call-1", "1023", 5))
    probe.publish(topics.hall_announce, announce("call-1", "1023", 5))
    probe.publish(topics.hall_announce, announce("call-2", "2008", 4))  # a marker: MQTT keeps order
    first = events.wait_for("announce")
    second = events.wait_for("announce")
    assert (first["call_id"], first["number"], first["counter_label"]) == ("call-1", "1023", "Quầy 5")
    assert second["call_id"] == "call-2"


def test_a_recall_is_announced_again(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.hall_announce, announce("call-1", "1023", 5))
    probe.publish(topics.hall_announce, announce("call-1", "1023", 5, repeat=1))
    assert events.wait_for("announce")["repeat"] == 0
    recall = events.wait_for("announce")
    assert (recall["call_id"], recall["repeat"]) == ("call-1", 1)


def test_a_malformed_payload_is_dropped_and_the_display_keeps_working(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="display")
    probe.publish(topics.hall_state, b"{not json")
    probe.publish(topics.hall_state, {"v": 1, "recent_calls": "1023"})
    probe.publish(topics.hall_announce, {"v": 1, "number": "1023"})
    probe.publish(topics.counter_state(3), {"v": 2, "counter": 3})
    probe.publish(topics.hall_announce, announce("call-9", "3001", 6))
    probe.publish(topics.hall_state, hall_state(("3001", 6)))
    assert events.wait_for("announce")["number"] == "3001"
    assert events.wait_for("state", lambda s: s["current"])["current"]["number"] == "3001"
    assert get_json(f"{hall.http_url}/api/state")["current"]["counter_label"] == "Quầy 6"
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 4
    assert any("invalid_json" in message for message in dropped)


def test_counters_states_show_in_the_hall(
    hall: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    ticket = {"id": "t1", "number": "1023", "service": "HT", "issued_at": AT, "ahead": 0, "eta_s": 0}
    probe.publish(topics.counter_state(5), {"v": 1, "counter": 5, "status": "serving",
                                            "ticket": ticket, "since": AT})
    state = events.wait_for("state", lambda s: bool(s["counters"]))
    assert state["counters"] == [{"id": 5, "label": "Quầy 5", "status": "serving",
                                  "status_label": "Đang phục vụ", "closing_note": "",
                                  "number": "1023"}]


def test_a_lost_mqtt_connection_is_shown_on_screen(
    hall: DisplayRole, events: EventStream, mosquitto: Mosquitto
) -> None:
    events.wait_for("state", lambda s: s["mqtt_connected"])
    mosquitto.stop()
    state = events.wait_for("state", lambda s: not s["mqtt_connected"])
    assert state["mqtt_connected"] is False
    assert get_json(f"{hall.http_url}/api/state")["mqtt_connected"] is False


def test_no_calls_yet_is_said_in_vietnamese(hall: DisplayRole) -> None:
    html = get_text(f"{hall.http_url}/")
    assert "Chưa gọi số nào" in html
    assert f"{datetime.now(UTC):%Y}" in html  # the date is rendered server-side, before any script
