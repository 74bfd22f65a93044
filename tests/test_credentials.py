"""`xephang credentials` makes what a technician installs; a role with wrong or missing credentials
stops and says which file to look at."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness.mqtt_probe import login_result
from harness.role_process import RoleProcess
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.mqtt_access import CredentialsMissing, load_access

DEVICES = ["broker", "kiosk-1", "kiosk-2", "hall-1", "counter-5"]


def credentials(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xephang.cli", "credentials", "--config", str(SITE_TOML),
         "--out", str(out), *extra], capture_output=True, text=True, timeout=60)


def passwords(out: Path) -> dict[str, str]:
    return {d: (out / "devices" / d / "mqtt-password").read_text() for d in DEVICES}


def test_every_device_in_site_toml_gets_its_own_folder(tmp_path: Path) -> None:
    out = tmp_path / "credentials"
    assert credentials(out).returncode == 0
    assert sorted(p.name for p in (out / "devices").iterdir()) == sorted(DEVICES)
    made = passwords(out)
    assert len(set(made.values())) == len(DEVICES), "each device has its own password"
    for device in DEVICES:
        folder = out / "devices" / device
        assert stat.S_IMODE((folder / "mqtt-password").stat().st_mode) == 0o600
        assert (folder / "ca.crt").read_bytes() == (out / "ca" / "ca.crt").read_bytes()
    for secret in (out / "ca" / "ca.key", out / "mosquitto" / "server.key",
                   out / "mosquitto" / "passwords"):
        assert stat.S_IMODE(secret.stat().st_mode) & 0o007 == 0, f"{secret} is world-readable"
    hashed = (out / "mosquitto" / "passwords").read_text()
    assert all(password.strip() not in hashed for password in made.values())
    assert "kiosk-1:$7$101$" in hashed


def test_the_mosquitto_snippet_secures_the_lan_and_keeps_plain_mqtt_on_loopback(
        tmp_path: Path) -> None:
    out = tmp_path / "credentials"
    credentials(out)
    conf = (out / "mosquitto" / "xephang.conf").read_text()
    listeners = [line for line in conf.splitlines() if line.startswith("listener ")]
    assert listeners == ["listener 1883 127.0.0.1", "listener 8883"]
    tls = conf.split("listener 8883")[1]
    assert f"certfile {out.resolve()}/mosquitto/server.crt" in tls
    for line in ("allow_anonymous false", f"password_file {out.resolve()}/mosquitto/passwords",
                 f"acl_file {out.resolve()}/mosquitto/acl", "set_tcp_nodelay true",
                 "persistence true", "max_queued_messages 100000", "max_inflight_messages 100"):
        assert line in conf.splitlines()
    # Per listener: before the first `listener` line Mosquitto would open a default one on 1883.
    assert conf.count("use_username_as_clientid true") == 2
    assert conf.index("use_username_as_clientid") > conf.index("listener ")


def test_running_again_keeps_every_secret_and_rotate_changes_one(tmp_path: Path) -> None:
    out = tmp_path / "credentials"
    credentials(out)
    first = passwords(out)
    keys = [(out / f).read_bytes() for f in ("ca/ca.key", "mosquitto/server.key")]
    again = credentials(out)
    assert again.returncode == 0 and "new password" not in again.stdout
    assert passwords(out) == first
    assert [(out / f).read_bytes() for f in ("ca/ca.key", "mosquitto/server.key")] == keys
    rotated = credentials(out, "--rotate", "kiosk-2")
    assert rotated.returncode == 0 and "kiosk-2" in rotated.stdout
    after = passwords(out)
    assert after["kiosk-2"] != first["kiosk-2"]
    assert {d: p for d, p in after.items() if d != "kiosk-2"} == {
        d: p for d, p in first.items() if d != "kiosk-2"}


def test_rotating_a_device_that_is_not_in_site_toml_is_an_error(tmp_path: Path) -> None:
    result = credentials(tmp_path / "credentials", "--rotate", "kiosk-9")
    assert result.returncode == 2
    assert "kiosk-9" in result.stderr and "kiosk-1" in result.stderr


def test_a_rotated_password_is_refused_until_the_device_gets_the_new_one(
        mosquitto: Mosquitto) -> None:
    old = mosquitto.access("kiosk-2").password
    mosquitto.stop()
    credentials(mosquitto.folder / "credentials", "--rotate", "kiosk-2")
    mosquitto.start()
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-2", old) == "Not authorized"
    new = mosquitto.access("kiosk-2").password
    assert login_result(mosquitto.url, mosquitto.ca_file(), "kiosk-2", new) == "Success"


def test_a_role_without_its_password_file_stops_and_names_it(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "mqtt-password"
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "display", "--config", str(SITE_TOML), "--id",
         "hall-1", "--mqtt", mosquitto.url, "--mqtt-password-file", str(missing)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert str(missing) in result.stderr and "xephang credentials" in result.stderr


def test_a_role_with_a_wrong_password_stops_and_names_the_file(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    folder = tmp_path / "kiosk-1"
    folder.mkdir()
    (folder / "mqtt-password").write_text("not-the-password\n")
    (folder / "ca.crt").write_bytes(mosquitto.ca_file("kiosk-1").read_bytes())
    kiosk = RoleProcess("kiosk", mosquitto.access("kiosk-1"), tmp_path, "--id", "kiosk-1")
    kiosk.command[kiosk.command.index("--mqtt-password-file") + 1] = str(folder / "mqtt-password")
    result = subprocess.run(kiosk.command, env=kiosk.env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "refused the login of kiosk-1" in result.stderr
    assert str(folder / "mqtt-password") in result.stderr


def test_under_systemd_the_password_and_ca_come_from_the_credentials_directory(
        mosquitto: Mosquitto, config: SiteConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = mosquitto.password_file("hall-1").parent
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(folder))
    access = load_access(mosquitto.url, "hall-1", None, config)
    assert access.password == mosquitto.access("hall-1").password
    assert access.ca_file == folder / "ca.crt"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    with pytest.raises(CredentialsMissing, match="--mqtt-password-file"):
        load_access(mosquitto.url, "hall-1", None, config)


def test_plain_mqtt_to_another_machine_is_refused(mosquitto: Mosquitto, config: SiteConfig) -> None:
    with pytest.raises(CredentialsMissing, match=re.escape("mqtts://10.0.0.5:8883")):
        load_access("mqtt://10.0.0.5:1883", "kiosk-1", mosquitto.password_file("kiosk-1"), config)


def test_the_doctor_logs_in_over_tls_with_the_devices_folder(mosquitto: Mosquitto) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "doctor", "--config", str(SITE_TOML), "--id", "hall-1",
         "--mqtt", mosquitto.url, "--mqtt-password-file", str(mosquitto.password_file("hall-1"))],
        capture_output=True, text=True, timeout=60, env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock"})
    mqtt = next(line for line in done.stdout.splitlines() if "MQTT" in line)
    assert mqtt.startswith("[ĐẠT]"), done.stdout
