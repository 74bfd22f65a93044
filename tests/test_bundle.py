"""The offline installer: built for this machine's architecture, installed into a fresh folder
with pip --no-index (every network address points nowhere), ending with `xephang doctor` against a
test center whose Mosquitto lets in only the kiosk's credentials; the installed units verify."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.locked_mosquitto import locked_mosquitto
from tests.support.paths import ROOT, SITE_TOML
from tests.support.systemd_units import verify_units

NOWHERE = "http://127.0.0.1:9"  # nothing listens there: any download attempt fails


def _site(folder: Path, mqtt_url: str, password: str) -> Path:
    """A center's site folder as `xephang credentials` leaves it: site.toml and the kiosk's secret."""
    (folder / "devices/kiosk-1").mkdir(parents=True)
    text = SITE_TOML.read_text(encoding="utf-8").replace('"mqtt://127.0.0.1:1883"', f'"{mqtt_url}"')
    assert mqtt_url in text
    (folder / "site.toml").write_text(text, encoding="utf-8")
    (folder / "devices/kiosk-1/mqtt-password").write_text(password + "\n")
    return folder


@pytest.fixture(scope="module")
def native_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle built for this machine (wheels from the pip cache, no Debian packages)."""
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        ["bash", "scripts/build-bundle.sh", "--arch", "native", "--python", "native", "--debs", "",
         "--out", str(out), "--pack", "no"],
        cwd=ROOT, env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True,
        timeout=800, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    return out / f"xephang-bundle-0.1.0-{platform.machine()}"


def _install(bundle: Path, root: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    offline = {**os.environ, "http_proxy": NOWHERE, "https_proxy": NOWHERE,
               "PIP_INDEX_URL": NOWHERE, "GPIOZERO_PIN_FACTORY": "mock"}
    return subprocess.run(
        [sys.executable, str(bundle / "install.py"), "--root", str(root), "--site", str(site), *args],
        env=offline, capture_output=True, text=True, timeout=800, check=False)


@pytest.mark.timeout(900)
def test_the_bundle_installs_a_kiosk_offline_and_its_doctor_passes(native_bundle: Path,
                                                                   tmp_path: Path) -> None:
    root = tmp_path / "pi"
    with locked_mosquitto(tmp_path / "mqtt", {"kiosk-1": "mat-khau-ki-ot"}) as url:
        site = _site(tmp_path / "site", url, "mat-khau-ki-ot")
        done = _install(native_bundle, root, site, "--role", "kiosk", "--id", "kiosk-1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doctor = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert [line.split(":")[0] for line in doctor] == [
        "[ĐẠT] Cấu hình", "[ĐẠT] Đồng hồ", "[ĐẠT] MQTT", "[ĐẠT] Máy in", "[ĐẠT] Chân GPIO",
        "[ĐẠT] Ổ đĩa"]
    assert (root / "etc/xephang/credentials/mqtt-password").stat().st_mode & 0o077 == 0
    assert "server 127.0.0.1 iburst" in (root / "etc/chrony/conf.d/xephang.conf").read_text()
    _verify_installed_units(root)


def _verify_installed_units(root: Path) -> None:
    """The units as installed, for this kiosk, load with the program the installer put there."""
    system = root / "etc/systemd/system"
    shutil.copy(system / "xephang-kiosk@.service", system / "xephang-kiosk@kiosk-1.service")
    done = verify_units(root, ["xephang-kiosk@kiosk-1.service", "xephang-broker.service"])
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.timeout(900)
def test_the_broker_makes_the_center_s_credentials_and_keeps_them(native_bundle: Path,
                                                                  tmp_path: Path) -> None:
    root = tmp_path / "server"
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(SITE_TOML, site / "site.toml")
    first = _install(native_bundle, root, site, "--role", "broker")
    center = root / "etc/xephang/center"
    devices = sorted(path.name for path in (center / "devices").iterdir())
    assert devices == ["broker", "counter-5", "hall-1", "kiosk-1", "kiosk-2"], first.stderr[-3000:]
    assert (root / "etc/mosquitto/conf.d/xephang.conf").resolve() == center / "mosquitto/xephang.conf"
    password = (root / "etc/xephang/credentials/mqtt-password").read_text()
    assert password == (center / "devices/broker/mqtt-password").read_text()
    kiosk_password = (center / "devices/kiosk-1/mqtt-password").read_text()

    again = _install(native_bundle, root, site, "--role", "broker")  # a reinstall keeps every secret
    assert (center / "devices/kiosk-1/mqtt-password").read_text() == kiosk_password
    assert (root / "etc/xephang/credentials/mqtt-password").read_text() == password
    # Nothing serves this machine's MQTT port for the test: only that line fails, saying so.
    failed = [line for line in again.stdout.splitlines() if line.startswith("[LỖI]")]
    assert [line.split(":")[0] for line in failed] == ["[LỖI] MQTT"], again.stdout[-3000:]
