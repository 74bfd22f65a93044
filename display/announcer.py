"""Speak calls one sound at a time, every fresh call once, the ones waiting together as one sentence.

A sound is the chime and one sentence naming every call that waits when it starts ("Mời công dân
có số thứ tự 2003 đến quầy số 3, số 6008 đến quầy số 8"), so a burst of calls is heard within a
sound or two instead of one after the other. Just before a sound starts, each waiting call is
checked: one whose ticket was finished, transferred or marked absent meanwhile is not said, and a
recall (or a new call of the same ticket) replaces the one still waiting. No fresh call is ever
dropped for being late. The sentence is read again (`repeat`) only when nothing else waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from display.errors import VoiceUnavailable
from display.voice.engines import Voice
from display.voice.utterance import CallWords, calls_utterance
from hardware.speaker import Sound, Speaker, SpeakerUnavailable
from xephang.config import VoiceSection
from xephang.protocol import Announcement

log = logging.getLogger(__name__)

Problem = Callable[[str], None]  # "" when speech works again
Current = Callable[[Announcement], bool]  # is this call still to be said?
Calls = Callable[[list[Announcement]], None]

AGAIN_AFTER_S = 1.0  # silence before a second reading, in which a fresh call still comes first


class Announcer:
    def __init__(self, voice: Voice, speaker: Speaker, settings: VoiceSection, *,
                 on_problem: Problem = lambda _: None, is_current: Current = lambda _: True,
                 on_speaking: Calls = lambda _: None, on_spoken: Calls = lambda _: None) -> None:
        self._voice = voice
        self._speaker = speaker
        self._settings = settings
        self._on_problem = on_problem
        self._is_current = is_current
        self._on_speaking = on_speaking
        self._on_spoken = on_spoken
        self._waiting: list[Announcement] = []  # fresh calls, oldest first, one per ticket
        self._again: list[Announcement] = []  # the last sentence's calls, for a second reading
        self._readings_left = 0
        self._ready = threading.Condition()
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)

    def start(self) -> Announcer:
        self._thread.start()
        return self

    def submit(self, announcement: Announcement) -> None:
        with self._ready:
            same = [a for a in self._waiting if a.number == announcement.number]
            for replaced in same:
                log.info("%s (%s) replaced by %s before it was said", replaced.call_id,
                         replaced.number, announcement.call_id)
            self._waiting = [a for a in self._waiting if a.number != announcement.number]
            self._waiting.append(announcement)
            self._again = [a for a in self._again if a.number != announcement.number]
            self._idle.clear()
            self._ready.notify()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is waiting or being spoken (for tests and a clean stop)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while (chosen := self._next()) is not None:
            calls, first = chosen
            self._speak(calls, first)

    def _next(self) -> tuple[list[Announcement], bool] | None:
        """The calls of the next sound and whether it is their first reading; None to stop."""
        with self._ready:
            while not self._stopping:
                fresh = self._current(self._waiting)
                self._waiting = []
                if fresh:
                    self._again, self._readings_left = fresh, self._settings.repeat
                    return fresh, True
                if self._again and self._readings_left > 0:
                    self._ready.wait(AGAIN_AFTER_S)  # a fresh call arriving now goes first
                    if self._waiting or self._stopping:
                        continue
                    self._readings_left -= 1
                    again = self._current(self._again)
                    if again:
                        return again, False
                    continue
                self._idle.set()
                self._ready.wait()
            return None

    def _current(self, calls: list[Announcement]) -> list[Announcement]:
        kept = [call for call in calls if self._is_current(call)]
        for dropped in (call for call in calls if call not in kept):
            log.info("%s (%s → quầy %d) not said: its ticket is no longer called there",
                     dropped.call_id, dropped.number, dropped.counter)
        return kept

    def _speak(self, calls: list[Announcement], first: bool) -> None:
        settings = self._settings
        utterance = calls_utterance([CallWords(c.number, c.counter, c.call_id) for c in calls],
                                    numbers=settings.numbers, dialect=settings.dialect,
                                    chime=settings.chime and first)
        label = calls[0].call_id + (f"+{len(calls) - 1}" if len(calls) > 1 else "")
        label += "-r0" if first else "-r1"
        try:
            rendered = self._voice.render(utterance)
            self._on_speaking(calls)
            self._speaker.play(Sound(rendered.wav, label, utterance.text,
                                     utterance.call_ids, rendered.offsets_s))
        except (VoiceUnavailable, SpeakerUnavailable, ValueError) as exc:
            log.error("could not speak %s: %s", label, exc)
            self._report(f"speaker: {exc}")
            return
        finally:
            self._on_speaking([])
        self._on_spoken(calls)
        self._report("")

    def _report(self, problem: str) -> None:
        failing = bool(problem)
        if failing != self._failing:
            self._failing = failing
            self._on_problem(problem)
