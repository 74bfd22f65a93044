"""Loudspeakers: play one WAV to the end, or (the fake) keep it as a file with a log line.

`play` blocks until the sound has finished, so a caller that plays one announcement after another
can never talk over itself. The fake lives here beside the real one: the demo and the tests use it.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import threading
import time
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from hardware.errors import HardwareError

log = logging.getLogger(__name__)

PLAY_TIMEOUT_S = 120.0
LOG_NAME = "announcements.jsonl"


class SpeakerUnavailable(HardwareError, OSError):
    """The sound cannot be played: no aplay, no sound card, or the player failed."""


@dataclass(frozen=True)
class Sound:
    wav: bytes
    label: str  # a short id for file names and logs (the first call id)
    text: str  # what is said, for the log
    calls: tuple[str, ...] = ()  # the call ids this sound carries, in the order they are said
    offsets_s: tuple[float, ...] = ()  # when each of those calls' words start in the sound


class Speaker(Protocol):
    def play(self, sound: Sound) -> None: ...


class AplaySpeaker:
    """ALSA's `aplay` (alsa-utils) on the Pi's audio output; `device` as in `aplay -D`."""

    def __init__(self, device: str | None = None, executable: str | None = None) -> None:
        found = executable or shutil.which("aplay")
        if found is None:
            raise SpeakerUnavailable("aplay is not installed (apt-get install alsa-utils)")
        self._command = [found, "-q", *(["-D", device] if device else []), "-"]

    def play(self, sound: Sound) -> None:
        try:
            done = subprocess.run(self._command, input=sound.wav, capture_output=True,
                                  timeout=PLAY_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SpeakerUnavailable(f"aplay failed: {exc}") from exc
        if done.returncode != 0:
            raise SpeakerUnavailable(f"aplay: {done.stderr.decode(errors='replace').strip()}")


class FakeSpeaker:
    """Writes `NNNN-<label>.wav` per sound and a JSON line per sound to `announcements.jsonl`.

    `pace` 1.0 takes as long as the sound lasts (as a loudspeaker would), 0 returns at once; the log
    keeps when each sound started and ended, which is how tests see that two never overlap.
    """

    def __init__(self, folder: Path, *, pace: float = 1.0) -> None:
        self.folder = folder
        self._pace = pace
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self._count = len(list(folder.glob("*.wav")))  # a restart continues the numbering

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME

    def play(self, sound: Sound) -> None:
        started = datetime.now(UTC)
        with self._lock:
            self._count += 1
            path = self.folder / f"{self._count:04d}-{_safe(sound.label)}.wav"
        path.write_bytes(sound.wav)
        time.sleep(_duration(sound.wav) * self._pace)  # stands in for the sound being heard
        entry = {"file": path.name, "label": sound.label, "text": sound.text,
                 "calls": list(sound.calls), "call_offsets_s": list(sound.offsets_s),
                 "started": started.isoformat(), "ended": datetime.now(UTC).isoformat()}
        with self._lock, self.log_path.open("a", encoding="utf-8") as log_file:
            log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.info("fake speaker: %s carries %s (%s)", path.name, ", ".join(sound.calls) or "-",
                 sound.text)


def read_log(folder: Path) -> list[dict[str, Any]]:
    path = folder / LOG_NAME
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _duration(data: bytes) -> float:
    with wave.open(BytesIO(data), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:40] or "sound"
