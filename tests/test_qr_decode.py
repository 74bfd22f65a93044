"""Decoding real rendered QR images with zxing-cpp and OpenCV, and the ``xephang scan`` output."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "data" / "qr"))

from make_samples import BOOKING_TEST_KEY, PAYLOADS, write_samples

from hardware.card_frames import CCCD_SAMPLE, HARD, frames, render_qr
from kiosk.qr_decode import DecodeError, QrDecoder, decode_file, decode_image
from kiosk.scan_cli import run_scan


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_samples(tmp_path_factory.mktemp("qr"))


@pytest.mark.parametrize("kind", list(PAYLOADS))
@pytest.mark.parametrize("variant", ["clean", "tilted", "camera"])
def test_every_sample_decodes_to_its_exact_text(samples: dict[str, Path], kind: str, variant: str) -> None:
    assert decode_file(samples[f"{kind}_{variant}"]) == [PAYLOADS[kind]]


def test_vietnamese_diacritics_survive_in_gray_bgr_and_bgra() -> None:
    gray = cv2.copyMakeBorder(render_qr(CCCD_SAMPLE, 5), 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    for image in (gray, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)):
        assert decode_image(image) == [CCCD_SAMPLE]
    assert "Nguyễn Văn An" in decode_image(gray)[0]


def test_opencv_aruco_detector_reads_the_same_rendered_images(samples: dict[str, Path]) -> None:
    """The bench compares OpenCV's detectors on these images; they must be wired to real pixels."""
    gray = cv2.imread(str(samples["ticket_clean"]), cv2.IMREAD_GRAYSCALE)
    assert cv2.QRCodeDetectorAruco().detectAndDecode(gray)[0] == PAYLOADS["ticket"]


def test_blank_and_noise_images_find_nothing(samples: dict[str, Path]) -> None:
    assert decode_file(samples["blank"]) == []
    noise = np.random.default_rng(3).integers(0, 256, (720, 1280), dtype=np.uint8)
    assert decode_image(noise) == []


def test_cascade_decodes_hard_frames_plain_zxing_misses() -> None:
    hard = list(frames(24, HARD, seed=11))
    plain = sum(CCCD_SAMPLE in QrDecoder(["plain"], use_region=False).decode(f).texts for f in hard)
    cascade = sum(CCCD_SAMPLE in decode_image(f) for f in hard)
    assert cascade > plain


def test_missing_and_corrupt_files_raise_decode_error(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "empty.png").write_bytes(b"")
    for path in (tmp_path / "absent.png", tmp_path / "bad.png", tmp_path / "empty.png", tmp_path):
        with pytest.raises(DecodeError):
            decode_file(path)


def test_scan_prints_one_json_line_per_image(samples: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XEPHANG_BOOKING_KEY", BOOKING_TEST_KEY)
    paths = [samples["cccd_camera"], tmp_path / "missing.png", samples["booking_tilted"],
             samples["dossier_clean"], samples["ticket_clean"], samples["unknown_clean"], samples["blank"]]
    out = io.StringIO()
    assert run_scan(paths, out) == 1  # the missing image makes the run fail, after all the others
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    kinds = [line["kind"] for line in lines]
    assert kinds == ["cccd", "none", "booking", "dossier", "ticket", "unknown", "none"]
    assert lines[0]["fields"]["name"] == "Nguyễn Văn An" and lines[0]["fields"]["birth_date"] == "1995-03-15"
    assert "error" in lines[1] and lines[1]["image"].endswith("missing.png")
    assert lines[2]["fields"]["valid"] is True
    assert lines[5]["fields"]["text"] == PAYLOADS["unknown"]
    assert "error" not in lines[6]
    assert "Nguyễn" in out.getvalue()  # ensure_ascii=False: Vietnamese as text, not \\u escapes


def test_scan_exit_zero_to_real_stdout(samples: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_scan([samples["cccd_clean"], samples["blank"]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[0])["fields"]["address"] == "Số 12 Phố Huế, Phường Hai Bà Trưng, Hà Nội"
    assert json.loads(lines[1]) == {"image": str(samples["blank"]), "kind": "none", "fields": {}}


def test_scan_reads_cards_seen_in_the_wild_and_never_prints_an_unreadable_ones_contents(
        tmp_path: Path) -> None:
    texts = {
        "bom.png": "\ufeff" + CCCD_SAMPLE.replace("|", " | "),
        "six-fields.png": "001095012345|Nguyễn Văn An|15/03/1995|Nam|Hà Nội|20/04/2021",
        "ten-digit-old-id.png": CCCD_SAMPLE.replace("|012345678|", "|0123456789|"),
        "broken.png": CCCD_SAMPLE.replace("15031995", "31021995"),
    }
    for name, text in texts.items():
        image = cv2.copyMakeBorder(render_qr(text, 5), 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
        assert cv2.imwrite(str(tmp_path / name), image)
    out = io.StringIO()
    assert run_scan([tmp_path / name for name in texts], out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["kind"] for line in lines] == ["cccd", "cccd", "cccd", "cccd_unreadable"]
    assert {line["fields"]["birth_date"] for line in lines[:3]} == {"1995-03-15"}
    assert [line["fields"]["old_id_number"] for line in lines[:3]] == ["012345678", "", "0123456789"]
    assert lines[3]["fields"] == {"reason": "date does not exist"}
    assert "001095012345" not in json.dumps(lines[3]) and "Nguyễn" not in json.dumps(lines[3])
