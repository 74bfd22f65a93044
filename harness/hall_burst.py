"""A busy morning in the hall, with real processes: mosquitto, `xephang broker` and `xephang display`
speaking through the fake speaker in real time. 60 tickets; 16 counters call within 10 s; some
calls are finished, moved, marked absent or recalled at once, while the hall is still speaking.

`run_burst` plays the morning and returns what was called and what was said; the test
(tests/test_hall_burst.py) checks it and bench/hall_burst.py prints the delays.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.speaker import read_log
from harness.mqtt_probe import OBSERVERS, Probe
from harness.role_process import SITE_TOML, RoleProcess
from xephang.config import load_config
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID, Topics

TICKETS = 60
COUNTERS = 16
CALL_SPAN_S = 10.0
SERVICES = ("HT", "CT", "DD", "VX", "KD", "TKQ")
EXTRA_COUNTERS = {13: ["HT", "CT"], 14: ["DD", "KD"], 15: ["VX", "TKQ"], 16: ["HT", "DD"]}
CALL_TYPES = ("ticket_called", "ticket_recalled")
END_TYPES = ("ticket_done", "ticket_no_show", "ticket_transferred")


@dataclass(frozen=True)
class Call:
    call_id: str
    ticket: str
    number: str
    counter: int
    at: datetime


@dataclass
class Burst:
    calls: list[Call]
    ended: dict[str, datetime]  # ticket -> when it was finished, moved or marked absent
    sounds: list[dict[str, Any]]  # the fake speaker's log
    recalled_ticket: str = ""
    said_first: dict[str, datetime] = field(default_factory=dict)  # call_id -> its sound's start
    word_delay_s: dict[str, float] = field(default_factory=dict)  # call_id -> call to own words

    def delay_s(self, call: Call) -> float:
        return (self.said_first[call.call_id] - call.at).total_seconds()

    def superseded(self, call: Call) -> datetime | None:
        """When the call stopped being current: its ticket ended or was called again."""
        later = [c.at for c in self.calls if c.ticket == call.ticket and c.at > call.at]
        ends = [self.ended[call.ticket]] if call.ticket in self.ended else []
        return min(later + ends, default=None)


def burst_config(folder: Path) -> Path:
    """site.toml with 16 counters and a whole-day opening, so any hour of the test day works."""
    text = SITE_TOML.read_text(encoding="utf-8")
    text += "".join(f"\n[[counters]]\nid = {cid}\nservices = {services!r}\n".replace("'", '"')
                    for cid, services in EXTRA_COUNTERS.items())
    path = folder / "site-16.toml"
    path.write_text(text, encoding="utf-8")
    assert len(load_config(path).counters) == COUNTERS
    return path


class Morning:
    def __init__(self, probe: Probe, topics: Topics) -> None:
        self.probe = probe
        self.topics = topics
        self.events: list[dict[str, Any]] = []

    def send(self, counter: int, action: str, **args: Any) -> None:
        self.probe.publish(self.topics.counter_command(counter), {
            "v": 1, "command_id": str(uuid.uuid4()), "action": action, "args": args})

    def issue(self, count: int) -> None:
        for index in range(count):
            self.probe.publish(self.topics.kiosk_request("kiosk-1"), {
                "v": 1, "request_id": str(uuid.uuid4()), "service": SERVICES[index % len(SERVICES)],
                "source": "button"})
        self.collect(lambda: self.count("ticket_issued") >= count, 30)

    def count(self, *types: str) -> int:
        return sum(1 for e in self.events if e["type"] in types)

    def collect(self, done: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.events.append(self.probe.next(self.topics.event, deadline - time.monotonic())[1])

    def current_ticket(self, counter: int) -> dict[str, Any]:
        return next(e for e in reversed(self.events)
                    if e["type"] == "ticket_called" and e["counter"] == counter)


def call_all(morning: Morning) -> str:
    """16 counters call within CALL_SPAN_S; on the way, two are finished and one is recalled three
    times, at once. Returns the recalled ticket."""
    started = time.monotonic()
    recalled = ""
    for index, counter in enumerate(range(1, COUNTERS + 1)):
        time.sleep(max(0.0, started + index * CALL_SPAN_S / COUNTERS - time.monotonic()))  # pacing
        morning.send(counter, "call_next")
        morning.collect(lambda n=index + 1: morning.count("ticket_called") >= n, 10)
        if counter == 8:  # two citizens already at their counters: served at once
            morning.send(2, "done")
            morning.send(5, "done")
        if counter == 13:  # quick recall presses while the hall is still busy
            for _ in range(3):
                morning.send(13, "recall")
            morning.collect(lambda: morning.count("ticket_recalled") >= 3, 10)
            recalled = str(morning.current_ticket(13)["ticket"])
    return recalled


def end_at_once(morning: Morning) -> None:
    """Right after the last call, four counters finish, one marks absent, one transfers."""
    for counter in (11, 12, 14, 16):
        morning.send(counter, "done")
    morning.send(15, "no_show")
    moved = morning.current_ticket(10)
    target = next(s for s in SERVICES if s != moved["service"])
    morning.send(10, "transfer", service=target)
    morning.collect(lambda: morning.count(*END_TYPES) >= 8, 10)


def run_burst(folder: Path, mosquitto: Mosquitto, *, pace: str = "1") -> Burst:
    config_path = burst_config(folder)
    topics = Topics(load_config(config_path).site.id)
    audio = folder / "audio"
    broker = RoleProcess("broker", mosquitto.access(BROKER_ID), folder, "--db", str(folder / "queue.db"),
                         config=config_path)
    hall = RoleProcess("display", mosquitto.access("hall-1"), folder, "--id", "hall-1",
                       "--audio-dir", str(audio), config=config_path, env={"XEPHANG_FAKE_SPEAKER_PACE": pace})
    probe = Probe(mosquitto.access(OBSERVERS[0]))
    try:
        broker.start()
        hall.start()
        probe.subscribe(topics.event)
        morning = Morning(probe, topics)
        morning.issue(TICKETS)
        recalled = call_all(morning)
        end_at_once(morning)
        burst = gathered(morning, read_log(audio), recalled)
        wait_until_said(burst, audio, timeout=90)
        hall.stop()  # a clean stop finishes the sentence being said
        return gathered(morning, read_log(audio), recalled)
    finally:
        probe.close()
        hall.stop()
        broker.stop()


def gathered(morning: Morning, sounds: list[dict[str, Any]], recalled: str) -> Burst:
    calls = [Call(f"call-{e['seq']}", str(e["ticket"]), str(e["number"]), int(e["counter"]),
                  datetime.fromisoformat(e["at"])) for e in morning.events if e["type"] in CALL_TYPES]
    ended = {str(e["ticket"]): datetime.fromisoformat(e["at"])
             for e in morning.events if e["type"] in END_TYPES}
    burst = Burst(calls, ended, sounds, recalled)
    at = {call.call_id: call.at for call in calls}
    for sound in sounds:
        if not sound["label"].endswith("-r0"):
            continue
        start = datetime.fromisoformat(sound["started"])
        for call_id, offset in zip(sound["calls"], sound["call_offsets_s"], strict=True):
            burst.said_first.setdefault(call_id, start)
            if call_id in at:
                burst.word_delay_s[call_id] = (start - at[call_id]).total_seconds() + offset
    return burst


def wait_until_said(burst: Burst, audio: Path, timeout: float) -> None:
    """Until every call still current when the morning's presses ended has been said."""
    owed = {c.call_id for c in burst.calls if burst.superseded(c) is None}
    deadline = time.monotonic() + timeout
    while not owed <= set(gathered_ids(read_log(audio))):
        if time.monotonic() > deadline:
            raise AssertionError(f"never said: {sorted(owed - set(gathered_ids(read_log(audio))))}")
        time.sleep(0.2)  # the log is a file the display process appends to; nothing to wait on


def gathered_ids(sounds: list[dict[str, Any]]) -> list[str]:
    return [c for s in sounds if s["label"].endswith("-r0") for c in s["calls"]]
