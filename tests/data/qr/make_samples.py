"""Write the QR test images: clean renders and camera-like frames of every payload kind.

Run ``.venv/bin/python tests/data/qr/make_samples.py [OUT_DIR]``; the tests call ``write_samples`` into a
temporary folder, so nothing binary is committed. Seeded: the same images every time.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from hardware.card_frames import CCCD_SAMPLE, MODERATE, make_frame, render_qr
from kiosk.qr_payload import sign_booking

BOOKING_TEST_KEY = "test-booking-key"
PAYLOADS = {
    "cccd": CCCD_SAMPLE,
    "booking": sign_booking("hbt", "HT", datetime(2025, 7, 14, 9, 30), "bk-00042", key=BOOKING_TEST_KEY),
    "dossier": "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?code=000.00.12.H13-250714-0005",
    "ticket": "https://xephang.example.vn/ticket/t-20250714-1023",
    "unknown": "<script>alert('xin chào')</script>",
}


def perspective(gray: np.ndarray, seed: int) -> np.ndarray:
    """Tilt and blur a clean QR as a slightly off-axis camera would."""
    rng = np.random.default_rng(seed)
    h, w = gray.shape
    canvas = cv2.copyMakeBorder(gray, h // 3, h // 3, w // 3, w // 3, cv2.BORDER_CONSTANT, value=200)
    ch, cw = canvas.shape
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    dst = src + rng.uniform(-0.08, 0.08, (4, 2)).astype(np.float32) * np.array([cw, ch], np.float32)
    warped = cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(src, dst), (cw, ch),
                                 borderValue=(200,))
    return cv2.GaussianBlur(warped, (0, 0), 1.2)


def write_samples(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for index, (kind, payload) in enumerate(PAYLOADS.items()):
        clean = render_qr(payload, module_px=6)
        written[f"{kind}_clean"] = out / f"{kind}_clean.png"
        written[f"{kind}_tilted"] = out / f"{kind}_tilted.png"
        written[f"{kind}_camera"] = out / f"{kind}_camera.jpg"
        cv2.imwrite(str(written[f"{kind}_clean"]), clean)
        cv2.imwrite(str(written[f"{kind}_tilted"]), perspective(clean, index))
        frame = make_frame(np.random.default_rng(100 + index), payload, MODERATE)
        cv2.imwrite(str(written[f"{kind}_camera"]), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    blank = np.full((480, 640, 3), 180, np.uint8)
    written["blank"] = out / "blank.png"
    cv2.imwrite(str(written["blank"]), blank)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "out"
    for name, path in write_samples(target).items():
        sys.stdout.write(f"{name}: {path}\n")
