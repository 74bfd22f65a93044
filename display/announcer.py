"""Speak calls strictly one after another, in the order they arrived, on one thread.

A call is rendered by the voice (chime, sentence, repetition) into one sound and played to its end
before the next starts, so two calls made at the same moment are heard one after the other. If
speech falls more than `max_backlog` calls behind (a long outage's backlog), the oldest are dropped:
they are on the screen, and a hall hearing calls from minutes ago would be misled.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable

from display.errors import VoiceUnavailable
from display.voice.engines import Voice
from display.voice.utterance import call_utterance
from hardware.speaker import Sound, Speaker, SpeakerUnavailable
from xephang.config import VoiceSection
from xephang.protocol import Announcement

log = logging.getLogger(__name__)

Problem = Callable[[str], None]  # "" when speech works again


class Announcer:
    def __init__(self, voice: Voice, speaker: Speaker, settings: VoiceSection, *,
                 on_problem: Problem = lambda _: None) -> None:
        self._voice = voice
        self._speaker = speaker
        self._settings = settings
        self._on_problem = on_problem
        self._queue: collections.deque[Announcement] = collections.deque()
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
            self._queue.append(announcement)
            while len(self._queue) > self._settings.max_backlog:
                dropped = self._queue.popleft()
                log.warning("speech is %d calls behind: %s (%s) shown, not spoken",
                            self._settings.max_backlog, dropped.call_id, dropped.number)
            self._idle.clear()
            self._ready.notify()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or being spoken (for tests and a clean stop)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _next(self) -> Announcement | None:
        with self._ready:
            while not self._queue and not self._stopping:
                self._idle.set()
                self._ready.wait()
            return None if self._stopping else self._queue.popleft()

    def _run(self) -> None:
        while (announcement := self._next()) is not None:
            self._speak(announcement)

    def _speak(self, announcement: Announcement) -> None:
        settings = self._settings
        utterance = call_utterance(announcement.number, announcement.counter,
                                   numbers=settings.numbers, dialect=settings.dialect,
                                   chime=settings.chime, call_id=announcement.call_id)
        label = f"{announcement.call_id}-r{announcement.repeat}"
        try:
            audio = self._voice.render(utterance, times=1 + settings.repeat)
            self._speaker.play(Sound(audio, label, utterance.text))
        except (VoiceUnavailable, SpeakerUnavailable, ValueError) as exc:
            log.error("could not speak %s: %s", label, exc)
            self._report(f"speaker: {exc}")
            return
        self._report("")

    def _report(self, problem: str) -> None:
        failing = bool(problem)
        if failing != self._failing:
            self._failing = failing
            self._on_problem(problem)
