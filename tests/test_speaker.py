"""The audio path on the fake speaker: strict order, never two at once, a recall heard again."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from display.announcer import Announcer
from display.voice import wav
from display.voice.utterance import Utterance
from hardware.speaker import FakeSpeaker, read_log
from xephang.config import VoiceSection
from xephang.protocol import Announcement


class ToneVoice:
    """A short tone per call: this test is about order and timing, not about words."""

    def render(self, utterance: Utterance, *, times: int = 1) -> bytes:
        return wav.encode(wav.join([wav.chime()] * times, 0.05))


def call(call_id: str, number: str, counter: int, repeat: int = 0) -> Announcement:
    return Announcement(call_id=call_id, number=number, counter=counter, repeat=repeat,
                        text=f"Mời công dân có số thứ tự {number} đến quầy số {counter}")


def run(tmp_path: Path, calls: list[Announcement], **settings: object) -> list[dict[str, str]]:
    speaker = FakeSpeaker(tmp_path, pace=0.2)
    announcer = Announcer(ToneVoice(), speaker, VoiceSection(**settings)).start()  # type: ignore[arg-type]
    for one in calls:
        announcer.submit(one)
    assert announcer.wait_idle(30)
    announcer.stop()
    return read_log(tmp_path)


def test_calls_made_at_once_are_spoken_in_order_one_after_the_other(tmp_path: Path) -> None:
    entries = run(tmp_path, [call("call-1", "1023", 5), call("call-2", "2007", 4),
                             call("call-3", "3001", 7)])
    assert [e["label"] for e in entries] == ["call-1-r0", "call-2-r0", "call-3-r0"]
    assert "một không hai ba đến quầy số năm" in entries[0]["text"]
    for before, after in itertools.pairwise(entries):
        assert datetime.fromisoformat(after["started"]) >= datetime.fromisoformat(before["ended"])
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == [e["file"] for e in entries]


def test_the_repeat_setting_makes_one_sound_with_the_sentence_twice(tmp_path: Path) -> None:
    once = run(tmp_path / "a", [call("call-1", "1", 1)], repeat=0)
    twice = run(tmp_path / "b", [call("call-1", "1", 1)], repeat=1)
    one = wav.read(tmp_path / "a" / once[0]["file"]).seconds
    assert wav.read(tmp_path / "b" / twice[0]["file"]).seconds > 1.9 * one


def test_a_backlog_beyond_the_limit_drops_the_oldest_calls(tmp_path: Path) -> None:
    calls = [call(f"call-{i}", str(1000 + i), 1) for i in range(10)]
    entries = run(tmp_path, calls, max_backlog=3)
    spoken = [e["label"] for e in entries]
    assert spoken[-3:] == ["call-7-r0", "call-8-r0", "call-9-r0"] and len(spoken) <= 4


def test_a_failing_voice_is_reported_and_the_next_call_still_spoken(tmp_path: Path) -> None:
    class Flaky(ToneVoice):
        def render(self, utterance: Utterance, *, times: int = 1) -> bytes:
            if utterance.call_id == "call-1":
                raise ValueError("broken clip")
            return super().render(utterance, times=times)

    problems: list[str] = []
    announcer = Announcer(Flaky(), FakeSpeaker(tmp_path, pace=0), VoiceSection(),
                          on_problem=problems.append).start()
    announcer.submit(call("call-1", "1", 1))
    announcer.submit(call("call-2", "2", 1))
    assert announcer.wait_idle(10)
    announcer.stop()
    assert [e["label"] for e in read_log(tmp_path)] == ["call-2-r0"]
    assert problems == ["speaker: broken clip", ""]
