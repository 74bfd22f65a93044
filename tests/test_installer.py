"""The bundle's installer, piece by piece in a folder of the test's own: which device it is, time,
the screen. (tests/test_bundle.py runs the whole of it.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from deploy import install
from tests.support.paths import ROOT, SITE_TOML


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The files of a bundle the installer reads (as build-bundle.sh lays them out)."""
    folder = tmp_path / "bundle"
    shutil.copytree(ROOT / "deploy/files", folder / "files")
    shutil.copytree(ROOT / "systemd", folder / "systemd")
    (folder / "site/devices/hall-1").mkdir(parents=True)
    text = SITE_TOML.read_text(encoding="utf-8").replace("mqtt://127.0.0.1:1883", "mqtts://192.168.1.10:8883")
    (folder / "site/site.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(install, "BUNDLE", folder)
    return folder


def _plan(bundle: Path, root: Path, *args: str) -> install.Plan:
    parsed = install._parser().parse_args(["--site", str(bundle / "site"), "--root", str(root), *args])
    return install._plan(parsed)


def test_one_image_serves_every_pi_the_boot_file_says_which(bundle: Path, tmp_path: Path) -> None:
    boot = tmp_path / "xephang.txt"
    boot.write_text('# this Pi\nrole = display\nid = "hall-1"   # the hall screen\n'
                    "desktop_user = pi\n")
    plan = _plan(bundle, tmp_path / "root", "--boot-file", str(boot))
    assert (plan.role, plan.device_id, plan.desktop_user) == ("display", "hall-1", "pi")
    assert plan.unit == "xephang-display@hall-1.service"
    with pytest.raises(install.InstallError, match="say which device"):
        _plan(bundle, tmp_path / "root", "--boot-file", str(tmp_path / "missing.txt"))


def test_the_broker_serves_time_and_the_others_follow_it(bundle: Path, tmp_path: Path) -> None:
    broker = _plan(bundle, tmp_path / "broker", "--role", "broker")
    assert (broker.device_id, broker.unit) == ("broker", "xephang-broker.service")
    install.chrony(broker)
    served = (tmp_path / "broker/etc/chrony/conf.d/xephang.conf").read_text()
    assert "local stratum 8" in served and "\nallow\n" in served
    kiosk = _plan(bundle, tmp_path / "kiosk", "--role", "kiosk", "--id", "kiosk-1")
    install.chrony(kiosk)
    follows = (tmp_path / "kiosk/etc/chrony/conf.d/xephang.conf").read_text()
    assert "server 192.168.1.10 iburst" in follows and "makestep 1 -1" in follows


def test_a_display_starts_its_screen_from_labwc_autostart_once(bundle: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    autostart = root / "home/pi/.config/labwc/autostart"
    autostart.parent.mkdir(parents=True)
    autostart.write_text("/usr/bin/lwrespawn /usr/bin/wf-panel-pi &\n")
    plan = _plan(bundle, root, "--role", "display", "--id", "hall-1", "--desktop-user", "pi")
    install.screen(plan)
    install.screen(plan)  # installing again adds nothing twice
    assert autostart.read_text().splitlines() == ["/usr/bin/lwrespawn /usr/bin/wf-panel-pi &",
                                                  "/opt/xephang/bin/xephang-screen &"]
    launcher = root / "opt/xephang/bin/xephang-screen"
    assert os.access(launcher, os.X_OK) and "--kiosk" in launcher.read_text()


def test_a_device_without_its_credentials_is_not_installed(bundle: Path, tmp_path: Path) -> None:
    plan = _plan(bundle, tmp_path / "root", "--role", "kiosk", "--id", "kiosk-1")
    install.folders(plan)
    with pytest.raises(install.InstallError, match="xephang credentials"):
        install.site_files(plan)
