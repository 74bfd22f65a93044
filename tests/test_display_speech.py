"""A real `xephang display` process speaking calls into the fake speaker, through a real restart."""

from __future__ import annotations

import itertools
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.speaker import read_log
from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from tests.support.display import AT, announce
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def said(folder: Path, count: int, timeout: float = 30.0) -> list[str]:
    """The call ids of first readings in the fake speaker's log, once there are `count`."""
    deadline = time.monotonic() + timeout
    while len(calls := first_readings(read_log(folder))) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{calls} said, expected {count}: {read_log(folder)}")
        time.sleep(0.05)  # the log is a file another process appends to; nothing to wait on
    return calls


def showing(hall: RoleProcess, number: str, timeout: float = 30.0) -> None:
    """Wait until the display shows `number` from the retained hall state: its subscriptions
    (made in one go on connecting) are then in place, so a call published now reaches it."""
    deadline = time.monotonic() + timeout
    while number not in api_state(hall):
        if time.monotonic() > deadline:
            raise AssertionError(f"the display never showed {number}: {hall.log()}")
        time.sleep(0.05)


def api_state(hall: RoleProcess) -> str:
    with urllib.request.urlopen(hall.url + "/api/state", timeout=5) as answer:
        return str(answer.read().decode("utf-8"))


def first_readings(entries: list[dict[str, Any]]) -> list[str]:
    return [call for entry in entries if entry["label"].endswith("-r0") for call in entry["calls"]]


@pytest.fixture
def hall(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[RoleProcess]:
    process = RoleProcess("display", mosquitto.access("hall-1"), tmp_path, "--id", "hall-1",
                          "--audio-dir", str(tmp_path / "audio"),
                          env={"XEPHANG_FAKE_SPEAKER_PACE": "0.05"})
    yield process
    process.stop()


def test_calls_are_spoken_in_order_once_even_across_a_crash_and_restart(
    hall: RoleProcess, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    audio = tmp_path / "audio"
    probe.publish(topics.hall_state, {"v": 1, "recent_calls": [
        {"number": "999", "counter": 2, "at": AT}], "waiting": {}, "eta_s": {}}, retain=True)
    hall.start()
    showing(hall, "999")
    # Two calls at the same moment, one delivered twice: each said once, in order, no overlap.
    for message in (announce("call-1", "1023", 5), announce("call-1", "1023", 5),
                    announce("call-2", "2007", 12)):
        probe.publish(topics.hall_announce, message)
    assert said(audio, 2) == ["call-1", "call-2"]  # the retained 999 is silent
    texts = " ".join(entry["text"] for entry in read_log(audio))
    assert "một không hai ba đến quầy số năm" in texts
    assert "hai không không bảy đến quầy số mười hai" in texts

    hall.kill()  # a power cut: no clean disconnect
    probe.publish(topics.hall_announce, announce("call-3", "3001", 7))  # while it is down
    probe.publish(topics.hall_announce, announce("call-2", "2007", 12))  # a repeated delivery
    hall.start()
    said(audio, 3)
    probe.publish(topics.hall_announce, announce("call-3", "3001", 7, repeat=1))  # a recall
    assert said(audio, 4) == ["call-1", "call-2", "call-3", "call-3"]
    entries = read_log(audio)
    for before, after in itertools.pairwise(entries):
        assert after["started"] >= before["ended"]
