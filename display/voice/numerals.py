"""Numbers read aloud in Vietnamese: digit by digit ("một không hai ba") or as numerals.

The numeral rules a listener expects: "mười" for ten but "mươi" after another tens digit; "mốt" for a
one after "mươi" (21 "hai mươi mốt") but "một" after "mười" (11); "lăm" for a five after a tens digit
(15, 25) but "năm" after "linh"; "tư" for a four after "mươi" (24); "linh" (north) or "lẻ" (south) for
a zero tens digit after hundreds (105); "không trăm" inside a number (1023); "nghìn" / "ngàn".
"""

from __future__ import annotations

from typing import Final, Literal

Dialect = Literal["north", "south"]

DIGITS: Final[tuple[str, ...]] = (
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
)
LARGEST: Final = 999_999  # ticket numbers have at most six digits

_ZERO_TENS: Final[dict[Dialect, str]] = {"north": "linh", "south": "lẻ"}
_THOUSAND: Final[dict[Dialect, str]] = {"north": "nghìn", "south": "ngàn"}


def digit_words(number: str) -> list[str]:
    """ "1023" -> ["một", "không", "hai", "ba"]; every character must be a digit."""
    if not number.isdigit() or not number.isascii():
        raise ValueError(f"{number!r} is not a number made of digits")
    return [DIGITS[int(ch)] for ch in number]


def numeral_words(number: int, dialect: Dialect = "north") -> list[str]:
    """1023 -> ["một", "nghìn", "không", "trăm", "hai", "mươi", "ba"]."""
    if not 0 <= number <= LARGEST:
        raise ValueError(f"{number} is outside 0..{LARGEST}")
    if number == 0:
        return [DIGITS[0]]
    thousands, rest = divmod(number, 1000)
    words: list[str] = []
    if thousands:
        words += [*_group(thousands, full=False, dialect=dialect), _THOUSAND[dialect]]
    if rest:
        words += _group(rest, full=bool(thousands), dialect=dialect)
    return words


def _group(value: int, *, full: bool, dialect: Dialect) -> list[str]:
    """Three digits; `full` when a higher group precedes it, so its hundreds are always said."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += ([_ZERO_TENS[dialect]] if words else []) + [DIGITS[units]]
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        words.append(_unit_after_tens(tens, units))
    return words


def _unit_after_tens(tens: int, units: int) -> str:
    if units == 5:
        return "lăm"
    if tens >= 2 and units == 1:
        return "mốt"
    if tens >= 2 and units == 4:
        return "tư"
    return DIGITS[units]
