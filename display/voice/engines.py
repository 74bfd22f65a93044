"""Voices: turn an Utterance into one WAV, with espeak-ng (offline, robotic) or a recorded clip set.

A voice only renders; playing is the speaker's job (hardware/speaker.py), so the fake speaker and
the real one play exactly the same audio. Each call of a joined sentence is rendered as its own
segment, so the sound knows when each call's words start (the announcement log keeps it).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from display.errors import VoiceUnavailable
from display.voice import wav
from display.voice.utterance import CLIP_NAMES, NEXT_CALL, Utterance
from xephang.labels import INVITE

log = logging.getLogger(__name__)

WORD_GAP_S = 0.06  # between clips: words run together, yet each digit stays distinct
CALL_GAP_S = 0.3  # between the calls of a joined sentence: the comma
CHIME_GAP_S = 0.3  # between the chime and the sentence
ESPEAK_TIMEOUT_S = 20.0
DEFAULT_SPEED_WPM = 150
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Rendered:
    wav: bytes
    offsets_s: tuple[float, ...]  # when each call's segment starts, from the start of the sound
    seconds: float


class Voice(Protocol):
    def render(self, utterance: Utterance) -> Rendered: ...


def assemble(chime: wav.Pcm | None, segments: list[wav.Pcm]) -> Rendered:
    """Chime (if given), then the segments with a comma's pause between; offsets of each."""
    pieces: list[wav.Pcm] = []
    cursor = 0.0
    if chime is not None:
        pieces += [chime, wav.silence(CHIME_GAP_S, chime.rate)]
        cursor = chime.seconds + CHIME_GAP_S
    offsets = []
    for index, segment in enumerate(segments):
        if index:
            pieces.append(wav.silence(CALL_GAP_S, segment.rate))
            cursor += CALL_GAP_S
        offsets.append(round(cursor, 3))
        pieces.append(segment)
        cursor += segment.seconds
    whole = wav.join(pieces)
    return Rendered(wav.encode(whole), tuple(offsets), whole.seconds)


class EspeakVoice:
    """espeak-ng's Vietnamese voices (`vi`, `vi-vn-x-central`, `vi-vn-x-south`), synthesised on the Pi."""

    def __init__(self, voice: str = "vi", *, speed_wpm: int = DEFAULT_SPEED_WPM,
                 executable: str | None = None) -> None:
        found = executable or shutil.which("espeak-ng")
        if found is None:
            raise VoiceUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        self._command = [found, "-v", voice, "-s", str(speed_wpm), "--stdout"]

    def synthesise(self, text: str) -> wav.Pcm:
        try:
            done = subprocess.run([*self._command, text], capture_output=True, check=True,
                                  timeout=ESPEAK_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceUnavailable(f"espeak-ng failed: {exc}") from exc
        return wav.read(done.stdout)

    def render(self, utterance: Utterance) -> Rendered:
        segments = [self.synthesise(" ".join(segment)) for segment in utterance.segments]
        return assemble(wav.chime(segments[0].rate) if utterance.chime else None, segments)


class ClipVoice:
    """A clip set (`xephang voice build`): one WAV per phrase and word, joined at speaking time."""

    def __init__(self, folder: Path) -> None:
        manifest = _load_manifest(folder)
        self._clips: dict[str, wav.Pcm] = {}
        for name in manifest["clips"]:
            try:
                self._clips[name] = wav.read(folder / f"{name}.wav")
            except (OSError, EOFError, ValueError) as exc:  # wave.Error is an Exception subclass
                raise VoiceUnavailable(f"clip set {folder}: cannot read {name}.wav: {exc}") from exc
        log.info("clip voice %s: %d clips (%s)", folder, len(self._clips), manifest.get("source"))

    def render(self, utterance: Utterance) -> Rendered:
        segments = [self._segment(segment) for segment in utterance.segments]
        return assemble(self._clips.get("chime") if utterance.chime else None, segments)

    def _segment(self, parts: tuple[str, ...]) -> wav.Pcm:
        names = [CLIP_NAMES[part] for part in parts]
        if parts[0] == NEXT_CALL and CLIP_NAMES[NEXT_CALL] not in self._clips:
            names[0] = CLIP_NAMES[INVITE]  # a clip set built before joined calls: invite each one
        missing = [name for name in names if name not in self._clips]
        if missing:
            raise VoiceUnavailable(f"the clip set has no {', '.join(missing)}")
        return wav.join([self._clips[name] for name in names], WORD_GAP_S)


def _load_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoiceUnavailable(f"{path}: not a clip set manifest ({exc}); "
                               f"build one with `xephang voice build`") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clips"), dict):
        raise VoiceUnavailable(f"{path}: has no \"clips\" table")
    return data
