"""What a scanned QR code means: a chip ID card, one of our bookings or tickets, or a dossier receipt.

Every parser takes untrusted text straight from a camera and returns a frozen dataclass or ``None``;
``classify`` turns any text into a ``ScanResult`` and never raises.

Forged or altered bookings: text that starts with ``XH1.B.`` is classified as kind ``booking`` with
``fields["valid"] is False`` and a ``reason`` (``malformed``, ``bad_signature``, ``no_key``), and the
Vietnamese ``message`` to show. The kiosk must check ``valid`` before it trusts any other field; a valid
booking carries ``valid: True``. We keep the kind so the kiosk can say "this booking is not valid"
rather than "this is not a code we know".

A text that looks like a chip ID card's (it starts with an ID number and a field separator, or holds
a 12-digit number among `|`-separated fields) but cannot be read is kind ``cccd_unreadable``, with
only a ``reason`` in its fields: never ``unknown`` with the card's number, name and address as text.

The raw ID number must never reach a log: this module logs only kinds and reasons.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from xephang.protocol import SERVICE_CODE

log = logging.getLogger(__name__)

Kind = Literal["cccd", "cccd_unreadable", "booking", "dossier", "ticket", "unknown"]

MAX_INPUT_CHARS = 4096  # a QR code holds at most 2,953 bytes; anything longer is not from one
MAX_SHOWN_CHARS = 200
BOOKING_KEY_ENV = "XEPHANG_BOOKING_KEY"
ID_HASH_KEY_ENV = "XEPHANG_ID_HASH_KEY"
DEV_ID_HASH_KEY = b"xephang-dev-only-id-hash-key"  # only when allow_dev_key=True; never in production

MSG_UNKNOWN = (
    "Mã QR không hợp lệ. Vui lòng quét mã trên Căn cước công dân, "
    "phiếu hẹn trực tuyến hoặc giấy tiếp nhận hồ sơ."
)
MSG_BAD_BOOKING = "Phiếu hẹn trực tuyến không hợp lệ. Vui lòng liên hệ cán bộ hướng dẫn."
MSG_BAD_CCCD = "Không đọc được thông tin trên Căn cước công dân. Vui lòng quét lại hoặc chọn dịch vụ."

# C0/C1 controls plus invisible and bidi-override characters that could disguise shown text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_TOKEN = r"[A-Za-z0-9_-]"
_BOOKING = re.compile(
    rf"^XH1\.B\.(?P<site>[a-z0-9][a-z0-9-]{{0,39}})\.(?P<service>{SERVICE_CODE})\."
    rf"(?P<slot>\d{{12}})\.(?P<booking_id>{_TOKEN}{{1,40}})\.(?P<mac>[0-9A-Fa-f]{{16}})$"
)
_TICKET_CODE = re.compile(rf"^XH1\.T\.(?P<ticket_id>{_TOKEN}{{1,64}})$")
_TICKET_PATH = re.compile(rf"/ticket/(?P<ticket_id>{_TOKEN}{{1,64}})/?$")
# Agency codes of the public service portal: dot-separated segments (H01.22, 000.00.12.H13, G22.37.1).
_DOSSIER = re.compile(
    r"^(?P<agency>[A-Z0-9]{1,5}(?:\.[A-Z0-9]{1,5}){1,5})-(?P<date>\d{6})-(?P<seq>\d{3,7})$"
)


class QrPayloadError(ValueError):
    """A payload or key problem that callers may show or log (never with the raw ID number)."""


class MissingKeyError(QrPayloadError, LookupError):
    """A signing or hashing key is not configured in the environment."""


@dataclass(frozen=True)
class ScanResult:
    kind: Kind
    fields: dict[str, Any]
    message: str | None = None  # Vietnamese text for the kiosk screen when the code is not usable
    reason: str | None = None  # machine-readable why, for logs (never contains personal data)


@dataclass(frozen=True)
class CccdCard:
    id_number: str
    old_id_number: str
    name: str
    birth_date: date | None
    sex: str
    address: str
    issue_date: date | None
    extra: tuple[str, ...] = field(default=())  # trailing fields some readers append; kept, not shown

    def fields(self) -> dict[str, Any]:
        out = asdict(self)
        del out["extra"]
        for key in ("birth_date", "issue_date"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


@dataclass(frozen=True)
class Booking:
    site: str
    service: str
    slot: datetime
    booking_id: str

    def fields(self) -> dict[str, Any]:
        return {"valid": True, "site": self.site, "service": self.service,
                "slot": self.slot.isoformat(), "booking_id": self.booking_id}


@dataclass(frozen=True)
class Dossier:
    dossier_code: str
    agency_code: str
    received_date: date


@dataclass(frozen=True)
class TicketRef:
    ticket_id: str


# --- small helpers -----------------------------------------------------------------------------


def clean_text(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """NFC-normalise, drop control characters and cut to ``limit`` characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text[: limit * 4]))[:limit]


def _parse_date(value: str) -> date | None:
    """A card's date, ``ddmmyyyy`` or ``dd/mm/yyyy``; empty is None."""
    if not value:
        return None
    match = re.fullmatch(r"(\d{2})/?(\d{2})/?(\d{4})", value)
    if not match or value.count("/") not in (0, 2):
        raise QrPayloadError("date is not ddmmyyyy or dd/mm/yyyy")
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError as exc:
        raise QrPayloadError("date does not exist") from exc


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else key


def _env_key(name: str) -> bytes | None:
    value = os.environ.get(name, "")
    return value.encode("utf-8") if value else None


# --- CCCD --------------------------------------------------------------------------------------


_CARD_START = re.compile(r"^\d{9,12}\s*[|;,\t]")
_ID_FIELD = re.compile(r"(?:^|\|)\s*\d{12}\s*(?:\||$)")
_OLD_ID = re.compile(r"\d{9}|\d{10}|\d{12}")  # 9-digit CMND, 10 digits seen in the wild, 12-digit


def looks_like_cccd(text: str) -> bool:
    """An ID number then a separator, or a 12-digit field among several `|`-separated ones."""
    return bool(_CARD_START.match(text)) or (text.count("|") >= 4 and bool(_ID_FIELD.search(text)))


def parse_cccd(text: str) -> CccdCard:
    """Parse ``ID|old ID|name|date|sex|address|date[|extra…]`` or the layout without the old ID,
    ``ID|name|date|sex|address|date``; dates as ddmmyyyy or dd/mm/yyyy. Spaces around fields and a
    byte-order mark are tolerated. Raise QrPayloadError (never naming a field's value) if not one."""
    cleaned = unicodedata.normalize("NFC", text).strip().strip("\ufeff").strip()
    parts = [clean_text(p.strip(), 300) for p in cleaned.split("|")]
    if len(parts) >= 7 and (not parts[1] or parts[1].isdigit()):
        id_number, old_id, rest = parts[0], parts[1], parts[2:]
    elif len(parts) >= 6 and not any(ch.isdigit() for ch in parts[1]):
        id_number, old_id, rest = parts[0], "", parts[1:]
    else:
        raise QrPayloadError(f"chip ID card QR has {len(parts)} fields in no known layout")
    if not re.fullmatch(r"\d{12}", id_number):
        raise QrPayloadError("ID number is not 12 digits")
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise QrPayloadError("old ID number is not 9, 10 or 12 digits")
    return CccdCard(
        id_number=id_number, old_id_number=old_id, name=rest[0],
        birth_date=_parse_date(rest[1]), sex=rest[2], address=rest[3],
        issue_date=_parse_date(rest[4]), extra=tuple(rest[5:]),
    )


def age_on(birth_date: date, today: date) -> int:
    """Completed years on ``today`` (a 29 February birthday counts from 1 March in common years)."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def id_hash(id_number: str, key: str | bytes | None = None, *, allow_dev_key: bool = False) -> str:
    """Keyed hash (HMAC-SHA256 hex) of an ID number: what the broker gets instead of the number.

    The key comes from ``key`` or env ``XEPHANG_ID_HASH_KEY``; without either this raises
    MissingKeyError unless ``allow_dev_key`` asks for the fixed development key.
    """
    number = id_number.strip()
    if not re.fullmatch(r"\d{9}|\d{12}", number):
        raise QrPayloadError("ID number must be 9 or 12 digits")
    secret = _key_bytes(key) if key else _env_key(ID_HASH_KEY_ENV)
    if secret is None:
        if not allow_dev_key:
            raise MissingKeyError(f"set {ID_HASH_KEY_ENV} to hash ID numbers")
        secret = DEV_ID_HASH_KEY
    return hmac.new(secret, number.encode("ascii"), hashlib.sha256).hexdigest()


# --- bookings ----------------------------------------------------------------------------------


def _booking_mac(message: str, key: bytes) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def sign_booking(site: str, service: str, slot: datetime, booking_id: str,
                 key: str | bytes | None = None) -> str:
    """The QR text for a booking: ``XH1.B.{site}.{service}.{yyyymmddHHMM}.{booking_id}.{hmac16}``."""
    secret = _key_bytes(key) if key else _env_key(BOOKING_KEY_ENV)
    if secret is None:
        raise MissingKeyError(f"set {BOOKING_KEY_ENV} to sign bookings")
    message = f"XH1.B.{site}.{service}.{slot:%Y%m%d%H%M}.{booking_id}"
    code = f"{message}.{_booking_mac(message, secret)}"
    if not _BOOKING.match(code):
        raise QrPayloadError("site, service or booking id has characters a booking code cannot carry")
    return code


def verify_booking(text: str, key: str | bytes | None = None) -> Booking:
    """Parse and check a booking code; raise QrPayloadError whose args[0] is the reason code."""
    match = _BOOKING.match(text)
    if not match:
        raise QrPayloadError("malformed")
    secret = _key_bytes(key) if key else _env_key(BOOKING_KEY_ENV)
    if secret is None:
        raise MissingKeyError("no_key")
    message = text[: match.start("mac") - 1]
    if not hmac.compare_digest(_booking_mac(message, secret), match["mac"].lower()):
        raise QrPayloadError("bad_signature")
    try:
        slot = datetime.strptime(match["slot"], "%Y%m%d%H%M")
    except ValueError as exc:
        raise QrPayloadError("malformed") from exc
    return Booking(match["site"], match["service"], slot, match["booking_id"])


# --- dossiers and tickets ------------------------------------------------------------------------


def parse_dossier_code(code: str) -> Dossier | None:
    match = _DOSSIER.match(code.strip().upper())
    if not match:
        return None
    try:
        received = datetime.strptime(match["date"], "%y%m%d").date()
    except ValueError:
        return None
    return Dossier(match.group(0), match["agency"], received)


def _url_candidates(text: str) -> list[str]:
    """Query values then path segments of an http(s) URL, the places a code may hide."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return []
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return []
    values = [v for _, v in parse_qsl(parts.query)]
    segments = [unquote(s) for s in reversed(parts.path.split("/")) if s]
    return values + segments


def parse_dossier(text: str) -> Dossier | None:
    """A dossier receipt code, bare or inside a portal URL (``?code=…`` or the last path segment)."""
    found = parse_dossier_code(text)
    if found:
        return found
    for candidate in _url_candidates(text):
        found = parse_dossier_code(candidate)
        if found:
            return found
    return None


def parse_ticket(text: str) -> TicketRef | None:
    """``XH1.T.{ticket_id}`` or our status page URL ``…/ticket/{ticket_id}``."""
    match = _TICKET_CODE.match(text)
    if match:
        return TicketRef(match["ticket_id"])
    if _url_candidates(text):
        match = _TICKET_PATH.search(urlsplit(text).path)
        if match:
            return TicketRef(match["ticket_id"])
    return None


# --- classification ----------------------------------------------------------------------------


def _unknown(text: str, reason: str, message: str = MSG_UNKNOWN) -> ScanResult:
    """Text we do not know, shown cleaned; a run of 9 or more digits (it may be an ID number in a
    layout nobody expected) is masked."""
    log.info("QR code not accepted: %s", reason)
    shown = re.sub(r"\d{9,}", lambda run: "*" * len(run[0]), clean_text(text))
    return ScanResult("unknown", {"text": shown}, message, reason)


def _classify_cccd(text: str) -> ScanResult:
    try:
        card = parse_cccd(text)
    except QrPayloadError as exc:
        # The text is an ID card's: report why it could not be read, never what it holds.
        log.info("chip ID card QR unreadable: %s", exc)
        return ScanResult("cccd_unreadable", {"reason": str(exc)}, MSG_BAD_CCCD, f"cccd: {exc}")
    return ScanResult("cccd", card.fields())


def _classify_booking(text: str, booking_key: str | bytes | None) -> ScanResult:
    try:
        booking = verify_booking(text, booking_key)
    except QrPayloadError as exc:
        reason = str(exc)
        log.warning("booking code rejected: %s", reason)
        return ScanResult("booking", {"valid": False, "reason": reason}, MSG_BAD_BOOKING, reason)
    return ScanResult("booking", booking.fields())


def classify(text: str | bytes, *, booking_key: str | bytes | None = None) -> ScanResult:
    """What a decoded QR text is. Never raises, whatever the input."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text[: MAX_INPUT_CHARS * 4]).decode("utf-8", errors="replace")
    if len(text) > MAX_INPUT_CHARS:
        return _unknown(text, "too_long")
    text = unicodedata.normalize("NFC", text).strip().strip("\ufeff").strip()
    if looks_like_cccd(text):
        return _classify_cccd(text)
    if text.startswith("XH1.B."):
        return _classify_booking(text, booking_key)
    ticket = parse_ticket(text)
    if ticket:
        return ScanResult("ticket", asdict(ticket))
    dossier = parse_dossier(text)
    if dossier:
        return ScanResult("dossier", {"dossier_code": dossier.dossier_code,
                                      "agency_code": dossier.agency_code,
                                      "received_date": dossier.received_date.isoformat()})
    return _unknown(text, "not_recognised")
