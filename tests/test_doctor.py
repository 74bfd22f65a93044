"""`xephang doctor`: one line per check with a Vietnamese hint, exit 0 only when every check holds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.locked_mosquitto import locked_mosquitto as locked_mosquitto_at
from tests.support.paths import ROOT, SITE_TOML
from xephang.mosquitto import free_port


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
