"""Voices: turn an Utterance into one WAV, with espeak-ng (offline, robotic) or a recorded clip set.

A voice only renders; playing is the speaker's job (hardware/speaker.py), so the fake speaker and
the real one play exactly the same audio.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any, Protocol

from display.errors import VoiceUnavailable
from display.voice import wav
from display.voice.utterance import CHIME, Utterance

log = logging.getLogger(__name__)

WORD_GAP_S = 0.06  # between clips: words run together, yet each digit stays distinct
REPEAT_GAP_S = 1.0  # between the sentence and its repetition
ESPEAK_TIMEOUT_S = 20.0
MANIFEST = "manifest.json"


class Voice(Protocol):
    def render(self, utterance: Utterance, *, times: int = 1) -> bytes: ...


def _with_chime(utterance: Utterance, sentence: wav.Pcm, times: int) -> bytes:
    """Chime (if asked), then the sentence `times` times with a pause between."""
    said = wav.join([sentence] * max(1, times), REPEAT_GAP_S)
    pieces = [wav.chime(sentence.rate), said] if CHIME in utterance.parts else [said]
    return wav.encode(wav.join(pieces, 0.3))


class EspeakVoice:
    """espeak-ng's Vietnamese voices (`vi`, `vi-vn-x-central`, `vi-vn-x-south`), synthesised on the Pi."""

    def __init__(self, voice: str = "vi", *, speed_wpm: int = 140,
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

    def render(self, utterance: Utterance, *, times: int = 1) -> bytes:
        return _with_chime(utterance, self.synthesise(utterance.text), times)


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

    def render(self, utterance: Utterance, *, times: int = 1) -> bytes:
        names = [name for name in utterance.clip_names if name != "chime"]
        missing = [name for name in names if name not in self._clips]
        if missing:
            raise VoiceUnavailable(f"the clip set has no {', '.join(missing)}")
        sentence = wav.join([self._clips[name] for name in names], WORD_GAP_S)
        said = wav.join([sentence] * max(1, times), REPEAT_GAP_S)
        chime = self._clips.get("chime")
        pieces = [chime, said] if chime is not None and CHIME in utterance.parts else [said]
        return wav.encode(wav.join(pieces, 0.3))


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
