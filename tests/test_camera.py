"""Camera adapters: FakeCamera plays files and folders; the OpenCV camera fails clearly when absent."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import CameraError, FakeCamera, OpenCvCamera, load_image, open_camera


def write(path: Path, value: int) -> Path:
    cv2.imwrite(str(path), np.full((48, 64, 3), value, np.uint8))
    return path


def test_fake_camera_plays_a_folder_in_order_then_is_exhausted(tmp_path: Path) -> None:
    write(tmp_path / "b.png", 20)
    write(tmp_path / "a.png", 10)
    (tmp_path / "notes.txt").write_text("not an image")
    camera = FakeCamera([tmp_path])
    assert [int(camera.read()[0, 0, 0]) for _ in range(2)] == [10, 20]  # type: ignore[index]
    assert camera.read() is None and camera.exhausted


def test_fake_camera_loops_skips_unreadable_files_and_takes_pushed_frames(tmp_path: Path) -> None:
    good = write(tmp_path / "good.png", 30)
    (tmp_path / "broken.png").write_bytes(b"nope")
    camera = FakeCamera([tmp_path / "broken.png", good], loop=True)
    assert [int(camera.read()[0, 0, 0]) for _ in range(3)] == [30, 30, 30]  # type: ignore[index]
    camera.push(np.zeros((2, 2, 3), np.uint8))
    assert camera.read().shape == (2, 2, 3)  # type: ignore[union-attr]
    camera.close()
    assert camera.read() is None


def test_load_image_handles_vietnamese_paths_and_reports_bad_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "thẻ căn cước.png", 40)
    assert load_image(path).shape == (48, 64, 3)
    with pytest.raises(CameraError, match="cannot read"):
        load_image(tmp_path / "absent.png")


def test_missing_real_camera_raises_camera_error() -> None:
    with pytest.raises(CameraError, match="cannot open camera"):
        OpenCvCamera("/dev/video-does-not-exist")


def test_open_camera_picks_fake_for_files_and_none(tmp_path: Path) -> None:
    assert isinstance(open_camera(None), FakeCamera)
    assert isinstance(open_camera([write(tmp_path / "x.png", 1)]), FakeCamera)
    assert isinstance(open_camera(str(tmp_path)), FakeCamera)
