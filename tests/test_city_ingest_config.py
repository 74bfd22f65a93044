"""city.toml is checked like site.toml; the city's MQTT users and the center's bridge to it are
written as the city and each center need them."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from city.config import load_city_config
from city.credentials import make_city_credentials, rabbitmq_hash
from tests.support.paths import ROOT, SITE_TOML
from xephang.cli import main
from xephang.config import UplinkSection, load_config
from xephang.credentials import make_credentials
from xephang.credentials.bridge import BridgeMaterialMissing
from xephang.errors import ConfigError

CITY_TOML = ROOT / "config" / "city.toml"


def city_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """[database]\ndsn = "host=/run/postgresql dbname=city"\n[mqtt]\nurls = ["mqtts://mq1:8883"]
password_file = "secret/pw"\nca_file = "secret/ca.crt"\n[[centers]]\nid = "ba-dinh"\nname = "Ba Đình"\n"""


def test_the_example_city_file_is_valid() -> None:
    config = load_city_config(CITY_TOML)
    assert config.sites == {"ba-dinh", "hoan-kiem", "cau-giay"}
    assert (config.board.host, config.board.port) == ("127.0.0.1", 8100)


def test_relative_paths_are_taken_from_the_files_folder(tmp_path: Path) -> None:
    config = load_city_config(city_file(tmp_path, GOOD))
    assert config.mqtt.password_file == tmp_path / "secret" / "pw"
    assert config.mqtt.login == "xephang-city"


@pytest.mark.parametrize(("change", "expected"), [
    (('"mqtts://mq1:8883"', '"mq1:8883"'), "mqtt.urls: 'mq1:8883' không phải địa chỉ MQTT"),
    (('ca_file = "secret/ca.crt"\n', ""), "mqtt: địa chỉ mqtts:// cần ca_file"),
    (("dbname=city", "dbname=city password=hunter2"), "database.dsn: không ghi mật khẩu trong city.toml"),
    (('name = "Ba Đình"\n', 'name = "Ba Đình"\n[[centers]]\nid = "ba-dinh"\nname = "X"\n'),
     "centers: mã trung tâm 'ba-dinh' bị khai báo hai lần"),
    (('id = "ba-dinh"', 'id = "Ba Dinh"'), "centers.0.id: không đúng dạng cho phép"),
])
def test_a_mistake_names_the_file_and_the_key(tmp_path: Path, change: tuple[str, str],
                                               expected: str) -> None:
    path = city_file(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_city_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert expected in str(error.value)


BOARD = """[board]\nlisten = "0.0.0.0:8200"\nopens = "06:45"\ncloses = "19:00"
workdays = [0, 1, 2, 3, 4, 5, 6]\nstale_after_min = 40\n"""


def test_the_boards_hours_and_silence_come_from_city_toml(tmp_path: Path) -> None:
    board = load_city_config(city_file(tmp_path, GOOD + BOARD)).board
    assert (board.host, board.port, board.stale_after_min) == ("0.0.0.0", 8200, 40)
    sunday_evening = datetime(2026, 11, 29, 18, 30, tzinfo=board.zone)
    assert board.open_at(sunday_evening)
    assert not board.open_at(sunday_evening.replace(hour=6))
    assert load_city_config(city_file(tmp_path, GOOD)).board.stale_after_min == 15


@pytest.mark.parametrize(("change", "expected"), [
    (("stale_after_min = 40", "stale_after_min = 0"),
     "board.stale_after_min: phải từ 1 trở lên"),
    (('opens = "06:45"', 'opens = "19:30"'),
     "board: giờ mở cửa opens (19:30) phải trước giờ đóng cửa closes (19:00)"),
    (('closes = "19:00"', 'closes = "7 giờ tối"'), 'board.closes: phải là giờ dạng "HH:MM"'),
    (("[0, 1, 2, 3, 4, 5, 6]", "[1, 7]"), "board.workdays: workdays là số thứ trong tuần"),
    (('"0.0.0.0:8200"', '"8200"'), "board.listen: '8200' không phải dạng HOST:PORT"),
    (("stale_after_min", "stale_minutes"), "board.stale_minutes: không có khóa này"),
])
def test_a_bad_board_value_names_the_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = city_file(tmp_path, GOOD + BOARD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_city_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert expected in str(error.value)


def test_the_board_command_names_a_bad_listen_address(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = city_file(tmp_path, GOOD + BOARD)
    assert main(["city-board", "--config", str(path), "--listen", "127.0.0.1:99999"]) == 2
    assert "--listen: listen: '127.0.0.1:99999' không phải dạng HOST:PORT" in capsys.readouterr().err


def test_the_city_command_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "--config", str(tmp_path / "nope.toml")]) == 2
    assert f"{tmp_path / 'nope.toml'}: không có tệp này" in capsys.readouterr().err


def test_the_city_command_names_a_missing_password_file(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "--config", str(city_file(tmp_path, GOOD))]) == 2
    assert f"cannot read the city MQTT password from {tmp_path / 'secret' / 'pw'}" in capsys.readouterr().err


def test_the_city_command_names_a_missing_ca_and_an_unreachable_database(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "pw").write_text("mật-khẩu\n", encoding="utf-8")
    assert main(["city", "--config", str(city_file(tmp_path, GOOD))]) == 2
    assert f"no CA certificate at {tmp_path / 'secret' / 'ca.crt'}" in capsys.readouterr().err
    make_city_credentials(load_city_config(CITY_TOML), tmp_path / "made")
    shutil.copy(tmp_path / "made" / "aggregator" / "ca.crt", tmp_path / "secret" / "ca.crt")
    config = GOOD.replace("host=/run/postgresql", f"host={tmp_path}")
    assert main(["city", "--config", str(city_file(tmp_path, config))]) == 2
    assert "cannot use the city database ([database] dsn = " in capsys.readouterr().err


def test_each_center_may_send_only_its_own_events(tmp_path: Path) -> None:
    made = make_city_credentials(load_city_config(CITY_TOML), tmp_path / "city")
    acl = (tmp_path / "city" / "mosquitto" / "acl").read_text()
    assert ("user bridge-ba-dinh\ntopic write xephang/v1/ba-dinh/uplink/event\n"
            "topic read xephang/v1/ba-dinh/uplink/ack\n") in acl
    assert ("user xephang-city\ntopic write xephang/v1/+/uplink/ack\n"
            "topic read xephang/v1/+/uplink/event") in acl
    definitions = json.loads((tmp_path / "city" / "rabbitmq" / "definitions.json").read_text())
    rights = {p["user"]: p for p in definitions["topic_permissions"]}
    assert rights["bridge-ba-dinh"]["write"] == r"^(xephang\.v1\.ba-dinh\.uplink\.event)$"
    assert rights["xephang-city"]["read"] == r"^(xephang\.v1\.[^.]+\.uplink\.event)$"
    password = made.password("bridge-ba-dinh")
    assert (tmp_path / "city" / "centers" / "ba-dinh" / "bridge-password").read_text().strip() == password
    assert (tmp_path / "city" / "centers" / "ba-dinh" / "bridge-password").stat().st_mode & 0o777 == 0o600
    again = make_city_credentials(load_city_config(CITY_TOML), tmp_path / "city")
    assert again.users == made.users


def test_rabbitmq_password_hash_is_salted_sha256() -> None:
    stored = base64.b64decode(rabbitmq_hash("mật khẩu", salt=b"\x01\x02\x03\x04"))
    assert stored == b"\x01\x02\x03\x04" + hashlib.sha256(b"\x01\x02\x03\x04" + "mật khẩu".encode()).digest()


def test_the_centers_mosquitto_bridges_the_uplink_to_the_city(tmp_path: Path) -> None:
    city = make_city_credentials(load_city_config(CITY_TOML), tmp_path / "city")
    base = load_config(SITE_TOML)
    site = base.site.id
    shutil.copytree(city.out / "centers" / "ba-dinh", tmp_path / "center" / "city")
    uplink = UplinkSection(enabled=True, city_urls=["mqtts://mq1.hanoi.example:8883",
                                                    "mqtts://mq2.hanoi.example:8883"])
    report = make_credentials(base.model_copy(update={"uplink": uplink}), tmp_path / "center")
    conf = report.conf.read_text()
    bridge = conf[conf.index("connection xephang-city"):]
    for line in ("address mq1.hanoi.example:8883 mq2.hanoi.example:8883",
                 f"remote_clientid bridge-{site}", f"remote_username bridge-{site}",
                 f"remote_password {city.password('bridge-ba-dinh')}", "cleansession false",
                 "local_cleansession false", "try_private false", "bridge_insecure false",
                 f"bridge_cafile {tmp_path / 'center' / 'city' / 'ca.crt'}",
                 f"topic xephang/v1/{site}/uplink/event out 1", f"topic xephang/v1/{site}/uplink/ack in 1"):
        assert line + "\n" in bridge
    assert report.conf.stat().st_mode & 0o007 == 0  # it holds the bridge's password


def test_without_the_citys_folder_the_bridge_is_not_written(tmp_path: Path) -> None:
    uplink = UplinkSection(enabled=True, city_urls=["mqtts://mq1.hanoi.example:8883"])
    config = load_config(SITE_TOML).model_copy(update={"uplink": uplink})
    with pytest.raises(BridgeMaterialMissing, match=r"copy the city's centers/phuong-ba-dinh/ folder"):
        make_credentials(config, tmp_path / "center")
    plain = make_credentials(load_config(SITE_TOML), tmp_path / "plain")
    assert "connection" not in plain.conf.read_text()


def test_the_city_is_reached_over_tls_only() -> None:
    with pytest.raises(ValidationError, match="chỉ kết nối lên thành phố qua TLS"):
        UplinkSection(city_urls=["mqtt://mq1.hanoi.example:1883"])
