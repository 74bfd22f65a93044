"""The audio path on the fake speaker: calls waiting together joined into one sentence, never two
sounds at once, every fresh call said once, stale ones not at all, a second reading only in quiet."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from display.announcer import Announcer
from display.voice import wav
from display.voice.engines import Rendered, assemble
from display.voice.utterance import Utterance
from hardware.speaker import FakeSpeaker, Sound, read_log
from xephang.config import VoiceSection
from xephang.protocol import Announcement


class ToneVoice:
    """A short tone per call: these tests are about order and timing, not about words."""

    def render(self, utterance: Utterance) -> Rendered:
        tone = wav.silence(0.05)
        return assemble(tone if utterance.chime else None, [tone] * len(utterance.segments))


class HeldSpeaker(FakeSpeaker):
    """A fake speaker whose first sound lasts until the test lets it end."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, pace=0)
        self.playing = threading.Event()
        self.release = threading.Event()

    def play(self, sound: Sound) -> None:
        self.playing.set()
        assert self.release.wait(10)
        super().play(sound)


def call(call_id: str, number: str, counter: int, repeat: int = 0) -> Announcement:
    return Announcement(call_id=call_id, number=number, counter=counter, repeat=repeat,
                        text=f"Mời công dân có số thứ tự {number} đến quầy số {counter}")


def announcer(tmp_path: Path, **options: Any) -> Announcer:
    speaker = options.pop("speaker", None) or FakeSpeaker(tmp_path, pace=0)
    settings = VoiceSection(repeat=options.pop("repeat", 0))
    return Announcer(ToneVoice(), speaker, settings, **options)


def finish(announcer: Announcer, folder: Path) -> list[dict[str, Any]]:
    assert announcer.wait_idle(30)
    announcer.stop()
    return read_log(folder)


def test_calls_waiting_together_are_one_sentence_in_the_order_they_came(tmp_path: Path) -> None:
    speaking = announcer(tmp_path)
    for one in (call("call-1", "1023", 5), call("call-2", "2007", 4), call("call-3", "3001", 12)):
        speaking.submit(one)
    entries = finish(speaking.start(), tmp_path)
    assert len(entries) == 1
    assert entries[0]["calls"] == ["call-1", "call-2", "call-3"]
    assert entries[0]["text"] == ("Mời công dân có số thứ tự một không hai ba đến quầy số năm, "
                                  "số hai không không bảy đến quầy số bốn, "
                                  "số ba không không một đến quầy số mười hai")
    offsets = entries[0]["call_offsets_s"]
    assert offsets == sorted(offsets) and offsets[0] > 0  # after the chime


def test_a_call_made_while_a_sound_plays_is_said_next_never_over_it(tmp_path: Path) -> None:
    speaker = HeldSpeaker(tmp_path)
    speaking = announcer(tmp_path, speaker=speaker).start()
    speaking.submit(call("call-1", "1023", 5))
    assert speaker.playing.wait(10)
    speaking.submit(call("call-2", "2007", 4))
    speaking.submit(call("call-3", "3001", 7))
    speaker.release.set()
    entries = finish(speaking, tmp_path)
    assert [e["calls"] for e in entries] == [["call-1"], ["call-2", "call-3"]]
    for before, after in itertools.pairwise(entries):
        assert datetime.fromisoformat(after["started"]) >= datetime.fromisoformat(before["ended"])


def test_no_call_is_dropped_however_many_wait(tmp_path: Path) -> None:
    speaker = HeldSpeaker(tmp_path)
    speaking = announcer(tmp_path, speaker=speaker).start()
    calls = [call(f"call-{i}", str(1000 + i), 1 + i % 12) for i in range(40)]
    speaking.submit(calls[0])
    assert speaker.playing.wait(10)
    for one in calls[1:]:
        speaking.submit(one)
    speaker.release.set()
    said = [c for e in finish(speaking, tmp_path) for c in e["calls"]]
    assert said == [c.call_id for c in calls]


def test_a_call_no_longer_current_is_not_said_and_a_recall_replaces_the_waiting_call(
    tmp_path: Path
) -> None:
    finished = {"2007"}
    speaking = announcer(tmp_path, is_current=lambda c: c.number not in finished)
    speaking.submit(call("call-1", "1023", 5))
    speaking.submit(call("call-2", "2007", 4))  # done before its turn
    speaking.submit(call("call-3", "3001", 7))
    speaking.submit(call("call-4", "1023", 5, repeat=1))  # staff pressed recall before it was said
    entries = finish(speaking.start(), tmp_path)
    assert [e["calls"] for e in entries] == [["call-3", "call-4"]]


def test_the_second_reading_comes_only_when_nothing_else_waits(tmp_path: Path) -> None:
    quiet = announcer(tmp_path / "quiet", repeat=1)
    quiet.submit(call("call-1", "1023", 5))
    entries = finish(quiet.start(), tmp_path / "quiet")
    assert [(e["label"], e["calls"]) for e in entries] == [("call-1-r0", ["call-1"]),
                                                           ("call-1-r1", ["call-1"])]
    first, again = (wav.read(tmp_path / "quiet" / e["file"]).seconds for e in entries)
    assert again < first  # no chime before the second reading

    speaker = HeldSpeaker(tmp_path / "busy")
    busy = announcer(tmp_path / "busy", repeat=1, speaker=speaker).start()
    busy.submit(call("call-1", "1023", 5))
    assert speaker.playing.wait(10)
    busy.submit(call("call-2", "2007", 4))
    speaker.release.set()
    labels = [e["label"] for e in finish(busy, tmp_path / "busy")]
    assert labels == ["call-1-r0", "call-2-r0", "call-2-r1"]


def test_the_hall_learns_what_is_being_said_and_what_was_said(tmp_path: Path) -> None:
    speaking_now: list[list[str]] = []
    spoken: list[list[str]] = []
    speaking = announcer(tmp_path, on_speaking=lambda c: speaking_now.append([x.call_id for x in c]),
                         on_spoken=lambda c: spoken.append([x.call_id for x in c]))
    speaking.submit(call("call-1", "1023", 5))
    speaking.submit(call("call-2", "2007", 4))
    finish(speaking.start(), tmp_path)
    assert speaking_now == [["call-1", "call-2"], []]
    assert spoken == [["call-1", "call-2"]]


def test_a_failing_voice_is_reported_and_the_next_call_still_spoken(tmp_path: Path) -> None:
    class Flaky(ToneVoice):
        def render(self, utterance: Utterance) -> Rendered:
            if utterance.call_id == "call-1":
                raise ValueError("broken clip")
            return super().render(utterance)

    problems: list[str] = []
    speaker = HeldSpeaker(tmp_path)
    speaker.release.set()
    speaking = Announcer(Flaky(), speaker, VoiceSection(repeat=0),
                         on_problem=problems.append).start()
    speaking.submit(call("call-1", "1", 1))
    assert speaking.wait_idle(10)
    speaking.submit(call("call-2", "2", 1))
    assert [e["label"] for e in finish(speaking, tmp_path)] == ["call-2-r0"]
    assert problems == ["speaker: broken clip", ""]
