"""Read back what an ESC/POS printer would put on paper from the bytes it was sent.

Only the commands this project sends are understood: ESC @ (init), ESC d n (feed), ESC a n (align),
GS V (cut) and GS v 0 (raster bit image). The rasters are stacked top to bottom, so a ticket that
python-escpos split into several GS v 0 fragments comes back as one image. Paper feed is left out:
the image is the printed area, comparable pixel for pixel with what was rendered.
"""

from __future__ import annotations

import logging

from PIL import Image

log = logging.getLogger(__name__)

ESC = 0x1B
GS = 0x1D
_INVERT = bytes(255 - b for b in range(256))
# Commands skipped whole: prefix -> total length in bytes.
_FIXED = {bytes((ESC, 0x40)): 2, bytes((ESC, 0x64)): 3, bytes((ESC, 0x61)): 3}


class RasterError(ValueError):
    """The byte stream holds a truncated or malformed raster command."""


def decode_rasters(stream: bytes) -> Image.Image | None:
    """The GS v 0 images in `stream`, stacked, as a 1-bit image (black = printed dot)."""
    images = list(_rasters(stream))
    if not images:
        return None
    width = max(image.width for image in images)
    sheet = Image.new("1", (width, sum(image.height for image in images)), 1)
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    return sheet


def _rasters(stream: bytes) -> list[Image.Image]:
    found: list[Image.Image] = []
    pos = 0
    while pos < len(stream):
        if stream.startswith(b"\x1dv0", pos):
            image, pos = _raster_at(stream, pos)
            found.append(image)
        elif stream.startswith(b"\x1dV", pos):
            pos += 3 if stream[pos + 2:pos + 3] in (b"\x00", b"\x01", b"0", b"1") else 4
        elif (length := _FIXED.get(stream[pos:pos + 2])) is not None:
            pos += length
        else:
            log.debug("raster decoder: skipping byte %#04x at %d", stream[pos], pos)
            pos += 1
    return found


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
