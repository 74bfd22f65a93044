"""What a ticket says, in Vietnamese: the wording, separate from how it is drawn.

Waiting times are printed as a rounded range ("khoảng 15–20 phút"), never as a promise.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from routing.wait_range import ticket_wait_text
from xephang.config import SiteConfig
from xephang.labels import PRIORITY_NAMES as PRIORITY_NAMES  # printed on the ticket
from xephang.protocol import Ticket

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # without `public_url`: only this machine opens it
FOOTER = "Vui lòng chờ gọi số trên màn hình. Xin cảm ơn!"
QR_CAPTION = "Quét mã để theo dõi lượt chờ trên điện thoại"
OFFLINE_MARK = "Số cấp khi mất kết nối"
REPRINT_MARK = "Phiếu in lại"


Style = Literal["title", "address", "label", "number", "service", "priority", "body", "small"]


@dataclass(frozen=True)
class TextBlock:
    """One paragraph of a ticket; the renderer wraps it to the paper width."""

    text: str
    style: Style


def nfc(text: str) -> str:
    """Precomposed Vietnamese letters: one glyph per letter, whatever the source typed."""
    return unicodedata.normalize("NFC", text)


def issued_text(config: SiteConfig, issued_at: datetime) -> str:
    """`08:15 23/11/2026` in the center's time zone (a naive time is taken as UTC)."""
    moment = issued_at if issued_at.tzinfo else issued_at.replace(tzinfo=UTC)
    return moment.astimezone(config.site.zone).strftime("%H:%M %d/%m/%Y")


def status_url(config: SiteConfig, ticket_id: str) -> str:
    """The page that follows this ticket, opened by the QR code (site.toml's `public_url`)."""
    base = config.site.public_url or DEFAULT_PUBLIC_URL
    return f"{base}/ticket/{quote(ticket_id, safe='')}"


def ticket_blocks(config: SiteConfig, ticket: Ticket, *, offline: bool = False,
                  reprint: bool = False) -> tuple[list[TextBlock], list[TextBlock]]:
    """The text above the QR code and the text below it, NFC-normalised. An offline ticket (from
    the kiosk's own block) is marked so staff can tell it from the broker's at a glance."""
    service = config.service(ticket.service)
    service_name = service.name if service else ticket.service
    above = [TextBlock(config.site.name, "title")]
    if config.site.address:
        above.append(TextBlock(config.site.address, "address"))
    above += [TextBlock("SỐ THỨ TỰ", "label"), TextBlock(ticket.number, "number"),
              TextBlock(service_name, "service")]
    if ticket.priority != "none":
        above.append(TextBlock(f"Ưu tiên: {PRIORITY_NAMES[ticket.priority]}", "priority"))
    if offline:
        above.append(TextBlock(OFFLINE_MARK, "priority"))
    if reprint:
        above.append(TextBlock(REPRINT_MARK, "priority"))
    wait = ticket_wait_text(ticket, config.routing.eta_round_min)
    above += [
        TextBlock(f"Giờ lấy số: {issued_text(config, ticket.issued_at)}", "body"),
        TextBlock(f"Số người chờ phía trước: {ticket.ahead}", "body"),
        TextBlock(wait if wait.startswith("Được") else f"Thời gian chờ dự kiến: {wait}", "body"),
    ]
    below = [TextBlock(QR_CAPTION, "small"), TextBlock(FOOTER, "body")]
    return _normalised(above), _normalised(below)


def _normalised(blocks: list[TextBlock]) -> list[TextBlock]:
    return [TextBlock(nfc(block.text), block.style) for block in blocks]
