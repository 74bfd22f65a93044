"""`xephang doctor --config site.toml --id DEVICE_ID`: check one device where it stands.

One line per check (config, clock, MQTT with the device's credentials, then what the device has:
printer, camera, pins, speaker; disk last), each failure with a hint for the technician in
Vietnamese. Exit 0 when every check holds. The installer runs it at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hardware.clock import clock_synced_source
from hardware.diagnose import Fault, check_camera, check_pins, check_printer, check_speaker, display_pins
from xephang.config import SiteConfig, load_config, mqtt_uses_tls, parse_mqtt_url
from xephang.errors import ConfigError
from xephang.protocol import doctor_login

MQTT_WAIT_S = 5.0
MIN_FREE_BYTES = 200 * 1024 * 1024  # a day of tickets is a few MB; below this the SD card is full
# No clock this software runs on can honestly read earlier than this (the Pi's fallback is 1970).
CLOCK_FLOOR = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_PASSWORD_FILE = Path("/etc/xephang/credentials/mqtt-password")


@dataclass(frozen=True)
class Result:
    label: str  # the check's name in Vietnamese
    fault: Fault | None
    ok_detail: str = ""

    def line(self) -> str:
        if self.fault is None:
            return f"[ĐẠT] {self.label}: {self.ok_detail or 'bình thường'}"
        return f"[LỖI] {self.label}: {self.fault.detail} — {self.fault.hint}"


@dataclass(frozen=True)
class Target:
    config: SiteConfig
    device_id: str
    mqtt_url: str
    password_file: Path | None
    state_dir: Path


def run_doctor(config_path: Path, device_id: str, *, mqtt_url: str | None = None,
               password_file: Path | None = None, state_dir: Path | None = None,
               out: Callable[[str], None] = print) -> int:
    """Print one line per check; 0 when all hold, 1 otherwise."""
    try:
        config = load_config(config_path)
        kind = device_kind(config, device_id)
    except ConfigError as exc:
        out(Result("Cấu hình", Fault(str(exc), f"Sửa {config_path} theo thông báo trên.")).line())
        return 1
    out(Result("Cấu hình", None, f"{config_path}: trung tâm {config.site.id}, {kind} {device_id}").line())
    target = Target(config, device_id, mqtt_url or os.environ.get("XEPHANG_MQTT") or config.mqtt.url,
                    password_file, state_dir or Path(os.environ.get("XEPHANG_STATE_DIR",
                                                                     "/var/lib/xephang")))
    failed = 0
    for result in _checks(target):
        out(result.line())
        failed += result.fault is not None
    return 1 if failed else 0


def device_kind(config: SiteConfig, device_id: str) -> str:
    """`máy chủ` (broker), `ki-ốt` or `màn hình`; ConfigError naming the valid ids otherwise."""
    if device_id == "broker":
        return "máy chủ"
    if config.kiosk(device_id) is not None:
        return "ki-ốt"
    if config.display(device_id) is not None:
        return "màn hình"
    valid = ["broker", *(k.id for k in config.kiosks), *(d.id for d in config.displays)]
    raise ConfigError(f"no device {device_id!r} in the site file; valid ids: {', '.join(valid)}")


def _checks(target: Target) -> Iterator[Result]:
    yield Result("Đồng hồ", check_clock(), datetime.now(UTC).astimezone(
        target.config.site.zone).strftime("%H:%M:%S ngày %d/%m/%Y, đã đồng bộ"))
    yield Result("MQTT", check_mqtt(target), f"{target.mqtt_url} nhận thiết bị {target.device_id}")
    kiosk = target.config.kiosk(target.device_id)
    display = target.config.display(target.device_id)
    if kiosk is not None:
        yield Result("Máy in", check_printer(kiosk), kiosk.printer.kind)
        if kiosk.camera is not None:
            yield Result("Camera", check_camera(kiosk), str(kiosk.camera))
        if kiosk.buttons:
            yield Result("Chân GPIO", check_pins(kiosk.buttons, {}), _pins(kiosk.buttons))
    if display is not None:
        buttons, leds = display_pins(display)
        if buttons or leds:
            yield Result("Chân GPIO", check_pins(buttons, leds), _pins({**buttons, **leds}))
        if display.kind == "hall" and display.voice.engine != "off":
            yield Result("Loa", check_speaker(display), display.voice.engine)
    yield Result("Ổ đĩa", check_disk(target.state_dir), str(target.state_dir))


def _pins(pins: dict[str, int]) -> str:
    return ", ".join(f"{name}=BCM{pin}" for name, pin in pins.items())


def check_clock() -> Fault | None:
    now = datetime.now(UTC)
    if now < CLOCK_FLOOR:
        return Fault(f"the clock reads {now:%Y-%m-%d %H:%M} UTC",
                     "Đồng hồ sai hẳn: kiểm tra mạng tới máy chủ, rồi `sudo chronyc makestep`.")
    if clock_synced_source()() is False:
        return Fault("the kernel says the clock is not synchronised",
                     "Kiểm tra mạng tới máy chủ và `chronyc sources` (máy chủ phải có dấu *); "
                     "trên máy chủ: nối Internet hoặc dùng Pi 5 có pin đồng hồ.")
    return None


def mqtt_password(explicit: Path | None) -> str | None:
    """The device's MQTT password: the given file, the systemd credential, or the installed one."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    candidates = [explicit] if explicit else [
        Path(directory) / "mqtt-password" if directory else None, DEFAULT_PASSWORD_FILE]
    for path in candidates:
        if path is not None and path.is_file():
            return path.read_text(encoding="utf-8").strip()
    return None


def ca_file(target: Target) -> Path:
    """The CA the server is checked against: [mqtt] ca_file, else ca.crt beside the password."""
    if target.config.mqtt.ca_file:
        return Path(target.config.mqtt.ca_file)
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    beside = target.password_file or (Path(directory) / "mqtt-password" if directory
                                      else DEFAULT_PASSWORD_FILE)
    return beside.parent / "ca.crt"


def check_mqtt(target: Target) -> Fault | None:
    host, port = parse_mqtt_url(target.mqtt_url)
    if mqtt_uses_tls(target.mqtt_url) and not ca_file(target).is_file():
        return Fault(f"no CA certificate at {ca_file(target)}",
                     f"Chép tệp ca.crt từ thư mục devices/{target.device_id} (do `xephang "
                     "credentials` tạo trên máy chủ) vào cùng thư mục với tệp mật khẩu.")
    try:
        heard, refused = _log_in(target, host, port)
    except OSError as exc:
        return Fault(f"{host}:{port}: {exc}", "Kiểm tra mạng (cáp, Wi-Fi) và máy chủ đã bật; "
                     "`ping` tới máy chủ, địa chỉ [mqtt] url trong site.toml phải đúng.")
    if not heard:
        return Fault(f"{host}:{port} did not answer within {MQTT_WAIT_S:.0f} s",
                     "Máy chủ MQTT không trả lời: trên máy chủ xem `systemctl status mosquitto`.")
    if refused:
        return Fault(f"{host}:{port} refused: {refused}",
                     "Mật khẩu MQTT của thiết bị không khớp máy chủ: chạy lại `xephang credentials` "
                     f"trên máy chủ, chép lại thư mục devices/{target.device_id}, chạy lại bộ cài.")
    return None


def _log_in(target: Target, host: str, port: int) -> tuple[bool, str]:
    """Log in with the device's password and leave at once: (answered, refusal reason or "").

    The login is the doctor's own for this device (`doctor_login`), never the device's: Mosquitto
    would end the running device's connection to let a second client with its id in. A clean
    session of its own touches none of the messages Mosquitto keeps for the device."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    login = doctor_login(target.device_id)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=login, clean_session=True,
                         protocol=paho.MQTTv311)
    password = mqtt_password(target.password_file)
    if password is not None:
        client.username_pw_set(login, password)
    if mqtt_uses_tls(target.mqtt_url):
        client.tls_set(ca_certs=str(ca_file(target)))
    answered, outcome = threading.Event(), {"reason": ""}

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        client.disconnect()
        outcome["reason"] = str(reason) if reason.is_failure else ""
        answered.set()

    client.on_connect = on_connect
    client.connect(host, port, keepalive=10)
    client.loop_start()
    try:
        heard = answered.wait(MQTT_WAIT_S)
    finally:
        client.disconnect()
        client.loop_stop()
    return heard, outcome["reason"]


def check_disk(folder: Path) -> Fault | None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return Fault(f"{folder}: {exc.strerror or exc}",
                     "Phân vùng dữ liệu chưa gắn hoặc chỉ đọc: xem `findmnt /var/lib/xephang`.")
    if free < MIN_FREE_BYTES:
        return Fault(f"{folder}: only {free // (1024 * 1024)} MB free",
                     "Thẻ nhớ sắp đầy: xóa bớt tệp cũ hoặc dùng thẻ lớn hơn.")
    return None
