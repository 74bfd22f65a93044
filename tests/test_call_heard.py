"""Staff learn that the hall has said their call: the hall display reports each sentence it said,
and the broker stamps the counter's state (and staff page) while the counter still holds the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest

from display.role import DisplayRole
from harness.mqtt_probe import Probe
from harness.web_session import staff_session
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def test_the_counter_learns_when_the_hall_has_said_its_call(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XEPHANG_FAKE_SPEAKER_PACE", "0")
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe,
                        http=True) as broker:
        hall = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"),
                           http=("127.0.0.1", 0), audio_dir=tmp_path / "audio")
        hall.start()
        try:
            ticket = ask_ticket(probe, topics, "HT")["ticket"]
            probe.subscribe(topics.counter_state(1))
            assert command(probe, topics, 1, "call_next")["ok"]
            heard = probe.wait_for(topics.counter_state(1),
                                   lambda s: s.get("announced_at") is not None, timeout=20)
            assert heard["ticket"]["number"] == ticket["number"]
            staff = staff_session(str(broker.http_url), tmp_path / "queue.db", counters=(1,))
            page = staff.get_text("/counter/1")
            assert 'id="heard">Loa phòng chờ đã đọc số này' in page
            assert command(probe, topics, 1, "done")["ok"]
            idle = probe.wait_for(topics.counter_state(1), lambda s: s["ticket"] is None)
            assert idle.get("announced_at") is None
        finally:
            hall.stop()


def test_a_restarted_broker_still_shows_that_the_call_was_said(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XEPHANG_FAKE_SPEAKER_PACE", "0")
    db = tmp_path / "queue.db"
    hall = DisplayRole(config, display_id="hall-1", mqtt=mosquitto.access("hall-1"),
                       http=("127.0.0.1", 0), audio_dir=tmp_path / "audio")
    with running_broker(config, mosquitto.access("broker"), db, probe) as broker:
        hall.start()
        try:
            ticket = ask_ticket(probe, topics, "HT")["ticket"]
            probe.subscribe(topics.counter_state(1))
            assert command(probe, topics, 1, "call_next")["ok"]
            said = probe.wait_for(topics.counter_state(1),
                                  lambda s: s.get("announced_at") is not None, timeout=20)
        finally:
            hall.stop()
    with running_broker(config, mosquitto.access("broker"), db, probe, http=True) as broker:
        staff = staff_session(str(broker.http_url), db, counters=(1,))
        page = staff.get_text("/counter/1")
        assert ticket["number"] in page and 'id="heard">Loa phòng chờ đã đọc số này' in page
        again = probe.wait_for(topics.counter_state(1),
                               lambda s: s.get("announced_at") is not None, timeout=20)
        assert again["announced_at"] == said["announced_at"]
