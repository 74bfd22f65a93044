"""The broker over a real Mosquitto: what kiosks, counters and hall displays receive."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.mqtt_probe import OBSERVERS, Probe
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


@pytest.mark.usefixtures("broker")
def test_a_kiosk_request_gets_a_numbered_ticket(probe: Probe, topics: Topics) -> None:
    probe.subscribe(topics.event)
    first = ask_ticket(probe, topics, "HT")
    second = ask_ticket(probe, topics, "HT", priority="none")
    other = ask_ticket(probe, topics, "KD")
    assert first["ok"] and first["ticket"]["number"] == "1001"
    assert (second["ticket"]["number"], second["ticket"]["ahead"]) == ("1002", 1)
    assert second["ticket"]["eta_s"] == 0  # the 5 counters serving HT are idle
    assert other["ticket"]["number"] == "5001"
    issued = probe.wait_for(topics.event, lambda e: e["ticket"] == first["ticket"]["id"])
    assert (issued["type"], issued["number"]) == ("ticket_issued", "1001")


@pytest.mark.usefixtures("broker")
def test_a_repeated_request_id_gets_the_same_ticket(probe: Probe, topics: Topics) -> None:
    rid = str(uuid.uuid4())
    first = ask_ticket(probe, topics, request_id=rid)
    again = ask_ticket(probe, topics, request_id=rid)
    assert again == first
    assert ask_ticket(probe, topics)["ticket"]["number"] == "1002"


@pytest.mark.usefixtures("broker")
def test_call_next_updates_counter_hall_and_announces(probe: Probe, topics: Topics,
                                                      mosquitto: Mosquitto) -> None:
    ticket = ask_ticket(probe, topics, "CT")["ticket"]
    probe.subscribe(topics.hall_announce)
    reply = command(probe, topics, 5, "call_next")
    assert (reply["ok"], reply["status"], reply["ticket"]["number"]) == (True, "calling", "2001")
    call = probe.next(topics.hall_announce)[1]
    assert call["text"] == "Mời công dân có số thứ tự 2001 đến quầy số 5"
    assert (call["number"], call["counter"], call["repeat"]) == ("2001", 5, 0)

    # A display that starts now still sees the call: both states are retained.
    late = Probe(mosquitto.access(OBSERVERS[1]))
    try:
        late.subscribe(topics.counter_state(5))
        state = late.next(topics.counter_state(5))[1]
        assert (state["status"], state["ticket"]["id"]) == ("calling", ticket["id"])
        late.subscribe(topics.hall_state)
        hall = late.next(topics.hall_state)[1]
        assert hall["recent_calls"][0]["number"] == "2001" and hall["recent_calls"][0]["counter"] == 5
        assert hall["waiting"] == {"HT": 0, "CT": 0, "DD": 0, "VX": 0, "KD": 0, "TKQ": 0}
    finally:
        late.close()

    recall = command(probe, topics, 5, "recall")
    assert recall["ok"]
    again = probe.next(topics.hall_announce)[1]
    assert (again["number"], again["repeat"]) == ("2001", 1)
    assert again["call_id"] != call["call_id"]


@pytest.mark.usefixtures("broker")
def test_a_repeated_command_id_is_answered_not_rerun(probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "HT"), ask_ticket(probe, topics, "HT")
    cid = str(uuid.uuid4())
    first = command(probe, topics, 1, "call_next", command_id=cid)
    assert command(probe, topics, 1, "call_next", command_id=cid) == first
    assert command(probe, topics, 1, "call_next")["ticket"]["number"] == "1002"


@pytest.mark.usefixtures("broker")
def test_priority_and_age_decide_who_is_called(probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "TKQ")
    ask_ticket(probe, topics, "CT")
    ask_ticket(probe, topics, "CT", priority="disabled")
    calls = []
    for _ in range(4):  # each citizen served ("Xong") before the next call
        calls.append(command(probe, topics, 5, "call_next")["ticket"])
        command(probe, topics, 5, "done")
    assert [t["number"] if t else None for t in calls] == ["2002", "6001", "2001", None]


@pytest.mark.usefixtures("broker")
def test_no_show_pause_transfer_and_rating(probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "DD"), ask_ticket(probe, topics, "DD")
    command(probe, topics, 6, "call_next")
    assert command(probe, topics, 6, "no_show")["status"] == "idle"
    assert command(probe, topics, 6, "pause")["status"] == "paused"
    assert command(probe, topics, 6, "call_next")["error"] == "counter_paused"
    command(probe, topics, 6, "resume")
    assert command(probe, topics, 6, "call_next")["ticket"]["number"] == "3002"
    assert command(probe, topics, 6, "transfer", service="KD")["ok"]
    # Counter 10 serves KD: the transferred ticket keeps its number.
    assert command(probe, topics, 10, "call_next")["ticket"]["number"] == "3002"
    command(probe, topics, 10, "done")
    assert command(probe, topics, 10, "rate", rating="satisfied")["ok"]
    assert command(probe, topics, 10, "rate", rating="satisfied")["error"] == "already_rated"


def _request(**changes: object) -> bytes:
    body = {"v": 1, "request_id": str(uuid.uuid4()), "service": "HT", **changes}
    return json.dumps(body).encode()


BAD_REQUESTS = [
    (b"this is not json", "invalid_json"),
    (bytes(range(256)), "invalid_json"),
    (b'{"v": 1, "request_id": "' + b"x" * (1024 * 1024) + b'"}', "too_large"),
    (_request(v=2), "unsupported_version"),
    (b'{"v": 1, "service": "HT"}', "invalid_payload"),
    (_request(service="ZZ"), "unknown_service"),
]


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize(("payload", "code"), BAD_REQUESTS,
                         ids=["text", "binary", "1MB", "v2", "missing", "unknown-service"])
def test_a_bad_request_is_answered_with_an_error(probe: Probe, topics: Topics, payload: bytes,
                                                 code: str) -> None:
    probe.subscribe(topics.kiosk_reply("kiosk-2"))
    probe.publish(topics.kiosk_request("kiosk-2"), payload)
    error = probe.next(topics.kiosk_reply("kiosk-2"))[1]
    assert (error["ok"], error["error"]) == (False, code)
    assert error["detail"]
    assert ask_ticket(probe, topics, "HT", kiosk="kiosk-2")["ok"]


@pytest.mark.usefixtures("broker")
def test_bad_commands_are_answered_with_errors(probe: Probe, topics: Topics) -> None:
    unknown = command(probe, topics, 42, "call_next")
    assert (unknown["ok"], unknown["error"]) == (False, "unknown_counter")
    probe.subscribe(topics.counter_reply(3))
    cid = str(uuid.uuid4())
    probe.publish(topics.counter_command(3), {"v": 1, "command_id": cid, "action": "dance"})
    wrong = probe.next(topics.counter_reply(3))[1]
    assert (wrong["error"], wrong["command_id"]) == ("invalid_payload", cid)
    assert command(probe, topics, 3, "call_next")["ok"]


def test_a_restarted_broker_republishes_retained_state(
        config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path, probe: Probe,
        topics: Topics) -> None:
    db = tmp_path / "queue.db"
    with running_broker(config, mosquitto.access("broker"), db, probe):
        ask_ticket(probe, topics, "VX")
        command(probe, topics, 9, "call_next")
    # Wipe the retained topics, as a Mosquitto restart without persistence would.
    for topic in (topics.counter_state(9), topics.hall_state):
        probe.publish(topic, b"", retain=True)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        late = Probe(mosquitto.access(OBSERVERS[1]))
        try:
            late.subscribe(topics.counter_state(9))
            state = late.next(topics.counter_state(9))[1]
            assert (state["status"], state["ticket"]["number"]) == ("calling", "4001")
            late.subscribe(topics.hall_state)
            assert late.next(topics.hall_state)[1]["recent_calls"][0]["number"] == "4001"
        finally:
            late.close()



@pytest.mark.usefixtures("broker")
def test_an_offline_ticket_is_stored_once_with_its_number(probe: Probe, topics: Topics) -> None:
    probe.subscribe(topics.event)
    probe.subscribe(topics.kiosk_reply("kiosk-1"))
    offline = {"v": 1, "request_id": str(uuid.uuid4()), "id": "off-k1-0001", "number": "1801",
               "service": "HT", "issued_at": datetime.now(UTC).isoformat(),  # today's: callable
               "ahead": 0, "eta_s": 0}
    for _ in range(2):  # the kiosk's outbox may send it twice
        probe.publish(topics.kiosk_offline_issued("kiosk-1"), offline)
        reply = probe.next(topics.kiosk_reply("kiosk-1"))[1]
        assert (reply["ok"], reply["ticket"]["number"]) == (True, "1801")
    stored = probe.next(topics.event)[1]
    assert (stored["type"], stored["number"]) == ("ticket_offline", "1801")
    assert command(probe, topics, 1, "call_next")["ticket"]["number"] == "1801"
    assert probe.drain(topics.event)[0]["type"] == "ticket_called"  # no second ticket_offline
