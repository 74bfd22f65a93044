"""Draw a ticket as a 1-bit image the width of the paper, and send it to an ESC/POS printer.

The text is raster images (GS v 0) rather than printer text: thermal printers have no Vietnamese
code page worth trusting (escpos turns what it cannot encode into `?`, silently), and an image prints
the same on every model. The QR code between the two text parts is the printer's own (GS ( k): about
60 bytes instead of ~2.5 KB of raster, and sharper. `render_ticket` draws the same ticket as one
image, exactly what the fake printer's PNG shows.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image, ImageDraw, ImageFont

from hardware.printer import FakePrinter, check_ready, printing
from hardware.raster import draw_qr, qr_matrix
from kiosk.errors import FontsMissing
from kiosk.ticket_text import Style, TextBlock, status_url, ticket_blocks
from xephang.config import SiteConfig
from xephang.errors import ConfigError
from xephang.protocol import Ticket, ticket_number

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
BASE_WIDTH = 576
# style -> (bold, size in dots at 576 dots wide, space after)
STYLES: dict[Style, tuple[bool, int, int]] = {
    "title": (True, 26, 4), "address": (False, 20, 10), "label": (False, 24, 0),
    "number": (True, 150, 6), "service": (True, 30, 10), "priority": (True, 28, 10),
    "body": (False, 23, 6), "small": (False, 18, 8),
}
WHITE, BLACK = 1, 0
ALIGN_CENTER, ALIGN_LEFT = b"\x1ba\x01", b"\x1ba\x00"
MAX_NATIVE_MODULE = 16  # the largest module size GS ( k accepts


@dataclass(frozen=True)
class Line:
    """One printed line: its text, font and where it goes."""

    text: str
    font: ImageFont.FreeTypeFont
    height: int
    gap: int


def font_dir() -> Path:
    return Path(os.environ.get("XEPHANG_FONT_DIR", DEFAULT_FONT_DIR))


@functools.lru_cache(maxsize=64)
def load_font(folder: Path, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path = folder / (BOLD if bold else REGULAR)
    if not path.is_file():
        raise FontsMissing(
            f"font {path} not found: install the package fonts-dejavu-core "
            "(`sudo apt-get install fonts-dejavu-core`) or set XEPHANG_FONT_DIR to a folder "
            f"holding {REGULAR} and {BOLD}"
        )
    return ImageFont.truetype(str(path), size)


def _font(style: Style, scale: float) -> ImageFont.FreeTypeFont:
    bold, size, _ = STYLES[style]
    return load_font(font_dir(), bold, max(14, round(size * scale)))


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by rendered width; a word longer than the line stays on its own."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def balanced_wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Wrap into as few lines as `wrap`, but as even as possible (no lone word on the last line)."""
    lines = wrap(text, font, width)
    step = max(4, width // 40)
    narrower = width - step
    while len(lines) > 1 and narrower > width // 2:
        attempt = wrap(text, font, narrower)
        if len(attempt) != len(lines):
            break
        lines, narrower = attempt, narrower - step
    return lines


def _fit(text: str, style: Style, scale: float, width: int) -> ImageFont.FreeTypeFont:
    """The style's font, shrunk until a one-line text (the big number) fits the paper."""
    font = _font(style, scale)
    while font.getlength(text) > width and font.size > 12:
        font = load_font(font_dir(), STYLES[style][0], int(font.size * 0.9))
    return font


def layout(blocks: list[TextBlock], width: int) -> list[Line]:
    folder = font_dir()  # part of the key: lines are only reused with the same fonts
    return [line for block in blocks
            for line in _block_lines(block.text, block.style, width, folder)]


# The header (center's name, address, notices) is the same on every ticket: wrapped once, not per
# ticket; the few varying blocks (number, time, wait) are cheap and fall out of the cache.
@functools.lru_cache(maxsize=256)
def _block_lines(text: str, style: Style, width: int, folder: Path) -> tuple[Line, ...]:
    scale = width / BASE_WIDTH
    usable = width - 2 * _margin(width)
    if style == "number":
        font = _fit(text, "number", scale, usable)
        texts = [text]
    else:
        font = _font(style, scale)
        texts = balanced_wrap(text, font, usable)
    ascent, descent = font.getmetrics()
    return tuple(Line(line, font, ascent + descent,
                      round(STYLES[style][2] * scale) if index == len(texts) - 1 else 2)
                 for index, line in enumerate(texts))


def _margin(width: int) -> int:
    return max(8, width // 36)


def printed_lines(config: SiteConfig, ticket: Ticket, width: int = BASE_WIDTH, *,
                  offline: bool = False) -> list[str]:
    """Exactly the lines of text printed on this ticket, top to bottom (the QR code aside)."""
    above, below = ticket_blocks(config, ticket, offline=offline)
    return [line.text for line in layout(above, width) + layout(below, width)]


@dataclass(frozen=True)
class TicketParts:
    """A ticket as printed: text image, the QR code (sent as a native command), text image."""

    top: Image.Image
    qr_text: str
    module: int
    bottom: Image.Image

    def compose(self) -> Image.Image:
        width = self.top.width
        strip = draw_qr(self.qr_text, self.module, width)
        sheet = Image.new("1", (width, self.top.height + strip.height + self.bottom.height), WHITE)
        for image, top in ((self.top, 0), (strip, self.top.height),
                           (self.bottom, self.top.height + strip.height)):
            sheet.paste(image, (0, top))
        return sheet


def ticket_parts(config: SiteConfig, ticket: Ticket, width: int = BASE_WIDTH, *,
                 offline: bool = False, reprint: bool = False) -> TicketParts:
    above, below = ticket_blocks(config, ticket, offline=offline, reprint=reprint)
    top, bottom = layout(above, width), layout(below, width)
    url = status_url(config, ticket.id)
    module = min(MAX_NATIVE_MODULE, max(2, (width * 2 // 5) // _qr_side(url)))
    margin, rule = _margin(width), max(2, width // 200)
    upper = Image.new("1", (width, margin // 2 + _height(top) + rule * 4), WHITE)
    draw = ImageDraw.Draw(upper)
    y = _draw_lines(draw, top, width, margin // 2)
    draw.rectangle((margin, y + rule, width - margin, y + 2 * rule - 1), fill=BLACK)
    lower = Image.new("1", (width, rule + _height(bottom) + 2 * margin - margin // 2), WHITE)
    _draw_lines(ImageDraw.Draw(lower), bottom, width, rule)
    return TicketParts(upper, url, module, lower)


_QR_SIDES: dict[int, int] = {}


def _qr_side(url: str) -> int:
    """Modules per side of the QR code of `url`: the same for every status URL of one length
    (ticket ids are fixed-length), so it is encoded once, not for every ticket (the printer draws
    the native code itself; at worst a rare id that encodes smaller prints a little small)."""
    side = _QR_SIDES.get(len(url))
    if side is None:
        side = _QR_SIDES[len(url)] = len(qr_matrix(url))
    return side


def render_ticket(config: SiteConfig, ticket: Ticket, width: int = BASE_WIDTH, *,
                  offline: bool = False, reprint: bool = False) -> Image.Image:
    """The ticket as a 1-bit image `width` dots wide (576 for 80 mm paper, 384 for 58 mm)."""
    return ticket_parts(config, ticket, width, offline=offline, reprint=reprint).compose()


def _height(lines: list[Line]) -> int:
    return sum(line.height + line.gap for line in lines)


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[Line], width: int, y: int) -> int:
    for line in lines:
        x = (width - line.font.getlength(line.text)) / 2
        draw.text((x, y), line.text, font=line.font, fill=BLACK)
        y += line.height + line.gap
    return y


def print_ticket_parts(printer: Escpos, parts: TicketParts, label: str | None = None) -> None:
    """Send one ticket: reset, a status check (paper out, offline), text raster, native QR code,
    text raster, feed and cut. Raises PrinterUnavailable (PaperOut, PrinterOffline) on trouble."""
    if label and isinstance(printer, FakePrinter):
        printer.label_next(label)
    with printing(printer):
        printer.hw("INIT")
        check_ready(printer)
        printer.image(parts.top, impl="bitImageRaster")
        printer._raw(ALIGN_CENTER)  # escpos refuses center=True for a native QR code
        printer.qr(parts.qr_text, ec=QR_ECLEVEL_M, size=parts.module, native=True)
        printer._raw(ALIGN_LEFT)
        printer.image(parts.bottom, impl="bitImageRaster")
        printer.cut()


def sample_ticket(config: SiteConfig, service_code: str) -> Ticket:
    service = config.service(service_code)
    if service is None:
        valid = ", ".join(s.code for s in config.services)
        raise ConfigError(f"unknown service {service_code!r}; valid codes: {valid}")
    return Ticket(id="mau-0001", number=ticket_number(service.prefix, service.start + 22),
                  service=service.code, issued_at=datetime.now(config.site.zone),
                  ahead=4, eta_s=17 * 60)


def render_sample_ticket(config: SiteConfig, service_code: str, out: Path) -> None:
    """`xephang ticket --service CODE --out FILE.png`: a sample ticket as the printer would get it."""
    ticket = sample_ticket(config, service_code)
    kiosk = config.kiosks[0] if config.kiosks else None
    width = kiosk.printer.width_dots if kiosk else BASE_WIDTH
    out.parent.mkdir(parents=True, exist_ok=True)
    render_ticket(config, ticket, width).save(out)
