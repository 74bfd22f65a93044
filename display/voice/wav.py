"""16-bit mono PCM WAV in memory: read, join with pauses, measure, and the call chime.

Every clip and every utterance uses one format (RATE, mono, 16-bit), so joining is appending frames;
a clip in another format is converted when the clip set is built, never while speaking.
"""

from __future__ import annotations

import array
import functools
import io
import math
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 22050  # espeak-ng's native rate; plenty for speech
WIDTH = 2
PEAK = 32767


@dataclass(frozen=True)
class Pcm:
    rate: int
    channels: int
    width: int
    frames: bytes

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.rate * self.channels * self.width)

    def samples(self) -> array.array[int]:
        data = array.array("h", self.frames)
        if sys.byteorder == "big":
            data.byteswap()  # WAV is little-endian
        return data


def read(source: bytes | Path) -> Pcm:
    """A WAV from bytes or a file; wave.Error (a ValueError-like failure) if it is not one."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
    with stream, wave.open(stream, "rb") as reader:
        return Pcm(reader.getframerate(), reader.getnchannels(), reader.getsampwidth(),
                   reader.readframes(reader.getnframes()))


def encode(pcm: Pcm) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(pcm.channels)
        writer.setsampwidth(pcm.width)
        writer.setframerate(pcm.rate)
        writer.writeframes(pcm.frames)
    return buffer.getvalue()


def silence(seconds: float, rate: int = RATE) -> Pcm:
    return Pcm(rate, 1, WIDTH, bytes(int(seconds * rate) * WIDTH))


def join(pieces: list[Pcm], gap_s: float = 0.0) -> Pcm:
    """The pieces one after another with `gap_s` of silence between; all must share one format."""
    if not pieces:
        return silence(0)
    first = pieces[0]
    gap = silence(gap_s, first.rate).frames
    for piece in pieces:
        if (piece.rate, piece.channels, piece.width) != (first.rate, first.channels, first.width):
            raise ValueError(f"cannot join {piece.rate} Hz/{piece.channels} ch/{piece.width * 8} bit "
                             f"to {first.rate} Hz/{first.channels} ch/{first.width * 8} bit")
    frames = gap.join(piece.frames for piece in pieces)
    return Pcm(first.rate, first.channels, first.width, frames)


def peak(pcm: Pcm) -> int:
    samples = pcm.samples()
    return max((abs(s) for s in samples), default=0)


@functools.lru_cache(maxsize=4)
def chime(rate: int = RATE) -> Pcm:
    """A two-note "ding-dong" (E5 then C5) with a soft decay: it turns heads before the sentence.
    Computed once per rate (the same sound every call; a Pcm is immutable)."""
    data = array.array("h")
    for frequency in (659.25, 523.25):
        count = int(0.55 * rate)
        for i in range(count):
            t = i / rate
            envelope = min(1.0, t / 0.01) * math.exp(-4.0 * t)
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(4 * math.pi * frequency * t)
            data.append(int(0.45 * PEAK * envelope * tone / 1.3))
    if sys.byteorder == "big":
        data.byteswap()
    return Pcm(rate, 1, WIDTH, data.tobytes())
