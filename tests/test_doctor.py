"""`xephang doctor`: one line per check with a Vietnamese hint, exit 0 only when every check holds."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.locked_mosquitto import locked_mosquitto as locked_mosquitto_at
from tests.support.paths import ROOT, SITE_TOML
from xephang.mosquitto import Mosquitto, free_port


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xephang.cli", "doctor", "--config", str(SITE_TOML), *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock", **(env or {})})


@pytest.fixture
def locked_mosquitto(tmp_path: Path) -> Iterator[str]:
    with locked_mosquitto_at(tmp_path / "locked", {"kiosk-1": "dung-mat-khau"}) as url:
        yield url


def test_a_healthy_kiosk_passes_every_check(locked_mosquitto: str, tmp_path: Path) -> None:
    password = tmp_path / "mqtt-password"
    password.write_text("dung-mat-khau\n")
    (tmp_path / "state").mkdir()
    done = doctor("--id", "kiosk-1", "--mqtt", locked_mosquitto, "--mqtt-password-file",
                  str(password), "--state-dir", str(tmp_path / "state"))
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    labels = [line.split(":")[0] for line in lines]
    assert labels == ["[ĐẠT] Cấu hình", "[ĐẠT] Đồng hồ", "[ĐẠT] MQTT", "[ĐẠT] Máy in",
                      "[ĐẠT] Chân GPIO", "[ĐẠT] Ổ đĩa"]


def test_each_failure_is_one_line_with_a_hint_and_the_exit_code_says_so(
        locked_mosquitto: str, tmp_path: Path) -> None:
    password = tmp_path / "mqtt-password"
    password.write_text("sai-mat-khau\n")
    done = doctor("--id", "kiosk-1", "--mqtt", locked_mosquitto, "--mqtt-password-file",
                  str(password), "--state-dir", str(tmp_path / "no-such-folder"),
                  env={"XEPHANG_CLOCK": "fake-unsynced"})
    assert done.returncode == 1
    failed = {line.split(":")[0]: line for line in done.stdout.splitlines() if line.startswith("[LỖI]")}
    assert set(failed) == {"[LỖI] Đồng hồ", "[LỖI] MQTT", "[LỖI] Ổ đĩa"}
    assert "chronyc sources" in failed["[LỖI] Đồng hồ"]
    assert "Mật khẩu MQTT của thiết bị không khớp" in failed["[LỖI] MQTT"]
    assert "Phân vùng dữ liệu chưa gắn" in failed["[LỖI] Ổ đĩa"]


def test_an_unreachable_broker_and_an_unknown_device_are_named(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    done = doctor("--id", "hall-1", "--mqtt", f"mqtt://127.0.0.1:{free_port()}",
                  "--state-dir", str(tmp_path / "state"))
    mqtt = next(line for line in done.stdout.splitlines() if line.startswith("[LỖI] MQTT"))
    assert "Kiểm tra mạng" in mqtt and done.returncode == 1
    unknown = doctor("--id", "kiosk-9")
    assert unknown.returncode == 1
    assert "valid ids: broker, kiosk-1, kiosk-2, hall-1, counter-5" in unknown.stdout


def test_the_doctor_leaves_a_device_s_kept_messages_for_it(tmp_path: Path) -> None:
    users = {"hall-1": "mat-khau-loa", "broker": "mat-khau-may-chu"}
    with locked_mosquitto_at(tmp_path / "locked", users) as url:
        host, port = url.removeprefix("mqtt://").rsplit(":", 1)
        hall = paho.Client(CallbackAPIVersion.VERSION2, client_id="hall-1", clean_session=False,
                           protocol=paho.MQTTv311)
        hall.username_pw_set("hall-1", users["hall-1"])
        received: queue.Queue[bytes] = queue.Queue()
        hall.on_message = lambda _c, _u, message: received.put(message.payload)
        subscribed = threading.Event()
        hall.on_subscribe = lambda *_: subscribed.set()
        hall.connect(host, int(port))
        hall.loop_start()
        hall.subscribe("xephang/test/announce", qos=1)
        assert subscribed.wait(5)
        hall.disconnect()
        hall.loop_stop()  # the display is down; a call is made meanwhile
        broker = paho.Client(CallbackAPIVersion.VERSION2, client_id="broker")
        broker.username_pw_set("broker", users["broker"])
        broker.connect(host, int(port))
        broker.loop_start()
        broker.publish("xephang/test/announce", b"1023 -> 5", qos=1).wait_for_publish(5)
        broker.disconnect()
        broker.loop_stop()

        password = tmp_path / "mqtt-password"
        password.write_text(users["hall-1"])
        done = doctor("--id", "hall-1", "--mqtt", url, "--mqtt-password-file", str(password))
        assert "[ĐẠT] MQTT" in done.stdout

        hall.reconnect()
        hall.loop_start()
        try:
            assert received.get(timeout=5) == b"1023 -> 5"  # the call waited for the display
        finally:
            hall.disconnect()
            hall.loop_stop()


def test_the_running_device_stays_connected_while_the_doctor_checks_it(mosquitto: Mosquitto) -> None:
    access = mosquitto.access("hall-1")
    host, port = access.url.removeprefix("mqtts://").rsplit(":", 1)
    hall = paho.Client(CallbackAPIVersion.VERSION2, client_id="hall-1", protocol=paho.MQTTv311)
    hall.username_pw_set(access.username, access.password)
    hall.tls_set(ca_certs=str(access.ca_file))
    connected, dropped = threading.Event(), threading.Event()
    hall.on_connect = lambda *_: connected.set()
    hall.on_disconnect = lambda *_: dropped.set()
    hall.connect(host, int(port))
    hall.loop_start()
    try:
        assert connected.wait(10)
        done = doctor("--id", "hall-1", "--mqtt", access.url,
                      "--mqtt-password-file", str(mosquitto.password_file("hall-1")))
        assert "[ĐẠT] MQTT" in done.stdout, done.stdout + done.stderr
        # Mosquitto ends a session when a second client logs in with its id: it did not here.
        assert not dropped.wait(1.0)
    finally:
        hall.disconnect()
        hall.loop_stop()
