"""Malformed MQTT input against a real `xephang broker` process over the real Mosquitto.

Each message below once went unanswered (an exception in the handler) or was accepted when it must
not be. Every one must now get an error reply with a code and a Vietnamese detail on the sender's
reply topic, the broker must go on serving, and its log must hold no traceback.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from tests.support.broker import ask_ticket, command, wait_ready
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

VIETNAMESE = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


@pytest.fixture
def broker(mosquitto: Mosquitto, tmp_path: Path, probe: Probe, topics: Topics) -> Iterator[RoleProcess]:
    process = RoleProcess("broker", mosquitto.access("broker"), tmp_path, "--db", str(tmp_path / "queue.db"))
    process.start(ready_path="/healthz")
    try:
        wait_ready(probe, topics)
        yield process
        assert "Traceback" not in process.log(), process.log()
    finally:
        process.stop()


def request(**fields: Any) -> dict[str, Any]:
    return {"v": 1, "request_id": str(uuid.uuid4()), "service": "HT", "source": "button", **fields}


def offline(number: str, **fields: Any) -> dict[str, Any]:
    return {"v": 1, "request_id": str(uuid.uuid4()), "id": f"off-{uuid.uuid4().hex[:8]}",
            "number": number, "service": "HT", "issued_at": "2026-11-23T09:00:00+07:00",
            "ahead": 0, "eta_s": 0, **fields}


def raw(data: dict[str, Any], *, splice: str) -> bytes:
    """`data` as JSON with `"x": SPLICE` added verbatim, for what json.dumps would never write."""
    return json.dumps(data).removesuffix("}").encode() + f', "x": {splice}}}'.encode()


def answer(probe: Probe, reply_topic: str, publish_topic: str, payload: bytes) -> dict[str, Any]:
    probe.subscribe(reply_topic)
    probe.publish(publish_topic, payload)
    return probe.next(reply_topic, timeout=10)[1]


def assert_refused(reply: dict[str, Any], code: str) -> None:
    assert (reply["v"], reply["ok"], reply["error"]) == (1, False, code), reply
    assert VIETNAMESE & set(reply["detail"].lower()), f"detail is not Vietnamese: {reply['detail']}"


REQUESTS = {
    "deep-nesting": (raw(request(), splice="[" * 5000 + "]" * 5000), "invalid_json"),
    "5000-digit-integer": (raw(request(), splice="7" * 5000), "invalid_json"),
    "v-true": (json.dumps(request(v=True)).encode(), "unsupported_version"),
    "v-float": (json.dumps(request(v=1.0)).encode(), "unsupported_version"),
}


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize("case", REQUESTS)
def test_a_malformed_kiosk_request_is_answered(probe: Probe, topics: Topics, case: str) -> None:
    payload, code = REQUESTS[case]
    reply = answer(probe, topics.kiosk_reply("kiosk-2"), topics.kiosk_request("kiosk-2"), payload)
    assert_refused(reply, code)
    assert ask_ticket(probe, topics, "HT", kiosk="kiosk-2")["ok"]


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize("ticket", [10**20, [1], {"id": "x"}], ids=["10^20", "list", "object"])
def test_a_rating_for_a_ticket_id_that_is_not_text_is_answered(probe: Probe, topics: Topics,
                                                               ticket: object) -> None:
    ask_ticket(probe, topics, "HT")
    assert command(probe, topics, 1, "call_next")["ok"]
    cid = str(uuid.uuid4())
    body = {"v": 1, "command_id": cid, "action": "rate",
            "args": {"rating": "satisfied", "ticket": ticket}}
    reply = answer(probe, topics.counter_reply(1), topics.counter_command(1), json.dumps(body).encode())
    assert_refused(reply, "invalid_payload")
    assert reply["command_id"] == cid
    assert command(probe, topics, 1, "rate", rating="satisfied")["ok"]


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize("segment", ["²", "٣", "9" * 5000, "-1"])
def test_a_command_on_a_counter_topic_that_is_no_number_is_answered(probe: Probe, topics: Topics,
                                                                    segment: str) -> None:
    body = {"v": 1, "command_id": str(uuid.uuid4()), "action": "call_next", "args": {}}
    reply = answer(probe, topics.counter_reply(segment), topics.counter_command(segment),
                   json.dumps(body).encode())
    assert_refused(reply, "unknown_counter")
    assert command(probe, topics, 3, "pause")["ok"]


@pytest.mark.usefixtures("broker")
def test_an_offline_ticket_from_year_9999_is_answered(probe: Probe, topics: Topics) -> None:
    ticket = offline("1801", issued_at="9999-12-31T23:59:00-05:00")
    reply = answer(probe, topics.kiosk_reply("kiosk-1"), topics.kiosk_offline_issued("kiosk-1"),
                   json.dumps(ticket).encode())
    assert_refused(reply, "invalid_payload")
    assert reply["request_id"] == ticket["request_id"]
    good = answer(probe, topics.kiosk_reply("kiosk-1"), topics.kiosk_offline_issued("kiosk-1"),
                  json.dumps(offline("1801")).encode())
    assert (good["ok"], good["ticket"]["number"]) == (True, "1801")


@pytest.mark.usefixtures("broker")
def test_a_second_offline_ticket_with_a_taken_number_is_answered(probe: Probe,
                                                                 topics: Topics) -> None:
    reply_topic, topic = topics.kiosk_reply("kiosk-1"), topics.kiosk_offline_issued("kiosk-1")
    first = answer(probe, reply_topic, topic, json.dumps(offline("1805")).encode())
    assert first["ok"]
    second = answer(probe, reply_topic, topic, json.dumps(offline("1805")).encode())
    assert_refused(second, "duplicate_number")
    assert "1805" in second["detail"]
    assert answer(probe, reply_topic, topic, json.dumps(offline("1806")).encode())["ok"]
