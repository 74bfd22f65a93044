"""The scanning loop on a FakeCamera: results arrive by callback; repeats and stale frames are dropped."""

from __future__ import annotations

import queue
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from hardware.camera import FakeCamera
from hardware.card_frames import CCCD_SAMPLE, render_qr
from kiosk.qr_payload import ScanResult
from kiosk.scanner import QrScanner
from tests.support.fake_clock import FakeClock

TICKET = "XH1.T.t-1023"


def qr_frame(text: str) -> np.ndarray:
    gray = cv2.copyMakeBorder(render_qr(text, 5), 50, 50, 50, 50, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


@pytest.fixture
def results() -> queue.Queue[ScanResult]:
    return queue.Queue()


def test_scanner_reports_a_card_from_image_files(tmp_path: Path, results: queue.Queue[ScanResult]) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), qr_frame(CCCD_SAMPLE))
    scanner = QrScanner(FakeCamera([tmp_path]), results.put)
    scanner.start()
    try:
        result = results.get(timeout=10)
    finally:
        scanner.stop()
    assert result.kind == "cccd" and result.fields["name"] == "Nguyễn Văn An"


def test_same_code_within_the_window_is_reported_once(results: queue.Queue[ScanResult]) -> None:
    clock, camera = FakeClock(), FakeCamera()
    decoded = threading.Semaphore(0)

    def decode(frame: Any) -> list[str]:
        decoded.release()
        return [str(frame)]

    scanner = QrScanner(camera, results.put, decode=decode, repeat_window_s=3.0, clock=clock.monotonic)
    scanner.start()
    try:
        for step, (at, text) in enumerate([(0.0, TICKET), (1.0, TICKET), (2.5, TICKET), (6.0, TICKET),
                                           (6.1, "XH1.T.other")]):
            clock.now = clock.start + timedelta(seconds=at)
            camera.push(text)
            assert decoded.acquire(timeout=5), f"frame {step} not decoded"
        got = [results.get(timeout=5) for _ in range(3)]
    finally:
        scanner.stop()
    # Held still from 0 s to 2.5 s: one report; 6 s is 3.5 s after the last sighting: a new scan.
    assert [r.fields["ticket_id"] for r in got] == ["t-1023", "t-1023", "other"]
    assert results.empty() and scanner.stats.repeats == 2


class CountingCamera(FakeCamera):
    """Sets ``drained`` once the grabber has read ``expect`` frames."""

    def __init__(self, expect: int) -> None:
        super().__init__()
        self.expect, self.drained = expect, threading.Event()

    def read(self) -> Any:
        frame = super().read()
        if self.frames_read >= self.expect:
            self.drained.set()
        return frame


def test_slow_decoder_gets_the_newest_frame_not_a_backlog(results: queue.Queue[ScanResult]) -> None:
    camera = CountingCamera(expect=7)
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []
    done = threading.Event()

    def decode(frame: Any) -> list[str]:
        seen.append(frame)
        started.set()
        if frame == "first":
            assert release.wait(5)
        if frame == "newest":
            done.set()
        return []

    scanner = QrScanner(camera, results.put, decode=decode)
    scanner.start()
    try:
        camera.push("first")
        assert started.wait(5)
        for i in range(5):
            camera.push(f"stale-{i}")
        camera.push("newest")
        assert camera.drained.wait(5)  # the grabber took every frame while the decoder was busy
        release.set()
        assert done.wait(5)
    finally:
        scanner.stop()
    assert seen == ["first", "newest"]
    assert scanner.stats.dropped == 5


def test_callback_and_decoder_failures_do_not_stop_scanning(results: queue.Queue[ScanResult]) -> None:
    camera = FakeCamera()
    calls: queue.Queue[str] = queue.Queue()

    def decode(frame: Any) -> list[str]:
        if frame == "boom":
            raise RuntimeError("decoder bug")
        return [frame]

    def on_result(result: ScanResult) -> None:
        calls.put(result.fields.get("ticket_id", ""))
        if result.fields.get("ticket_id") == "a":
            raise RuntimeError("kiosk bug")

    scanner = QrScanner(camera, on_result, decode=decode)
    scanner.start()
    try:
        camera.push("XH1.T.a")
        assert calls.get(timeout=5) == "a"
        camera.push("boom")
        camera.push("XH1.T.b")
        assert calls.get(timeout=5) == "b"
    finally:
        scanner.stop()
