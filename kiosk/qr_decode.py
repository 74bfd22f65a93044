"""Finding and decoding QR codes in camera frames: zxing-cpp on numpy/OpenCV images.

zxing-cpp reads the grayscale frame through a short cascade of clean-ups, each kept because
``bench/qr_decoders.py`` shows it pays for itself on the hard frames: a 3×3 median + unsharp mask
against sensor noise and focus blur, then a 1.5× cubic upscale for small soft codes, then the untouched
frame. First of all it tries the region where a code was seen (in the previous frame, or located but not
decoded), cropped and enlarged, which is cheap because it is small. Equalisation (CLAHE) and adaptive
binarisation were measured and dropped: they lose codes or add nothing on top of the cascade.

Text: ID card QR codes carry UTF-8 in byte mode without an ECI marker, so zxing may guess another
character set for ``.text``; we take the raw ``.bytes`` as UTF-8 when they are valid UTF-8 and fall back
to zxing's text otherwise (Vietnamese diacritics survive either way for UTF-8 codes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Image = NDArray[Any]
else:
    Image = Any

log = logging.getLogger(__name__)

Region = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels
Stage = Callable[[Image], Image]
# Order from the bench: median + sharpen first beats the plain frame outright (hard set 72% vs 50%, and
# faster); plain is kept last for tiny, crisp codes whose 1-2 px modules a median filter would erase.
DEFAULT_STAGES = ("median_sharpen", "upscale_sharpen", "plain")


class DecodeError(OSError):
    """An image file could not be read."""


def _sharpen(gray: Image, sigma: float = 3.0, amount: float = 1.5) -> Image:
    import cv2

    return cv2.addWeighted(gray, 1 + amount, cv2.GaussianBlur(gray, (0, 0), sigma), -amount, 0)


def _median_sharpen(gray: Image) -> Image:
    import cv2

    return _sharpen(cv2.medianBlur(gray, 3), 2.0, 1.0)


def _upscale_sharpen(gray: Image) -> Image:
    import cv2

    big = cv2.resize(cv2.medianBlur(gray, 3), None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    return _sharpen(big)


def _equalise(gray: Image) -> Image:
    import cv2

    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)


def _binarise(gray: Image) -> Image:
    import cv2

    smooth = cv2.GaussianBlur(gray, (5, 5), 0)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 51, 5)


STAGES: dict[str, Stage] = {
    "plain": lambda gray: gray,
    "median_sharpen": _median_sharpen,
    "upscale_sharpen": _upscale_sharpen,
    "equalise": _equalise,
    "binarise": _binarise,
    "sharpen": _sharpen,
}


def to_gray(image: Image) -> Image:
    import cv2

    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


def barcode_text(barcode: Any) -> str:
    """UTF-8 from the raw bytes when they are UTF-8, else zxing's own transcoding."""
    try:
        return bytes(barcode.bytes).decode("utf-8")
    except UnicodeDecodeError:
        return str(barcode.text)


def _region(barcode: Any, shape: tuple[int, ...]) -> Region:
    pos = barcode.position
    xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    pad_x, pad_y = (max(xs) - min(xs)) // 3 + 8, (max(ys) - min(ys)) // 3 + 8
    return (max(0, min(xs) - pad_x), max(0, min(ys) - pad_y),
            min(shape[1], max(xs) + pad_x), min(shape[0], max(ys) + pad_y))


def _scale_region(region: Region, factor: float, origin: tuple[int, int]) -> Region:
    x0, y0, x1, y1 = region
    return (origin[0] + int(x0 / factor), origin[1] + int(y0 / factor),
            origin[0] + int(x1 / factor), origin[1] + int(y1 / factor))


@dataclass
class Decoded:
    texts: list[str]
    stage: str | None = None  # which attempt succeeded, for the bench and the logs
    region: Region | None = None  # where a code was seen, even if it did not decode


@dataclass
class QrDecoder:
    """zxing-cpp plus a preprocessing cascade; remembers where the last code was for the next frame."""

    stages: Sequence[str] = DEFAULT_STAGES
    use_region: bool = True
    last_region: Region | None = field(default=None, init=False)

    def _read(self, gray: Image) -> tuple[list[str], Region | None]:
        import zxingcpp

        qr_only: Any = zxingcpp.BarcodeFormat.QRCode  # zxing-cpp 2.x and 3.x both take a single format
        found = zxingcpp.read_barcodes(gray, formats=qr_only, return_errors=True)
        texts = [barcode_text(b) for b in found if b.valid]
        region = _region(found[0], gray.shape) if found else None
        return texts, region

    def _read_region(self, gray: Image, region: Region) -> tuple[list[str], Region | None]:
        x0, y0, x1, y1 = region
        crop = gray[y0:y1, x0:x1]
        if crop.shape[0] < 16 or crop.shape[1] < 16:
            return [], None
        texts, inner = self._read(_upscale_sharpen(crop))
        return texts, _scale_region(inner, 1.5, (x0, y0)) if inner else None

    def decode(self, image: Image) -> Decoded:
        gray = to_gray(image)
        seen = self.last_region if self.use_region else None
        if seen is not None:
            texts, region = self._read_region(gray, seen)
            if texts:
                return self._found(texts, "region", region or seen)
        for name in self.stages:
            texts, region = self._read(STAGES[name](gray))
            if name == "upscale_sharpen" and region:
                region = _scale_region(region, 1.5, (0, 0))
            seen = region or seen
            if texts:
                return self._found(texts, name, region)
        self.last_region = seen if self.use_region else None
        return Decoded([], None, seen)

    def _found(self, texts: list[str], stage: str, region: Region | None) -> Decoded:
        self.last_region = region if self.use_region else None
        return Decoded(list(dict.fromkeys(texts)), stage, region)


def decode_image(image: Image, stages: Sequence[str] = DEFAULT_STAGES) -> list[str]:
    """The texts of every QR code in a BGR, BGRA or grayscale image (empty when none)."""
    return QrDecoder(stages, use_region=True).decode(image).texts


def read_image(path: Path | str) -> Image:
    from hardware.camera import CameraError, load_image

    try:
        return load_image(path)
    except CameraError as exc:
        raise DecodeError(str(exc)) from exc


def decode_file(path: Path | str) -> list[str]:
    """Decode an image file; raise DecodeError when it is missing or not an image."""
    return decode_image(read_image(path))
