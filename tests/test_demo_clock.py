"""The demo on a machine without NTP opens on a healthy center: its own site file trusts this
machine's clock, so no device reports "Đồng hồ chưa đồng bộ giờ"; a center's site file does not,
and its devices still report an unsynchronised clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.site_file import EXAMPLE_SITE
from tests.support.paths import SITE_TOML
from xephang.config import load_config
from xephang.demo import demo_site_file
from xephang.mosquitto import Mosquitto
from xephang.runtime import Runtime


def _clock_problem(config_path: Path, mosquitto: Mosquitto) -> str:
    """What a kiosk's clock watch reports with this site file, the machine's clock unsynchronised."""
    runtime = Runtime(load_config(config_path), device_id="kiosk-1",
                      mqtt=mosquitto.access("kiosk-1"), persistent=False)
    return runtime.clock.check()


@pytest.mark.parametrize("shipped", [SITE_TOML, EXAMPLE_SITE])
def test_the_demo_trusts_this_machine_s_clock_a_center_does_not(
        shipped: Path, mosquitto: Mosquitto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XEPHANG_CLOCK", "fake-unsynced")  # a laptop without NTP
    demo = demo_site_file(shipped, tmp_path / "demo.toml", "http://127.0.0.1:18000")
    assert (load_config(shipped).devices.clock_trusted, load_config(demo).devices.clock_trusted) == (
        False, True)
    assert _clock_problem(shipped, mosquitto) == "clock_unsynced"
    assert _clock_problem(demo, mosquitto) == ""
