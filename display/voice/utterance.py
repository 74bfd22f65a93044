"""What a hall display says, as sequences of parts an engine can voice.

A part is a phrase or a word from a closed vocabulary (so a clip set can record each one once) or
the chime. Calls waiting together are said as one sentence, one segment per call: "Mời công dân có
số thứ tự 2003 đến quầy số 3, số 6008 đến quầy số 8". The same parts give the text for a
synthesiser and the list of clips for a clip voice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from display.voice.numerals import Dialect, digit_words, numeral_words
from xephang.labels import INVITE, TO_COUNTER

CHIME: Final = "♪"
NEXT_CALL: Final = "số"  # opens each further call of a joined sentence

# Every part a call can contain -> the clip file's stem (ASCII, one per distinct sound).
CLIP_NAMES: Final[dict[str, str]] = {
    CHIME: "chime", INVITE: "moi-cong-dan", TO_COUNTER: "den-quay-so", NEXT_CALL: "so",
    "không": "khong", "một": "mot", "mốt": "mot-sac", "hai": "hai", "ba": "ba", "bốn": "bon",
    "tư": "tu", "năm": "nam", "lăm": "lam", "sáu": "sau", "bảy": "bay", "tám": "tam", "chín": "chin",
    "mười": "muoi-huyen", "mươi": "muoi", "trăm": "tram", "nghìn": "nghin", "ngàn": "ngan",
    "linh": "linh", "lẻ": "le",
}


@dataclass(frozen=True)
class CallWords:
    """One call to say: the ticket number and the counter, and the call id it carries."""

    number: str
    counter: int
    call_id: str = ""


@dataclass(frozen=True)
class Utterance:
    """One sound: the chime (if asked), then one segment per call, in order."""

    segments: tuple[tuple[str, ...], ...]
    chime: bool = True
    call_ids: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        return ((CHIME,) if self.chime else ()) + tuple(p for s in self.segments for p in s)

    @property
    def call_id(self) -> str:
        return self.call_ids[0] if self.call_ids else ""

    @property
    def text(self) -> str:
        """The sentence without the chime, e.g. for espeak-ng and the announcement log."""
        return ", ".join(" ".join(segment) for segment in self.segments)

    @property
    def clip_names(self) -> list[str]:
        return [CLIP_NAMES[part] for part in self.parts]


def calls_utterance(calls: Sequence[CallWords], *, numbers: Literal["digits", "words"] = "digits",
                    dialect: Dialect = "north", chime: bool = True) -> Utterance:
    """One sentence for every call in `calls`, in order; the first opens with the invitation.

    The counter is always read as a numeral ("quầy số mười hai"): nobody says "quầy số một hai".
    """
    if not calls:
        raise ValueError("an utterance needs at least one call")
    segments = []
    for index, call in enumerate(calls):
        ticket = digit_words(call.number) if numbers == "digits" else numeral_words(
            int(call.number), dialect)
        opening = INVITE if index == 0 else NEXT_CALL
        segments.append((opening, *ticket, TO_COUNTER, *numeral_words(call.counter, dialect)))
    return Utterance(tuple(segments), chime, tuple(call.call_id for call in calls))


def call_utterance(number: str, counter: int, *, numbers: Literal["digits", "words"] = "digits",
                   dialect: Dialect = "north", chime: bool = True, call_id: str = "") -> Utterance:
    """"Mời công dân có số thứ tự 1023 đến quầy số 5", numbers spelled out as configured."""
    return calls_utterance([CallWords(number, counter, call_id)], numbers=numbers,
                           dialect=dialect, chime=chime)
