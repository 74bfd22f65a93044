"""Payload classification: every kind good and malformed; nothing the camera reads can crash it."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from kiosk.qr_payload import (
    MSG_UNKNOWN,
    MissingKeyError,
    age_on,
    classify,
    id_hash,
    sign_booking,
)

CCCD = ("001095012345|012345678|Nguyễn Văn An|15031995|Nam|"
        "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội|20042021")
KEY = "test-booking-key"


def test_cccd_fields_in_iso_dates() -> None:
    result = classify(CCCD)
    assert result.kind == "cccd"
    assert result.fields == {
        "id_number": "001095012345", "old_id_number": "012345678", "name": "Nguyễn Văn An",
        "birth_date": "1995-03-15", "sex": "Nam",
        "address": "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội", "issue_date": "2021-04-20",
    }


def test_cccd_decomposed_text_is_nfc_normalised() -> None:
    import unicodedata

    result = classify(unicodedata.normalize("NFD", CCCD))
    assert result.fields["name"] == "Nguyễn Văn An"
    assert result.fields["name"] == unicodedata.normalize("NFC", result.fields["name"])


def test_cccd_empty_fields_and_trailing_extra_fields_are_tolerated() -> None:
    result = classify("001095012345||Trần Thị Bình|01011950|Nữ||01072021|extra|more\n")
    assert result.kind == "cccd"
    assert result.fields["old_id_number"] == ""
    assert result.fields["address"] == ""
    assert result.fields["birth_date"] == "1950-01-01"


def test_raw_id_number_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for text in (CCCD, CCCD.replace("15031995", "99999999"), CCCD[:40]):
        classify(text)
    assert "001095012345" not in caplog.text


# --- bookings --------------------------------------------------------------------------------------


def test_signed_booking_round_trips() -> None:
    code = sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-42", key=KEY)
    result = classify(code, booking_key=KEY)
    assert result.kind == "booking"
    assert result.fields == {"valid": True, "site": "hbt", "service": "HT",
                             "slot": "2025-07-14T09:30:00", "booking_id": "bk-42"}


def test_booking_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XEPHANG_BOOKING_KEY", KEY)
    code = sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-42")
    assert classify(code).fields["valid"] is True


@pytest.mark.parametrize("tamper", [
    lambda c: c.replace(".HT.", ".CT."),  # another service
    lambda c: c.replace("202507140930", "202507141530"),  # another slot
    lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),  # signature altered
])
def test_altered_booking_is_rejected(tamper: object) -> None:
    code = sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-42", key=KEY)
    result = classify(tamper(code), booking_key=KEY)  # type: ignore[operator]
    assert result.kind == "booking"
    assert result.fields == {"valid": False, "reason": "bad_signature"}
    assert result.message and "không hợp lệ" in result.message


def test_booking_signed_with_another_key_or_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XEPHANG_BOOKING_KEY", raising=False)
    code = sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-42", key="forger")
    assert classify(code, booking_key=KEY).fields["reason"] == "bad_signature"
    assert classify(code).fields == {"valid": False, "reason": "no_key"}
    with pytest.raises(MissingKeyError):
        sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-42")


def test_malformed_booking() -> None:
    assert classify("XH1.B.hbt.HT.2025.bk.0123", booking_key=KEY).fields["reason"] == "malformed"


# --- dossiers and tickets ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("H01.22-250712-0001", "H01.22-250712-0001"),
    ("000.00.12.H13-250714-0005", "000.00.12.H13-250714-0005"),
    ("h01.22-250712-0001", "H01.22-250712-0001"),
    ("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?code=000.00.12.H13-250714-0005",
     "000.00.12.H13-250714-0005"),
    ("https://dichvucong.hanoi.gov.vn/ho-so/H01.22-250712-0001", "H01.22-250712-0001"),
])
def test_dossier_codes(text: str, code: str) -> None:
    result = classify(text)
    assert result.kind == "dossier"
    assert result.fields["dossier_code"] == code


@pytest.mark.parametrize("text", [
    "H01.22-251340-0001",  # month 13
    "H01.22-250712-1",  # sequence too short
    "H0122-250712-0001",  # no agency segments
    "ftp://x.vn/?code=H01.22-250712-0001",
])
def test_not_dossier_codes(text: str) -> None:
    assert classify(text).kind == "unknown"


@pytest.mark.parametrize("text", [
    "XH1.T.t-20250714-1023", "https://xephang.example.vn/ticket/t-20250714-1023",
    "http://10.0.0.5:8080/ticket/t-20250714-1023/",
])
def test_ticket_codes(text: str) -> None:
    assert classify(text).fields == {"ticket_id": "t-20250714-1023"}


# --- anything else ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "", "|", "||||||", "|||||||||||||", "   ", "\x00\x01\x02", "'; DROP TABLE tickets; --",
    "<img src=x onerror=alert(1)>", "XH1.", "XH1.T.", "https://", "http://[::1",
    "001095012345", "\ufeff\u202e", "x" * 5000,
])
def test_garbage_is_unknown_with_the_vietnamese_message(text: str) -> None:
    result = classify(text)
    assert result.kind == "unknown"
    assert result.message == MSG_UNKNOWN
    assert len(result.fields["text"]) <= 200
    assert not any(ord(c) < 32 for c in result.fields["text"])


def test_one_megabyte_and_invalid_utf8_bytes() -> None:
    assert classify("a|" * 500_000).kind == "unknown"
    assert classify(b"\xff\xfe\x00garbage\xc3").kind == "unknown"
    assert classify(CCCD.encode("utf-8")).kind == "cccd"


# --- hashing and age ----------------------------------------------------------------------------------


def test_id_hash_is_keyed_and_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XEPHANG_ID_HASH_KEY", raising=False)
    with pytest.raises(MissingKeyError):
        id_hash("001095012345")
    dev = id_hash("001095012345", allow_dev_key=True)
    monkeypatch.setenv("XEPHANG_ID_HASH_KEY", "site-secret")
    real = id_hash("001095012345")
    assert len(real) == 64 and "001095012345" not in real
    assert real != dev and real != id_hash("001095012345", key="other")
    assert real == id_hash(" 001095012345 ")


def test_id_hash_rejects_non_id_text() -> None:
    with pytest.raises(ValueError):
        id_hash("Nguyễn Văn An", key="k")


@pytest.mark.parametrize(("birth", "today", "age"), [
    (date(1965, 7, 14), date(2025, 7, 14), 60),
    (date(1965, 7, 15), date(2025, 7, 14), 59),
    (date(1964, 2, 29), date(2025, 2, 28), 60),
    (date(1964, 2, 29), date(2025, 3, 1), 61),
])
def test_age_on(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


def test_shown_text_loses_invisible_and_bidi_characters() -> None:
    assert classify("abc\u202edef\ufeff\x1b[31m").fields["text"] == "abcdef[31m"


# -- cards as seen in the wild ------------------------------------------------------------------

CARD_FIELDS = {
    "id_number": "001095012345", "old_id_number": "012345678", "name": "Nguyễn Văn An",
    "birth_date": "1995-03-15", "sex": "Nam",
    "address": "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội", "issue_date": "2021-04-20",
}


@pytest.mark.parametrize("text", [
    "\ufeff" + CCCD,  # a reader that prefixes a byte-order mark
    CCCD.replace("|", " | "),  # stray spaces around every separator
    "001095012345 |012345678| Nguyễn Văn An |15031995 |Nam| Số 12 Phố Huế, Phường Hai Bà Trưng, "
    "Hà Nội|20042021 \r\n",
    "\ufeff  " + CCCD.replace("|", "|  ") + "\ufeff",
], ids=["bom", "spaces", "uneven-spaces", "bom-and-spaces"])
def test_a_card_with_a_bom_or_stray_spaces_is_read(text: str) -> None:
    result = classify(text)
    assert (result.kind, result.fields) == ("cccd", CARD_FIELDS)


def test_a_card_with_a_10_digit_old_id_is_read() -> None:
    result = classify(CCCD.replace("|012345678|", "|0123456789|"))
    assert result.kind == "cccd"
    assert result.fields == {**CARD_FIELDS, "old_id_number": "0123456789"}


@pytest.mark.parametrize("text", [
    "001095012345|Nguyễn Văn An|15/03/1995|Nam|Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội|20/04/2021",
    "\ufeff001095012345 | Nguyễn Văn An | 15/03/1995 | Nam | "
    "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội | 20/04/2021",
    "001095012345|Nguyễn Văn An|15031995|Nam|Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội|20042021",
], ids=["slashes", "slashes-bom-spaces", "ddmmyyyy"])
def test_the_six_field_layout_without_the_old_id_is_read(text: str) -> None:
    result = classify(text)
    assert (result.kind, result.fields) == ("cccd", {**CARD_FIELDS, "old_id_number": ""})


@pytest.mark.parametrize("text", [
    "001095012345|012345678|Nguyễn Văn An|31021995|Nam|Hà Nội|20042021",  # 31 February
    "001095012345|012345678|Nguyễn Văn An|1995-03-15|Nam|Hà Nội|20042021",
    "001095012345|0123|Nguyễn Văn An|15031995|Nam|Hà Nội|20042021",  # old ID of 4 digits
    "001095012345|012345678|Nguyễn Văn An|15031995",  # truncated
    "001095012345|Nguyễn Văn An|15/3/1995|Nam|Hà Nội|20/04/2021",  # a one-digit month
    "\ufeff001095012345 |Nguyễn Văn An|15.03.1995|Nam|Hà Nội|20.04.2021",
    CCCD.replace("|", ";"),  # another separator: still a card's contents
    "Hà Nội|Nam|001095012345|Nguyễn Văn An|15031995|20042021",  # the number not first
    "00109501234|012345678|Nguyễn Văn An|15031995|Nam|Hà Nội|20042021",  # 11 digits
])
def test_a_card_that_cannot_be_read_is_reported_as_unreadable(text: str) -> None:
    result = classify(text)
    assert result.kind == "cccd_unreadable"
    assert set(result.fields) == {"reason"}
    for personal in ("001095012345", "0010950123", "Nguyễn", "Hà Nội", "1995"):
        assert personal not in str(result.fields)
    assert result.message and "Căn cước" in result.message


def test_an_unknown_text_never_shows_a_long_number() -> None:
    result = classify("Thẻ của tôi: 001095012345, gọi 0912345678")
    assert result.kind == "unknown"
    assert result.fields["text"] == "Thẻ của tôi: ************, gọi **********"
