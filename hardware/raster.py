"""Read back what an ESC/POS printer would put on paper from the bytes it was sent.

Only the commands this project sends are understood: ESC @ (init), ESC d n (feed), ESC a n (align),
GS V (cut), GS v 0 (raster bit image) and GS ( k (the printer's native QR code: model, module size,
error correction, store data, print). The rasters are stacked top to bottom, so a ticket that
python-escpos split into several GS v 0 fragments comes back as one image. Paper feed is left out:
the image is the printed area, comparable pixel for pixel with what was rendered.

A native QR code is drawn from the data the printer was sent, with the `qrcode` library, centred, at
the module size the command asked for and with a two-module quiet zone (`draw_qr`, which the ticket
renderer uses too, so the fake printer's PNG is exactly the rendered ticket).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw

log = logging.getLogger(__name__)

ESC = 0x1B
GS = 0x1D
_INVERT = bytes(255 - b for b in range(256))
# Commands skipped whole: prefix -> total length in bytes.
_FIXED = {bytes((ESC, 0x40)): 2, bytes((ESC, 0x64)): 3, bytes((ESC, 0x61)): 3}
QR_BORDER = 2  # modules of quiet zone around a QR code
_EC_LEVELS = {0: qrcode.constants.ERROR_CORRECT_L, 1: qrcode.constants.ERROR_CORRECT_M,
              2: qrcode.constants.ERROR_CORRECT_Q, 3: qrcode.constants.ERROR_CORRECT_H}


class RasterError(ValueError):
    """The byte stream holds a truncated or malformed raster command."""


def qr_matrix(text: str, ec_level: int = 1) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=_EC_LEVELS.get(ec_level, _EC_LEVELS[1]), border=QR_BORDER)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def draw_qr(text: str, module: int, width: int, ec_level: int = 1) -> Image.Image:
    """A `width`-wide 1-bit strip with the QR code of `text` centred, `module` dots per module."""
    matrix = qr_matrix(text, ec_level)
    size = module * len(matrix)
    image = Image.new("1", (width, size), 1)
    draw = ImageDraw.Draw(image)
    left = (width - size) // 2
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                x, y = left + col * module, row * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
    return image


@dataclass
class _QrState:
    """What the GS ( k commands set so far: module size, error correction, stored data."""

    module: int = 3
    ec_level: int = 0
    data: bytes = b""


def decode_rasters(stream: bytes, width: int | None = None) -> Image.Image | None:
    """The GS v 0 images and native QR codes in `stream`, stacked, as a 1-bit image (black =
    printed dot). `width` is the paper's, in dots (QR codes are centred on it)."""
    images = list(_rasters(stream, width))
    if not images:
        return None
    width = max(image.width for image in images)
    sheet = Image.new("1", (width, sum(image.height for image in images)), 1)
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    return sheet


def _rasters(stream: bytes, width: int | None) -> list[Image.Image]:
    found: list[Image.Image] = []
    qr = _QrState()
    pos = 0
    while pos < len(stream):
        if stream.startswith(b"\x1dv0", pos):
            image, pos = _raster_at(stream, pos)
            found.append(image)
        elif stream.startswith(b"\x1d(k", pos):
            pos = _qr_command(stream, pos, qr, found, width)
        elif stream.startswith(b"\x1dV", pos):
            pos += 3 if stream[pos + 2:pos + 3] in (b"\x00", b"\x01", b"0", b"1") else 4
        elif (length := _FIXED.get(stream[pos:pos + 2])) is not None:
            pos += length
        else:
            log.debug("raster decoder: skipping byte %#04x at %d", stream[pos], pos)
            pos += 1
    return found


def _qr_command(stream: bytes, pos: int, qr: _QrState, found: list[Image.Image],
                width: int | None) -> int:
    """One GS ( k pL pH cn fn [m] data command (cn 49 = QR); returns the position after it."""
    if pos + 7 > len(stream):
        raise RasterError(f"truncated GS ( k header at byte {pos}")
    length = stream[pos + 3] | stream[pos + 4] << 8
    end = pos + 5 + length
    if end > len(stream) or length < 2:
        raise RasterError(f"GS ( k at byte {pos} needs {length} parameter bytes")
    fn, body = stream[pos + 6], stream[pos + 7:end]
    if stream[pos + 5] != 49 or (not body and fn != 81):
        return end
    if fn == 67:
        qr.module = max(1, min(16, body[0]))
    elif fn == 69:
        qr.ec_level = body[0] - 48
    elif fn == 80:
        qr.data = body[1:]  # m = '0', then the data
    elif fn == 81 and qr.data:
        text = qr.data.decode("utf-8", errors="replace")
        paper = width or max((image.width for image in found), default=qr.module * 40)
        found.append(draw_qr(text, qr.module, paper, qr.ec_level))
    return end


def _raster_at(stream: bytes, pos: int) -> tuple[Image.Image, int]:
    header = stream[pos + 4:pos + 8]
    if len(header) < 4:
        raise RasterError(f"truncated GS v 0 header at byte {pos}")
    width_bytes = header[0] | header[1] << 8
    height = header[2] | header[3] << 8
    start = pos + 8
    end = start + width_bytes * height
    if end > len(stream):
        raise RasterError(f"GS v 0 at byte {pos} needs {width_bytes * height} data bytes")
    # In the raster a set bit is a black dot; in a PIL "1" image 0 is black, so invert.
    data = stream[start:end].translate(_INVERT)
    return Image.frombytes("1", (width_bytes * 8, height), data), end
