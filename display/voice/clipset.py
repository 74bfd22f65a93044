"""Clip sets: one WAV per phrase and word a call can contain, built from any voice and checked.

A clip set is a folder of `<stem>.wav` files (22050 Hz, mono, 16-bit, silence trimmed, peaks at
-3 dBFS) plus `manifest.json` naming the source and what each clip says. It can be synthesised
(espeak-ng, or any command-line TTS such as piper with a Vietnamese model) or imported from
recordings named by stem (`mot.wav`, `moi-cong-dan.flac`…); sox converts other formats and rates.
"""

from __future__ import annotations

import array
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

from display.errors import VoiceUnavailable
from display.voice import wav
from display.voice.engines import MANIFEST
from display.voice.numerals import DIGITS, Dialect
from display.voice.utterance import CHIME, CLIP_NAMES, NEXT_CALL
from xephang.labels import INVITE, TO_COUNTER

log = logging.getLogger(__name__)

TARGET_PEAK = int(wav.PEAK * 0.708)  # -3 dBFS: loud, with headroom
TRIM_LEVEL = 0.02 * wav.PEAK  # quieter than this at either end is silence
MIN_PEAK = int(wav.PEAK * 0.1)  # a clip whose loudest sample is below -20 dBFS is "silent"
CLIPPED_RUN = 4  # this many full-scale samples in a row: the recording was clipped
MIN_S, MAX_S = 0.08, 6.0
_DIALECT_WORDS: dict[Dialect, tuple[str, ...]] = {"north": ("nghìn", "linh"), "south": ("ngàn", "lẻ")}

Synthesise = Callable[[str, Path], None]  # text -> write a WAV file at the path


def required_parts(dialect: Dialect) -> list[str]:
    """Everything a call can say in this dialect: the phrases, digits and numeral words."""
    words = [*DIGITS, "mốt", "tư", "lăm", "mười", "mươi", "trăm", *_DIALECT_WORDS[dialect]]
    return [CHIME, INVITE, NEXT_CALL, TO_COUNTER, *words]


def build(out: Path, synthesise: Synthesise, *, source: str, dialect: Dialect) -> list[str]:
    """Make every clip of the dialect into `out`; returns the stems written."""
    out.mkdir(parents=True, exist_ok=True)
    clips: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for part in required_parts(dialect):
            stem = CLIP_NAMES[part]
            if part == CHIME:
                pcm = wav.chime()
            else:
                raw = Path(scratch) / f"{stem}.src"
                synthesise(part, raw)
                pcm = normalise(load_any(raw))
            (out / f"{stem}.wav").write_bytes(wav.encode(pcm))
            clips[stem] = part
    manifest = {"source": source, "dialect": dialect, "rate": wav.RATE, "clips": clips}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return list(clips)


def espeak_synthesiser(voice: str) -> Synthesise:
    from display.voice.engines import EspeakVoice

    engine = EspeakVoice(voice)

    def synthesise(text: str, path: Path) -> None:
        path.write_bytes(wav.encode(engine.synthesise(text)))

    return synthesise


def command_synthesiser(command: list[str]) -> Synthesise:
    """Any TTS that reads text on stdin and writes a WAV at `{out}`, e.g.
    `piper --model vi_VN-vais1000-medium.onnx --output_file {out}`."""
    def synthesise(text: str, path: Path) -> None:
        argv = [arg.replace("{out}", str(path)) for arg in command]
        try:
            subprocess.run(argv, input=text.encode(), check=True, capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceUnavailable(f"{argv[0]} failed for {text!r}: {exc}") from exc

    return synthesise


def import_synthesiser(folder: Path) -> Synthesise:
    """Recordings named by stem in any format sox reads (wav, flac, ogg, mp3 with libsox-fmt-mp3)."""
    def synthesise(text: str, path: Path) -> None:
        stem = CLIP_NAMES[text]
        found = sorted(folder.glob(f"{stem}.*"))
        if not found:
            raise VoiceUnavailable(f"{folder}: no recording {stem}.* (says {text!r})")
        shutil.copyfile(found[0], path)

    return synthesise


def load_any(path: Path) -> wav.Pcm:
    """A clip in the target format: read directly if it already is one, else converted by sox."""
    try:
        pcm = wav.read(path)
        if (pcm.rate, pcm.channels, pcm.width) == (wav.RATE, 1, wav.WIDTH):
            return pcm
    except (EOFError, ValueError, OSError, wave.Error):
        pass  # not a WAV we can read: sox may still know the format
    return _sox_convert(path)


def _sox_convert(path: Path) -> wav.Pcm:
    sox = shutil.which("sox")
    if sox is None:
        raise VoiceUnavailable(f"{path.name} is not {wav.RATE} Hz mono 16-bit WAV and sox is not "
                               f"installed to convert it (apt-get install sox)")
    target = path.with_suffix(".conv.wav")
    try:
        subprocess.run([sox, str(path), "-r", str(wav.RATE), "-c", "1", "-b", "16", str(target)],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise VoiceUnavailable(f"sox could not convert {path.name}: {exc}") from exc
    return wav.read(target)


def normalise(pcm: wav.Pcm) -> wav.Pcm:
    """Trim leading/trailing silence and scale the peak to -3 dBFS."""
    samples = pcm.samples()
    loud = [i for i, s in enumerate(samples) if abs(s) > TRIM_LEVEL]
    if not loud:
        return pcm  # left silent on purpose: `check` reports it
    margin = int(0.01 * pcm.rate)
    kept = samples[max(0, loud[0] - margin): loud[-1] + margin + 1]
    gain = TARGET_PEAK / max(abs(s) for s in kept)
    scaled = array.array("h", (max(-wav.PEAK, min(wav.PEAK, round(s * gain))) for s in kept))
    if sys.byteorder == "big":
        scaled.byteswap()
    return wav.Pcm(pcm.rate, 1, wav.WIDTH, scaled.tobytes())


def check(folder: Path) -> list[str]:
    """Every problem of a clip set, one line each; an empty list means it is ready to use."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        dialect: Dialect = manifest.get("dialect", "north")
    except (OSError, ValueError, AttributeError) as exc:
        return [f"{folder / MANIFEST}: missing or not JSON ({exc})"]
    if dialect not in _DIALECT_WORDS:
        return [f"{MANIFEST}: unknown dialect {dialect!r}"]
    problems: list[str] = []
    for part in required_parts(dialect):
        stem = CLIP_NAMES[part]
        problems += [f"{stem}.wav ({part}): {p}" for p in _clip_problems(folder / f"{stem}.wav")]
    return problems


def _clip_problems(path: Path) -> list[str]:
    if not path.exists():
        return ["missing"]
    try:
        pcm = wav.read(path)
    except (EOFError, ValueError, OSError, wave.Error) as exc:
        return [f"not a WAV file ({exc})"]
    if (pcm.rate, pcm.channels, pcm.width) != (wav.RATE, 1, wav.WIDTH):
        return [f"format {pcm.rate} Hz/{pcm.channels} ch/{pcm.width * 8} bit, "
                f"expected {wav.RATE} Hz/1 ch/16 bit"]
    problems = []
    if not MIN_S <= pcm.seconds <= MAX_S:
        problems.append(f"lasts {pcm.seconds:.2f} s, expected {MIN_S}–{MAX_S} s")
    if wav.peak(pcm) < MIN_PEAK:
        problems.append("silent (peak below -20 dBFS)")
    if _clipped(pcm):
        problems.append(f"clipped ({CLIPPED_RUN}+ full-scale samples in a row)")
    return problems


def _clipped(pcm: wav.Pcm) -> bool:
    run = 0
    for sample in pcm.samples():
        run = run + 1 if abs(sample) >= wav.PEAK - 1 else 0
        if run >= CLIPPED_RUN:
            return True
    return False
