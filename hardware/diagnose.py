"""Ask each device of a Pi whether it works now, for `xephang doctor`: the printer answers, the camera
gives a frame, the pins can be claimed, the loudspeaker has a voice and a sound card.

Each check returns None when all is well, or what is wrong and what a technician should do (in
Vietnamese). Every import is lazy: the doctor of a broker never loads OpenCV or gpiozero.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

from xephang.config import Display, Kiosk

CAMERA_TRIES = 10


@dataclass(frozen=True)
class Fault:
    detail: str  # what was seen, as the system says it
    hint: str  # what the technician does about it, in Vietnamese


PRINTER_HINTS = {
    "paper_out": "Lắp cuộn giấy in mới, đóng nắp máy in.",
    "printer_offline": "Đóng nắp máy in, xem đèn báo lỗi, tắt rồi bật lại máy in.",
}
PRINTER_HINT = ("Kiểm tra nguồn và cáp của máy in; với máy in USB, `lsusb` phải thấy máy in và "
                "usb_vendor/usb_product trong site.toml phải khớp.")


def check_printer(kiosk: Kiosk) -> Fault | None:
    from hardware.errors import PrinterUnavailable
    from hardware.printer import FakePrinter, check_ready, make_printer, printing, problem

    try:
        printer = make_printer(kiosk.printer)
        if isinstance(printer, FakePrinter):
            return None
        with printing(printer):
            check_ready(printer)
    except PrinterUnavailable as exc:
        return Fault(str(exc), PRINTER_HINTS.get(problem(exc), PRINTER_HINT))
    return None


def check_camera(kiosk: Kiosk) -> Fault | None:
    from hardware.camera import Camera, CameraError, FakeCamera, open_camera

    source = kiosk.camera
    camera: Camera
    hint = ("Dừng dịch vụ xephang của ki-ốt trước khi kiểm tra (nó giữ camera); cắm lại camera, "
            "xem `ls /dev/video*`; camera trong site.toml phải đúng số hoặc đường dẫn thiết bị.")
    try:
        if isinstance(source, str) and source.startswith("fake:"):
            camera = FakeCamera([source.removeprefix("fake:")])
        else:
            camera = open_camera(source)
    except CameraError as exc:
        return Fault(str(exc), hint)
    try:
        for _ in range(CAMERA_TRIES):
            if camera.read() is not None:
                return None
            time.sleep(0.1)  # a camera that just opened may take a few frames to deliver one
    finally:
        camera.close()
    return Fault(f"camera {source!r} opened but gave no picture", hint)


def check_pins(buttons: Mapping[str, int], leds: Mapping[str, int]) -> Fault | None:
    from hardware.buttons import ButtonLights, ServiceButtons
    from hardware.errors import ButtonsUnavailable

    try:
        ServiceButtons(buttons, lambda _name: None).close()
        if leds:
            ButtonLights(leds).close()
    except ButtonsUnavailable as exc:
        return Fault(str(exc), "Dừng dịch vụ xephang của thiết bị trước khi kiểm tra (nó giữ các "
                     "chân); trên Pi cần gói python3-lgpio và nhóm gpio; số chân BCM trong "
                     "site.toml không được trùng.")
    return None


def display_pins(display: Display) -> tuple[dict[str, int], dict[str, int]]:
    buttons: dict[str, int] = {str(name): pin for name, pin in display.buttons.items()}
    buttons.update((str(name), pin) for name, pin in display.rating_buttons.items())
    return buttons, {str(name): pin for name, pin in display.leds.items()}


def check_speaker(display: Display) -> Fault | None:
    voice = display.voice
    if voice.engine == "espeak" and shutil.which("espeak-ng") is None:
        return Fault("espeak-ng is not installed", "Cài lại bằng bộ cài (gói espeak-ng).")
    aplay = shutil.which("aplay")
    if aplay is None:
        return Fault("aplay is not installed", "Cài lại bằng bộ cài (gói alsa-utils).")
    try:
        cards = subprocess.run([aplay, "-l"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return Fault(f"aplay -l failed: {exc}", "Kiểm tra âm thanh của Pi (`aplay -l`).")
    if "card" not in cards.stdout:
        return Fault("no sound card for playback",
                     "Cắm loa (cổng 3.5 mm hoặc HDMI có loa), bật âm thanh; `aplay -l` phải thấy card.")
    return None
