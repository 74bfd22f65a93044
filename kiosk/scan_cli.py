"""``xephang scan IMAGE…``: decode the QR codes in image files, one JSON object per line per image.

Output (DESIGN.md section 4, plus ``cccd_unreadable``): ``{"image": path, "kind":
"cccd|cccd_unreadable|booking|dossier|ticket|unknown|none", "fields": {…}}``; ``none`` when the
image has no readable QR code, with an ``error`` field when the image itself could not be read. An
image with several codes prints one line per code. The exit code is 1 when any image could not be
read, else 0.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from kiosk.qr_decode import DecodeError, decode_file
from kiosk.qr_payload import classify

log = logging.getLogger(__name__)


def scan_lines(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The JSON objects to print for one image, and whether the image could be read."""
    try:
        texts = decode_file(path)
    except DecodeError as exc:
        return [{"image": str(path), "kind": "none", "fields": {}, "error": str(exc)}], False
    if not texts:
        return [{"image": str(path), "kind": "none", "fields": {}}], True
    lines = []
    for text in texts:
        result = classify(text)
        lines.append({"image": str(path), "kind": result.kind, "fields": result.fields})
    return lines, True


def run_scan(paths: list[Path], out: TextIO | None = None) -> int:
    """Print one line per image (per code); carry on past unreadable images, then exit non-zero."""
    stream = out or sys.stdout
    failed = 0
    for path in paths:
        lines, readable = scan_lines(Path(path))
        failed += not readable
        for line in lines:
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        stream.flush()
    if failed:
        log.warning("%d of %d images could not be read", failed, len(paths))
    return 1 if failed else 0
