"""Cameras for the kiosk's QR scanner: a real one on OpenCV ``VideoCapture`` and a fake that plays files.

Both have ``read() -> frame | None`` (a BGR numpy array; ``None`` when no frame is ready or the source
is exhausted), ``close()`` and the ``exhausted`` flag. Nothing is opened at import time; OpenCV is
imported when a real camera is opened.

Raspberry Pi camera module (CSI ribbon): on Raspberry Pi OS Bookworm the module is driven by libcamera,
which ``VideoCapture`` cannot open directly. Either run the kiosk under ``libcamerify`` (package
``libcamera-tools``: ``libcamerify xephang kiosk …``), whose V4L2 compatibility layer makes the module
appear as ``/dev/video0`` to OpenCV, or use a USB/UVC camera, which V4L2 handles natively. A
picamera2-based adapter would fit the same ``read``/``close`` shape if lower latency is ever needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Frame = NDArray[Any]
else:
    Frame = Any

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


class CameraError(OSError):
    """The camera cannot be opened or has gone away."""


class Camera(Protocol):
    exhausted: bool

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class OpenCvCamera:
    """A USB/V4L2 camera by index (``0``) or device path (``/dev/video0``) through OpenCV."""

    def __init__(self, source: int | str = 0, width: int = 1280, height: int = 720) -> None:
        import cv2

        self.exhausted = False
        backend = cv2.CAP_V4L2 if isinstance(source, str) and source.startswith("/dev/") else cv2.CAP_ANY
        self._capture = cv2.VideoCapture(source, backend)
        if not self._capture.isOpened():
            raise CameraError(f"cannot open camera {source!r}")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # A one-frame driver queue keeps what we read close to now; not every driver honours it.
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._source = source

    def read(self) -> Frame | None:
        ok, frame = self._capture.read()
        if not ok:
            log.warning("camera %r returned no frame", self._source)
            return None
        return frame

    def close(self) -> None:
        self._capture.release()


def load_image(path: Path | str) -> Frame:
    """A BGR frame from an image file; CameraError when missing or not an image."""
    import cv2
    import numpy as np

    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # works with non-ASCII paths, unlike imread
    except OSError as exc:
        raise CameraError(f"cannot read {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise CameraError(f"{path} is not an image OpenCV can read")
    return image


def _image_files(sources: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            files.extend(sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            files.append(source)
    return files


class FakeCamera:
    """Plays image files (or every image in a folder, sorted) and frames pushed by tests or the demo.

    ``loop=True`` replays forever, as a card held in front of the camera would look. Unreadable files
    are logged and skipped. ``push(frame)`` queues a frame that is returned before the files.
    """

    def __init__(self, sources: Sequence[Path | str] = (), *, loop: bool = False) -> None:
        self._files = _image_files(sources)
        self._loop = loop
        self._next = 0
        self._pushed: list[Frame] = []
        self._lock = threading.Lock()
        self.exhausted = False
        self.frames_read = 0

    def push(self, frame: Frame) -> None:
        with self._lock:
            self._pushed.append(frame)
            self.exhausted = False

    def read(self) -> Frame | None:
        with self._lock:
            if self._pushed:
                self.frames_read += 1
                return self._pushed.pop(0)
            frame = self._next_file()
            if frame is not None:
                self.frames_read += 1
            return frame

    def _next_file(self) -> Frame | None:
        while self._files and (self._loop or self._next < len(self._files)):
            path = self._files[self._next % len(self._files)]
            self._next += 1
            try:
                return load_image(path)
            except CameraError as exc:
                log.warning("fake camera skips %s", exc)
        self.exhausted = True
        return None

    def close(self) -> None:
        with self._lock:
            self._files, self._pushed = [], []
            self.exhausted = True


def open_camera(source: int | str | Sequence[Path | str] | None) -> Camera:
    """``None`` → an idle FakeCamera; a list of paths or a folder → FakeCamera; else a real camera."""
    if source is None:
        return FakeCamera()
    if isinstance(source, int) or (isinstance(source, str) and source.startswith("/dev/")):
        return OpenCvCamera(source)
    if isinstance(source, str):
        return FakeCamera([source], loop=True)
    return FakeCamera(source)
