"""`systemd-analyze verify` on xephang's units, inside a root folder of the test's own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SYSTEM_UNITS = Path("/lib/systemd/system")


def verify_units(root: Path, units: list[str]) -> subprocess.CompletedProcess[str]:
    """Verify `units` (names under ROOT/etc/systemd/system) as systemd on ROOT would load them;
    the distribution's own units (network-online.target, mosquitto.service…) are copied in."""
    shared = root / "usr/lib/systemd/system"
    if not shared.exists():
        shutil.copytree(SYSTEM_UNITS, shared, symlinks=True)
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", *units],
        cwd=root / "etc/systemd/system", capture_output=True, text=True, timeout=60, check=False)
