"""Bench: QR detection rate and time per frame of each decoder on the same seeded synthetic frames.

Run: ``.venv/bin/python bench/qr_decoders.py [--hard 200] [--moderate 100] [--seed 1]``.
A frame counts as detected only when the decoded text equals the payload exactly (Vietnamese included).
The ``+region`` line replays bursts of frames of one card held still, as the scanning loop sees them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from hardware.card_frames import CCCD_SAMPLE, DIFFICULTIES, Frame, burst, frames
from kiosk.qr_decode import QrDecoder, to_gray

Reader = Callable[[Frame], list[str]]


def opencv_reader(detector: cv2.QRCodeDetector | cv2.QRCodeDetectorAruco) -> Reader:
    def read(frame: Frame) -> list[str]:
        try:
            text = detector.detectAndDecode(to_gray(frame))[0]
        except cv2.error:
            return []
        return [text] if text else []

    return read


def zxing_reader(stages: Sequence[str]) -> Reader:
    decoder = QrDecoder(stages, use_region=False)
    return lambda frame: decoder.decode(frame).texts


def pyzbar_reader() -> Reader | None:
    try:
        from pyzbar import pyzbar  # type: ignore[import-not-found]
    except ImportError:  # also raised when libzbar0 is missing
        return None
    return lambda frame: [r.data.decode("utf-8", "replace") for r in pyzbar.decode(to_gray(frame))]


def readers() -> dict[str, Reader]:
    out: dict[str, Reader] = {
        "opencv QRCodeDetector": opencv_reader(cv2.QRCodeDetector()),
        "opencv QRCodeDetectorAruco": opencv_reader(cv2.QRCodeDetectorAruco()),
        "zxing-cpp plain": zxing_reader(["plain"]),
    }
    for stage in ("equalise", "sharpen", "binarise", "median_sharpen", "upscale_sharpen"):
        out[f"zxing-cpp {stage} alone"] = zxing_reader([stage])
    for cascade in (["plain", "median_sharpen"], ["median_sharpen", "upscale_sharpen"],
                    ["median_sharpen", "upscale_sharpen", "plain"],
                    ["plain", "median_sharpen", "upscale_sharpen"],
                    ["plain", "median_sharpen", "upscale_sharpen", "binarise"]):
        out["zxing-cpp " + " > ".join(cascade)] = zxing_reader(cascade)
    zbar = pyzbar_reader()
    if zbar:
        out["pyzbar"] = zbar
    return out


def measure(read: Reader, images: list[Frame], payload: str) -> tuple[float, float]:
    hits, start = 0, time.perf_counter()
    for image in images:
        hits += payload in read(image)
    return hits / len(images), (time.perf_counter() - start) * 1000 / len(images)


def measure_region(bursts: list[list[Frame]], payload: str, use_region: bool) -> tuple[float, float]:
    hits = count = 0
    start = time.perf_counter()
    for frames_of_card in bursts:
        decoder = QrDecoder(use_region=use_region)
        for image in frames_of_card:
            hits += payload in decoder.decode(image).texts
            count += 1
    return hits / count, (time.perf_counter() - start) * 1000 / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hard", type=int, default=200)
    parser.add_argument("--moderate", type=int, default=100)
    parser.add_argument("--bursts", type=int, default=60, help="hard bursts of 4 frames for +region")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sets = {"hard": args.hard, "moderate": args.moderate}
    for name, count in sets.items():
        images = list(frames(count, DIFFICULTIES[name], args.seed))
        sys.stdout.write(f"\n{name}: {count} frames 1280x720, seed {args.seed}\n")
        for label, read in readers().items():
            rate, ms = measure(read, images, CCCD_SAMPLE)
            sys.stdout.write(f"  {label:62s} {rate:6.1%} {ms:7.1f} ms/frame\n")
    rng = np.random.default_rng(args.seed + 1000)
    bursts = [burst(rng, CCCD_SAMPLE, DIFFICULTIES["hard"], 4) for _ in range(args.bursts)]
    sys.stdout.write(f"\nhard bursts: {args.bursts} cards x 4 frames, default cascade\n")
    for use_region in (False, True):
        rate, ms = measure_region(bursts, CCCD_SAMPLE, use_region)
        sys.stdout.write(f"  {'+region' if use_region else 'no region':62s} {rate:6.1%} {ms:7.1f} ms/frame\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
