"""Build a hall display's speech from its config: a voice, a speaker, and the remembered calls.

`engine = "espeak"` synthesises on the Pi; `"clips"` joins a recorded clip set; `"off"` is silent.
An `audio_dir` (the demo, the tests) swaps the loudspeaker for the fake that writes WAV files. If
the voice or the speaker cannot work, the display still shows calls and reports the problem.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from display.announce import AnnouncementGate
from display.announcer import Announcer, Calls, Current, Problem
from display.errors import VoiceUnavailable
from display.voice.engines import ClipVoice, EspeakVoice, Voice
from hardware.speaker import AplaySpeaker, FakeSpeaker, Speaker, SpeakerUnavailable
from xephang.config import Display, VoiceSection

log = logging.getLogger(__name__)

DEFAULT_STATE_DIR = Path("/var/lib/xephang")


@dataclass
class Speech:
    gate: AnnouncementGate
    voice: Voice | None
    speaker: Speaker | None
    settings: VoiceSection
    on_problem: Problem
    problem: str = ""  # why there is no voice, for the device status
    announcer: Announcer | None = None

    def announce(self, *, is_current: Current, on_speaking: Calls, on_spoken: Calls) -> Announcer | None:
        """The announcer, told by the hall screen which calls are current and who listens."""
        if self.voice is None or self.speaker is None:
            return None
        self.announcer = Announcer(self.voice, self.speaker, self.settings,
                                   on_problem=self.on_problem, is_current=is_current,
                                   on_speaking=on_speaking, on_spoken=on_spoken)
        return self.announcer


def state_dir(explicit: Path | None = None) -> Path:
    return explicit or Path(os.environ.get("XEPHANG_STATE_DIR", str(DEFAULT_STATE_DIR)))


def build_speech(display: Display, *, audio_dir: Path | None, folder: Path | None,
                 on_problem: Problem) -> Speech:
    gate = AnnouncementGate(path=_gate_path(state_dir(folder), display.id))
    if display.voice.engine == "off":
        return Speech(gate, None, None, display.voice, on_problem)
    try:
        voice = make_voice(display.voice)
        speaker: Speaker = (FakeSpeaker(audio_dir, pace=_fake_pace()) if audio_dir
                            else AplaySpeaker())
    except (VoiceUnavailable, SpeakerUnavailable) as exc:
        log.error("display %s will not speak: %s", display.id, exc)
        return Speech(gate, None, None, display.voice, on_problem, f"speaker: {exc}")
    return Speech(gate, voice, speaker, display.voice, on_problem)


def _fake_pace() -> float:
    """How long the fake speaker takes per second of sound (1 = real time; tests go faster)."""
    try:
        return max(0.0, float(os.environ.get("XEPHANG_FAKE_SPEAKER_PACE", "1")))
    except ValueError:
        log.warning("XEPHANG_FAKE_SPEAKER_PACE is not a number; the fake speaker keeps real time")
        return 1.0


def make_voice(settings: VoiceSection) -> Voice:
    if settings.engine == "clips":
        assert settings.clips_dir is not None  # the config requires it for "clips"
        return ClipVoice(Path(settings.clips_dir))
    return EspeakVoice(settings.espeak_voice, speed_wpm=settings.speed_wpm)


def _gate_path(folder: Path, display_id: str) -> Path | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("no state folder %s (%s): a restart may repeat the last call once", folder, exc)
        return None
    return folder / f"announced-{display_id}.json"
