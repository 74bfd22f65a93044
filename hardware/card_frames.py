"""Seeded synthetic camera frames of a QR code on an ID card: the kiosk camera's bad days, for the
fake camera (``hardware.camera.FakeCamera.push``) to show the scanner.

A 1280×720 BGR frame shows a desk-like background with a card carrying a QR code, tilted and seen in
perspective, then blurred (focus or motion), lit with glare, flattened in contrast and noised. The
``moderate`` set is a reasonably held card; the ``hard`` set is what makes decoders fail.
Used by ``bench/qr_decoders.py`` and by the tests (and ``tests/data/qr/make_samples.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import qrcode
from numpy.typing import NDArray

Frame = NDArray[Any]
WIDTH, HEIGHT = 1280, 720
CCCD_SAMPLE = (
    "001095012345|012345678|Nguyễn Văn An|15031995|Nam|"
    "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội|20042021"
)


@dataclass(frozen=True)
class Difficulty:
    name: str
    qr_px: tuple[int, int]  # side of the QR code in the frame, pixels
    tilt_deg: float  # in-plane rotation, ±
    perspective: float  # corner jitter as a fraction of the side
    blur_sigma: tuple[float, float]
    motion_px: tuple[int, int]  # motion blur length; 0 = none
    glare: tuple[float, float]  # peak added brightness
    contrast: tuple[float, float]  # kept fraction of the dynamic range
    noise_sigma: tuple[float, float]


MODERATE = Difficulty("moderate", (200, 320), 20, 0.06, (0.0, 1.2), (0, 4), (0, 60), (0.6, 1.0), (2, 8))
HARD = Difficulty("hard", (170, 280), 40, 0.15, (0.6, 2.0), (0, 7), (40, 170), (0.25, 0.6), (6, 18))
DIFFICULTIES = {d.name: d for d in (MODERATE, HARD)}


def qr_matrix(payload: str | bytes, border: int = 4) -> NDArray[np.bool_]:
    """The modules of a QR code (True = dark), UTF-8 byte mode as the card readers expect."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(payload.encode("utf-8") if isinstance(payload, str) else payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def render_qr(payload: str | bytes, module_px: int = 8, border: int = 4) -> Frame:
    """A clean grayscale QR image, ``module_px`` pixels per module."""
    modules = qr_matrix(payload, border)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def _background(rng: np.random.Generator) -> Frame:
    base = rng.uniform(60, 200)
    ramp = np.linspace(-30, 30, WIDTH, dtype=np.float32)[None, :] * rng.choice([-1, 1])
    frame = np.clip(base + ramp + np.zeros((HEIGHT, 1), np.float32), 0, 255)
    frame = np.repeat(frame[:, :, None], 3, axis=2).astype(np.uint8)
    for _ in range(int(rng.integers(3, 9))):  # clutter: things lying on the desk
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        size = (int(rng.integers(20, 200)), int(rng.integers(20, 200)))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(frame, (x, y), (x + size[0], y + size[1]), color, -1)
    return frame


def _card(payload: str | bytes) -> Frame:
    """The QR code on a light card with a margin, BGR."""
    qr = render_qr(payload, module_px=6, border=2)
    side = qr.shape[0]
    card = np.full((int(side * 1.3), int(side * 1.6)), 235, np.uint8)
    card[side // 7 : side // 7 + side, side // 7 : side // 7 + side] = qr
    return cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)


def _destination(rng: np.random.Generator, card: Frame, qr_side: float, d: Difficulty) -> NDArray[np.float32]:
    scale = qr_side / (card.shape[0] / 1.3)
    w, h = card.shape[1] * scale, card.shape[0] * scale
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32)
    corners += rng.uniform(-d.perspective, d.perspective, (4, 2)).astype(np.float32) * qr_side
    angle = np.deg2rad(rng.uniform(-d.tilt_deg, d.tilt_deg))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    reach = np.abs(corners @ rot.T).max(axis=0) + 5
    center = [rng.uniform(reach[0], WIDTH - reach[0]), rng.uniform(reach[1], HEIGHT - reach[1])]
    return (corners @ rot.T + np.array(center, np.float32)).astype(np.float32)


def _place(frame: Frame, card: Frame, dst: NDArray[np.float32]) -> Frame:
    h, w = card.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (WIDTH, HEIGHT))
    frame[mask > 127] = warped[mask > 127]
    return frame


def _motion_blur(frame: Frame, length: int, rng: np.random.Generator) -> Frame:
    line: Frame = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0 / length
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
    kernel: Frame = cv2.warpAffine(line, turn, (length, length))
    return cv2.filter2D(frame, -1, kernel / max(float(kernel.sum()), 1e-6))


def _degrade(frame: Frame, rng: np.random.Generator, d: Difficulty, near: NDArray[np.float32]) -> Frame:
    sigma = rng.uniform(*d.blur_sigma)
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    motion = int(rng.integers(d.motion_px[0], d.motion_px[1] + 1))
    if motion >= 2:
        frame = _motion_blur(frame, motion, rng)
    img = frame.astype(np.float32)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    gx, gy = near.mean(axis=0) + rng.normal(0, 60, 2)  # glare lands on or near the card
    radius = rng.uniform(60, 220)
    img += (rng.uniform(*d.glare) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2)))[..., None]
    keep = rng.uniform(*d.contrast)
    img = img * keep + rng.uniform(0, 255 * (1 - keep))
    img += rng.normal(0, rng.uniform(*d.noise_sigma), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_frame(rng: np.random.Generator, payload: str | bytes, difficulty: Difficulty) -> Frame:
    """One 1280×720 BGR frame of ``payload`` as a camera might see it."""
    card = _card(payload)
    dst = _destination(rng, card, rng.uniform(*difficulty.qr_px), difficulty)
    frame = _place(_background(rng), card, dst)
    return _degrade(frame, rng, difficulty, dst)


def burst(rng: np.random.Generator, payload: str | bytes, difficulty: Difficulty, length: int) -> list[Frame]:
    """``length`` frames of one card held still: same pose and scene, fresh blur, glare and noise."""
    card = _card(payload)
    dst = _destination(rng, card, rng.uniform(*difficulty.qr_px), difficulty)
    scene = _place(_background(rng), card, dst)
    return [_degrade(scene.copy(), rng, difficulty, dst) for _ in range(length)]


def frames(count: int, difficulty: Difficulty, seed: int, payload: str = CCCD_SAMPLE) -> Iterator[Frame]:
    """``count`` frames, the same ones for the same seed."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield make_frame(rng, payload, difficulty)
