"""The technician edits one file; every mistake must name the file, the key and the problem."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
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
    day = config.day  # the day of a ward center: lunch closure, afternoon peak, patience
    assert (day.lunch_start, day.lunch_end) == (time(11, 30), time(13, 30))
    assert day.arrivals["14"] > day.arrivals["11"] and day.patience_min == 90


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('prefix = 2', 'prefix = 1', "services.prefix: 1 bị khai báo hai lần"),
        ('services = ["DD"]', 'services = ["XX"]', "quầy 6, services: không có dịch vụ XX"),
        ('target_wait_min = 20', 'target_wait_min = -5', "services.0.target_wait_min: phải từ 1 trở lên"),
        ('elderly_age = 75', 'elderly_age = 75\ncolour = "red"',
         "priority.colour: không có khóa này (viết sai tên, hoặc đặt nhầm mục?)"),
        ('url = "mqtt://127.0.0.1:1883"', 'url = "localhost"', "không phải địa chỉ MQTT dạng mqtts://HOST:PORT"),
        ('opens = "07:30"', 'opens = "18:30"',
         "giờ mở cửa opens (18:30) phải trước giờ đóng cửa closes (17:00)"),
        ('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Mars/Olympus"', "không có múi giờ 'Mars/Olympus'"),
        ('counter = 5', 'counter = 55', "không có quầy 55"),
        ('printer = { kind = "fake" }', 'printer = { kind = "network" }', "máy in kiểu network cần có host"),
        ('lunch_end = "13:30"', 'lunch_end = "11:00"', "lunch_start (11:30) phải trước lunch_end (11:00)"),
        ('lunch_end = "13:30"', '', "lunch_start và lunch_end phải có cả hai"),
        ('last_ticket = "16:30"', 'last_ticket = "18:00"',
         "day.last_ticket (18:00) phải nằm trong giờ làm việc (07:30–17:00)"),
        ('last_ticket = "16:30"', 'last_ticket = "12:00"',
         "day.last_ticket (12:00) rơi vào giờ nghỉ trưa"),
        ('minutes = 10 },\n  { start = "15:00"', 'minutes = 90 },\n  { start = "15:00"',
         "giờ nghỉ 90 phút không vừa trong khoảng 09:30–10:45"),
        ('patience_min = 90', 'patience_min = 0', "day.patience_min: phải lớn hơn 0"),
        ('opens = "07:30"', 'opens = "7 giờ"', 'site.opens: phải là giờ dạng "HH:MM"'),
        ('elderly_age = 75', 'elderly_age = "bảy lăm"', "priority.elderly_age: phải là số nguyên"),
        ('service_spread = { CT = 0.4', 'service_spread = { XX = 0.4',
         "day.service_spread: không có dịch vụ XX"),
        ('arrivals = { "07" = 0.9', 'arrivals = { "7" = 0.9', "day.arrivals.7"),
        ('arrivals_by_service = { TKQ = { "07" = 0.5, "08" = 0.9, "09" = 1.0, "10" = 1.0, "11" = 0.8, '
         '"13" = 1.1, "14" = 1.9, "15" = 1.8, "16" = 0.9 } }',
         'arrivals_by_service = { TKQ = { "20" = 1.0 } }',
         "day.arrivals_by_service.TKQ: không giờ làm việc nào có lượt đến"),
    ],
)
def test_mistakes_name_the_key_and_problem(tmp_path: Path, old: str, new: str,
                                           expected: str) -> None:
    path = with_change(tmp_path, old, new)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
    assert "Value error" not in str(caught.value) and "Input should" not in str(caught.value)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sai cú pháp TOML ở dòng 1"):
        load_config(write(tmp_path, "[site\nid = 1"))
    with pytest.raises(ConfigError, match="không có tệp này"):
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
    assert "quầy 6, services: không có dịch vụ XX" in result.stderr
