"""Only the center's own devices speak on its MQTT, each only its own part (DESIGN.md section 5).

Every case runs against the real Mosquitto with the configuration `xephang credentials` makes. A
refused publish is silently dropped by Mosquitto (MQTT 3.1.1 has no way to say no), so each case
ends with a message the device *may* send, and checks what an observer of the whole site saw
before it: a forbidden message, had it passed, would have arrived first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.mqtt_probe import OBSERVERS, Probe, login_result
from tests.support.broker import running_broker
from xephang.config import SiteConfig
from xephang.credentials import make_credentials
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

SUCCESS = "Success"


@pytest.fixture
def observer(mosquitto: Mosquitto, topics: Topics) -> Iterator[Probe]:
    """Sees everything under the site root (the test's own user, with the broker's rights)."""
    client = Probe(mosquitto.access(OBSERVERS[1]))
    client.subscribe(f"{topics.root}/#")
    yield client
    client.close()


@pytest.fixture
def device(mosquitto: Mosquitto) -> Iterator[dict[str, Probe]]:
    """Clients logged in as the site's devices, opened on demand: device["kiosk-1"]."""
    opened: dict[str, Probe] = {}

    class Devices(dict[str, Probe]):
        def __missing__(self, device_id: str) -> Probe:
            opened[device_id] = self[device_id] = Probe(mosquitto.access(device_id))
            return opened[device_id]

    yield Devices()
    for client in opened.values():
        client.close()


def seen_before(observer: Probe, topics: Topics, sender: Probe, allowed_topic: str) -> list[str]:
    """Send a marker the sender may publish; return the topics the observer saw up to it."""
    marker = {"v": 1, "marker": str(uuid.uuid4())}
    sender.publish(allowed_topic, marker)
    seen = []
    while True:
        topic, data = observer.next(f"{topics.root}/#")
        seen.append(topic)
        if data.get("marker") == marker["marker"]:
            return seen


def forged(topic: str) -> dict[str, object]:
    return {"v": 1, "forged": topic}


def test_a_client_without_credentials_is_refused(mosquitto: Mosquitto) -> None:
    assert login_result(mosquitto.url, mosquitto.ca_file()) == "Not authorized"
    assert login_result(mosquitto.plain_url, None) == "Not authorized"


def test_a_wrong_password_is_refused_and_the_right_one_accepted(mosquitto: Mosquitto) -> None:
    right = mosquitto.access("kiosk-1").password
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-1", right + "x") == "Not authorized"
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-1", right) == SUCCESS
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-9", right) == "Not authorized"


def test_a_server_certificate_from_another_ca_is_not_trusted(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    other = make_credentials(mosquitto.config, tmp_path / "other-center")
    password = mosquitto.access("kiosk-1").password
    assert login_result(mosquitto.url, other.ca_file("kiosk-1"), "kiosk-1",
                        password) == "SSLCertVerificationError"


@pytest.mark.parametrize("target", [
    "counter/1/command", "hall/state", "hall/announce", "kiosk/kiosk-2/request",
    "kiosk/kiosk-2/offline-issued", "kiosk/kiosk-1/reply", "device/kiosk-2/status",
    "device/broker/status", "event", "uplink/ack",
])
def test_a_kiosk_cannot_publish_outside_its_own_topics(
        observer: Probe, device: dict[str, Probe], topics: Topics, target: str) -> None:
    kiosk = device["kiosk-1"]
    kiosk.publish(f"{topics.root}/{target}", forged(target))
    seen = seen_before(observer, topics, kiosk, topics.kiosk_request("kiosk-1"))
    assert seen == [topics.kiosk_request("kiosk-1")]


def test_a_kiosk_reads_neither_everything_nor_another_kiosks_requests_and_replies(
        observer: Probe, device: dict[str, Probe], topics: Topics) -> None:
    kiosk = device["kiosk-1"]
    kiosk.subscribe("#")
    kiosk.subscribe(f"{topics.root}/#")
    kiosk.subscribe(f"{topics.root}/kiosk/kiosk-2/+")
    kiosk.subscribe(topics.hall_state)
    secret = {"v": 1, "request_id": str(uuid.uuid4()), "service": "HT", "id_hash": "ab" * 16}
    for topic in (topics.kiosk_request("kiosk-2"), topics.kiosk_reply("kiosk-2"), topics.event,
                  topics.device_status("kiosk-2"), topics.counter_state(1)):
        observer.publish(topic, secret)
    observer.publish(topics.hall_state, {"v": 1, "marker": "hall"})
    kiosk.wait_for(topics.hall_state, lambda data: data.get("marker") == "hall")
    for broad in ("#", f"{topics.root}/#", f"{topics.root}/kiosk/kiosk-2/+"):
        assert set(kiosk.topics_received(broad)) <= {topics.hall_state}


def test_taking_the_brokers_client_id_does_not_displace_the_broker(
        mosquitto: Mosquitto, device: dict[str, Probe], observer: Probe, topics: Topics) -> None:
    broker = device["broker"]
    broker.subscribe(topics.kiosk_request("+"))
    kiosk_password = mosquitto.access("kiosk-1").password
    # With kiosk-1's own credentials, the client id "broker" becomes "kiosk-1" (the username).
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-1", kiosk_password,
                        client_id="broker") == SUCCESS
    assert login_result(mosquitto.url, mosquitto.ca_file(), "broker", kiosk_password,
                        client_id="broker") == "Not authorized"
    observer.publish(topics.kiosk_request("kiosk-2"), {"v": 1, "marker": "still here"})
    broker.wait_for(topics.kiosk_request("+"), lambda data: data.get("marker") == "still here")


@pytest.mark.parametrize(("display", "target"), [
    ("hall-1", "hall/announce"), ("hall-1", "hall/state"), ("hall-1", "counter/5/command"),
    ("counter-5", "hall/announce"), ("counter-5", "counter/1/command"),
    ("counter-5", "counter/5/state"), ("counter-5", "device/hall-1/status"),
    ("counter-5", "device/hall-1/announced"), ("hall-1", "device/counter-5/status"),
])
def test_a_display_cannot_make_calls_or_command_another_counter(
        observer: Probe, device: dict[str, Probe], topics: Topics, display: str,
        target: str) -> None:
    sender = device[display]
    sender.publish(f"{topics.root}/{target}", forged(target))
    own_status = topics.device_status(display)
    assert seen_before(observer, topics, sender, own_status) == [own_status]


def test_a_counter_unit_commands_its_own_counter(
        observer: Probe, device: dict[str, Probe], topics: Topics) -> None:
    unit = device["counter-5"]
    assert seen_before(observer, topics, unit, topics.counter_command(5)) == [
        topics.counter_command(5)]


@pytest.mark.parametrize("kind", ["request", "offline-issued"])
def test_the_broker_gives_numbers_only_to_the_sites_kiosks(
        config: SiteConfig, mosquitto: Mosquitto, observer: Probe, probe: Probe, topics: Topics,
        tmp_path: Path, kind: str) -> None:
    request_id = str(uuid.uuid4())
    payload = {"v": 1, "request_id": request_id, "service": "HT", "id": uuid.uuid4().hex,
               "number": "1800", "issued_at": "2026-11-23T09:00:00+07:00", "ahead": 0, "eta_s": 0}
    with running_broker(config, mosquitto.access("broker"), tmp_path / "q.db", probe):
        probe.subscribe(topics.kiosk_reply("kiosk-9"))
        probe.publish(f"{topics.root}/kiosk/kiosk-9/{kind}", payload)
        reply = probe.wait_for(topics.kiosk_reply("kiosk-9"),
                               lambda data: data.get("request_id") == request_id)
        assert reply["ok"] is False and reply["error"] == "unknown_kiosk"
        assert "kiosk-9" in reply["detail"]
        # kiosk-2 cannot hand in a number from kiosk-1's offline block (1800-1849) either.
        payload["request_id"] = request_id = str(uuid.uuid4())
        probe.subscribe(topics.kiosk_reply("kiosk-2"))
        probe.publish(topics.kiosk_offline_issued("kiosk-2"), payload)
        reply = probe.wait_for(topics.kiosk_reply("kiosk-2"),
                               lambda data: data.get("request_id") == request_id)
        assert reply["error"] == "outside_block"
