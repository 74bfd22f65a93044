"""`xephang broker` killed with SIGKILL in the middle of a burst: nothing acknowledged is lost.

The kiosks send 200 requests; the broker is killed after some have been answered, restarted, and the
kiosks re-send every request with the same request_id, as a kiosk retries. Every request must end
with exactly one ticket, every answered request keep the ticket it was told, and no number repeat.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

BURST = 200
KILL_AFTER = 40
PACE_S = 0.005


def start(broker: RoleProcess, probe: Probe, topics: Topics) -> None:
    status = topics.device_status("broker")
    probe.subscribe(status)
    broker.spawn()
    # "online" is published after the subscriptions on the same connection: it listens.
    probe.wait_for(status, lambda s: s["status"] == "online", timeout=30)


def send_all(probe: Probe, topics: Topics, ids: list[str], pace_s: float = 0.0,
             hold: tuple[int, threading.Event] | None = None) -> None:
    """Publish every request; `pace_s` spreads the burst out like busy kiosks, not one at a time.
    With `hold=(n, event)`, stop after n requests until the event is set, so that the test's kill
    falls inside the burst however fast or slow this machine is."""
    topic = topics.kiosk_request("kiosk-1")
    pacer = threading.Event()  # never set: wait() is the pacing interval of a load generator
    for index, rid in enumerate(ids):
        if hold is not None and index == hold[0]:
            assert hold[1].wait(60), "the test never let the rest of the burst go"
        body = {"v": 1, "request_id": rid, "service": "HT" if rid < "8" else "CT"}
        probe.client.publish(topic, json.dumps(body).encode(), qos=1)
        pacer.wait(pace_s)


def collect(probe: Probe, topic: str, replies: dict[str, list[dict[str, Any]]],
            done: Any, timeout: float = 60.0) -> None:
    while not done():
        reply = probe.next(topic, timeout=timeout)[1]
        assert reply["ok"], reply
        replies[reply["request_id"]].append(reply["ticket"])


def tickets_in(db: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT request_id, id, number, day FROM tickets").fetchall()
    return {rid: (tid, number, day) for rid, tid, number, day in rows}


def test_sigkill_mid_burst_loses_nothing_acknowledged(mosquitto: Mosquitto, probe: Probe,
                                                      topics: Topics, tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    broker = RoleProcess("broker", mosquitto.access("broker"), tmp_path, "--db", str(db))
    reply_topic = topics.kiosk_reply("kiosk-1")
    probe.subscribe(reply_topic)
    ids = [str(uuid.uuid4()) for _ in range(BURST)]
    start(broker, probe, topics)

    before: dict[str, list[dict[str, Any]]] = defaultdict(list)
    killed = threading.Event()
    sender = threading.Thread(target=send_all,
                              args=(probe, topics, ids, PACE_S, (KILL_AFTER + 20, killed)))
    sender.start()
    collect(probe, reply_topic, before, lambda: len(before) >= KILL_AFTER)
    broker.kill()
    killed.set()
    for reply in probe.drain(reply_topic):  # answers already on their way when it died
        before[reply["request_id"]].append(reply["ticket"])
    stored_at_kill = len(tickets_in(db))
    sender.join()  # the rest of the burst waits in Mosquitto for the broker's persistent session
    assert KILL_AFTER <= stored_at_kill < BURST, "the kill did not fall inside the burst"

    after: dict[str, list[dict[str, Any]]] = defaultdict(list)
    start(broker, probe, topics)
    try:
        send_all(probe, topics, ids)  # the kiosks retry with the same request ids
        collect(probe, reply_topic, after, lambda: len(after) == BURST)
    finally:
        assert broker.stop() == 0, broker.log()

    stored = tickets_in(db)
    assert sorted(stored) == sorted(ids), "every request has exactly one ticket"
    assert len({(number, day) for _, number, day in stored.values()}) == BURST, "no number twice"
    for rid, answers in before.items():
        assert {t["id"] for t in answers} == {stored[rid][0]}, "an answered ticket was lost"
    for rid, answers in after.items():
        assert {(t["id"], t["number"]) for t in answers} == {stored[rid][:2]}
