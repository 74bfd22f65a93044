"""What a hall display says for a call, as a sequence of parts an engine can voice.

A part is a phrase or a word from a closed vocabulary (so a clip set can record each one once) or
the chime. The same parts give the text for a synthesiser and the list of clips for a clip voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from display.voice.numerals import Dialect, digit_words, numeral_words

CHIME: Final = "♪"
INVITE: Final = "Mời công dân có số thứ tự"
TO_COUNTER: Final = "đến quầy số"

# Every part a call can contain -> the clip file's stem (ASCII, one per distinct sound).
CLIP_NAMES: Final[dict[str, str]] = {
    CHIME: "chime", INVITE: "moi-cong-dan", TO_COUNTER: "den-quay-so",
    "không": "khong", "một": "mot", "mốt": "mot-sac", "hai": "hai", "ba": "ba", "bốn": "bon",
    "tư": "tu", "năm": "nam", "lăm": "lam", "sáu": "sau", "bảy": "bay", "tám": "tam", "chín": "chin",
    "mười": "muoi-huyen", "mươi": "muoi", "trăm": "tram", "nghìn": "nghin", "ngàn": "ngan",
    "linh": "linh", "lẻ": "le",
}


@dataclass(frozen=True)
class Utterance:
    parts: tuple[str, ...]
    call_id: str = ""

    @property
    def text(self) -> str:
        """The sentence without the chime, e.g. for espeak-ng and the announcement log."""
        words = [part for part in self.parts if part != CHIME]
        return " ".join(words)

    @property
    def clip_names(self) -> list[str]:
        return [CLIP_NAMES[part] for part in self.parts]


def call_utterance(number: str, counter: int, *, numbers: Literal["digits", "words"] = "digits",
                   dialect: Dialect = "north", chime: bool = True, call_id: str = "") -> Utterance:
    """"Mời công dân có số thứ tự 1023 đến quầy số 5", numbers spelled out as configured.

    The counter is always read as a numeral ("quầy số mười hai"): nobody says "quầy số một hai".
    """
    ticket = digit_words(number) if numbers == "digits" else numeral_words(int(number), dialect)
    parts = ([CHIME] if chime else []) + [INVITE, *ticket, TO_COUNTER,
                                          *numeral_words(counter, dialect)]
    return Utterance(tuple(parts), call_id)
