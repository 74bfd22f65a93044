"""Every unit in systemd/ passes `systemd-analyze verify`, for each role's device id."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.systemd_units import verify_units

INSTANCES = {"xephang-broker.service": "xephang-broker.service",
             "xephang-kiosk@.service": "xephang-kiosk@kiosk-1.service",
             "xephang-display@.service": "xephang-display@hall-1.service"}


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    units = sorted(path.name for path in (ROOT / "systemd").glob("*.service"))
    assert units == sorted(INSTANCES)
    system = tmp_path / "etc/systemd/system"
    system.mkdir(parents=True)
    for unit in units:
        shutil.copy(ROOT / "systemd" / unit, system / INSTANCES[unit])
    # The program the units start, where the installer puts it.
    program = tmp_path / "opt/xephang/venv/bin/xephang"
    program.parent.mkdir(parents=True)
    shutil.copy(Path(sys.executable).parent / "xephang", program)
    done = verify_units(tmp_path, list(INSTANCES.values()))
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
