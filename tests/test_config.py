"""The technician edits one file; every mistake must name the file, the key and the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import SITE_TOML
from xephang.config import load_config, parse_mqtt_url
from xephang.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_change(tmp_path: Path, old: str, new: str) -> Path:
    text = SITE_TOML.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1))


def test_shipped_config_describes_a_ward_center() -> None:
    config = load_config(SITE_TOML)
    assert len(config.counters) == 12
    names = [s.name for s in config.services]
    assert "Tư pháp – Hộ tịch" in names and "Trả kết quả" in names
    served = {code for counter in config.counters for code in counter.services}
    assert served == {s.code for s in config.services}, "every service has a counter"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('prefix = 2', 'prefix = 1', "services prefix: 1 appears twice"),
        ('services = ["DD"]', 'services = ["XX"]', "counter 6: unknown service XX"),
        ('target_wait_min = 20', 'target_wait_min = -5', "services.0.target_wait_min"),
        ('elderly_age = 75', 'elderly_age = 75\ncolour = "red"', "priority.colour"),
        ('url = "mqtt://127.0.0.1:1883"', 'url = "localhost"', "not an MQTT address"),
        ('opens = "07:30"', 'opens = "18:30"', "must be before closes"),
        ('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Mars/Olympus"', "unknown time zone"),
        ('counter = 5', 'counter = 55', "no counter 55"),
        ('printer = { kind = "fake" }', 'printer = { kind = "network" }', "needs host"),
    ],
)
def test_mistakes_name_the_key_and_problem(tmp_path: Path, old: str, new: str,
                                           expected: str) -> None:
    path = with_change(tmp_path, old, new)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[site\nid = 1"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_mqtt_url_parsing() -> None:
    assert parse_mqtt_url("mqtt://10.0.0.5:1883") == ("10.0.0.5", 1883)
    with pytest.raises(ValueError):
        parse_mqtt_url("mqtt://host:99999")


def test_cli_reports_config_error_and_exits(tmp_path: Path) -> None:
    path = with_change(tmp_path, 'services = ["DD"]', 'services = ["XX"]')
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "broker", "--config", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "unknown service XX" in result.stderr
