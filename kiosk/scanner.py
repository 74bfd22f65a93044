"""The kiosk's scanning loop: camera frames in, classified QR codes out, off the kiosk's main thread.

One thread grabs frames as fast as the camera gives them and keeps only the newest; another decodes
the newest frame whenever it is free. A slow decode therefore skips frames instead of falling behind,
and what is decoded is always what is in front of the camera now. The same code seen again within
``repeat_window_s`` (a card held still for several frames) is reported once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.camera import Camera, CameraError
from kiosk.qr_decode import QrDecoder
from kiosk.qr_payload import ScanResult, classify

log = logging.getLogger(__name__)

Frame = Any  # a numpy BGR image; kept loose so this module never needs numpy at import time
Decode = Callable[[Frame], list[str]]


@dataclass
class ScanStats:
    grabbed: int = 0
    decoded: int = 0
    dropped: int = 0  # frames replaced by a newer one before the decoder got to them
    reported: int = 0
    repeats: int = 0


class QrScanner:
    """Runs ``camera`` → decode → ``classify`` → ``on_result`` in two daemon threads."""

    def __init__(self, camera: Camera, on_result: Callable[[ScanResult], None], *,
                 decode: Decode | None = None, repeat_window_s: float = 3.0,
                 clock: Callable[[], float] = time.monotonic, idle_wait_s: float = 0.05) -> None:
        self._camera = camera
        self._on_result = on_result
        self._decode = decode or self._default_decoder()
        self._window = repeat_window_s
        self._clock = clock
        self._idle = idle_wait_s
        self._seen: dict[str, float] = {}
        self._frame: Frame | None = None
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.stats = ScanStats()

    @staticmethod
    def _default_decoder() -> Decode:
        decoder = QrDecoder()
        return lambda frame: decoder.decode(frame).texts

    def start(self) -> None:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._grab_loop, name="qr-grab", daemon=True),
                         threading.Thread(target=self._decode_loop, name="qr-decode", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._camera.close()

    def _grab_loop(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self._camera.read()
            except CameraError:
                log.exception("camera read failed; retrying")
                frame = None
            if frame is None:
                self._stop.wait(self._idle)  # nothing new: the camera is between frames or out of them
                continue
            self._offer(frame)

    def _offer(self, frame: Frame) -> None:
        with self._ready:
            self.stats.grabbed += 1
            if self._frame is not None:
                self.stats.dropped += 1
            self._frame = frame
            self._ready.notify()

    def _take(self) -> Frame | None:
        with self._ready:
            while self._frame is None and not self._stop.is_set():
                self._ready.wait()
            frame, self._frame = self._frame, None
            return frame

    def _decode_loop(self) -> None:
        while not self._stop.is_set():
            frame = self._take()
            if frame is None:
                return
            try:
                texts = self._decode(frame)
            except Exception:  # a decoder bug on one odd frame must not stop the kiosk's scanner
                log.exception("QR decode failed on a frame")
                continue
            self.stats.decoded += 1
            for text in texts:
                self._report(text)

    def _is_repeat(self, text: str) -> bool:
        now = self._clock()
        self._seen = {t: at for t, at in self._seen.items() if now - at < self._window}
        repeat = text in self._seen
        self._seen[text] = now  # a card held still keeps extending its own window
        return repeat

    def _report(self, text: str) -> None:
        if self._is_repeat(text):
            self.stats.repeats += 1
            return
        result = classify(text)
        self.stats.reported += 1
        log.info("QR code scanned: %s", result.kind)
        try:
            self._on_result(result)
        except Exception:  # the callback belongs to the kiosk; its failure is logged, scanning goes on
            log.exception("QR scan callback failed")
