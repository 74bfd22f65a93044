"""city.toml: where the city's database and MQTT cluster are, which centers it serves, where the
board listens. Strict like site.toml: an error names the file, the key and the problem.

    [database]
    dsn = "host=/var/run/postgresql dbname=xephang_city"   # libpq keywords or postgresql:// URL

    [mqtt]
    urls = ["mqtts://mq1.city.example:8883", "mqtts://mq2.city.example:8883"]  # any node, in turn
    client_id = "xephang-city"          # also the username unless `username` is given
    password_file = "/etc/xephang/city/mqtt-password"
    ca_file = "/etc/xephang/city/ca.crt"   # required for mqtts://

    [board]                             # every key optional: city/board/settings.py
    listen = "127.0.0.1:8100"
    opens = "07:30"                     # when centers are open…
    closes = "17:30"
    workdays = [0, 1, 2, 3, 4, 5]       # …on these days (Monday 0 … Sunday 6)
    stale_after_min = 15                # "Mất kết nối" after so long without an event while open

    [[centers]]
    id = "ba-dinh"
    name = "Trung tâm Phục vụ hành chính công phường Ba Đình"
    district = "Ba Đình"
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from city.board.settings import BoardSection
from xephang.config import Identifier, mqtt_uses_tls, parse_mqtt_url
from xephang.config_file import describe_validation_error, read_toml
from xephang.errors import ConfigError

ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSection(Section):
    # libpq's "key=value …" or a postgresql:// URL; a password belongs in ~/.pgpass or PGPASSFILE,
    # never here.
    dsn: str = Field(min_length=1, max_length=1000)

    @field_validator("dsn")
    @classmethod
    def _libpq_dsn(cls, value: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        try:
            parts = conninfo_to_dict(value)
        except Exception as exc:  # psycopg raises ProgrammingError for a malformed string
            raise ValueError(f"không phải chuỗi kết nối PostgreSQL: {exc}") from exc
        if "password" in parts:
            raise ValueError("không ghi mật khẩu trong city.toml: hãy đặt nó vào ~/.pgpass (hoặc PGPASSFILE)")
        return value


class MqttSection(Section):
    urls: list[str] = Field(min_length=1, max_length=9)
    client_id: ClientId = "xephang-city"
    username: str | None = Field(default=None, min_length=1, max_length=64)
    password_file: Path
    ca_file: Path | None = None
    batch: int = Field(default=5000, ge=1, le=100_000)  # events stored per transaction at most

    @field_validator("urls")
    @classmethod
    def _addresses(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parse_mqtt_url(url)
        return urls

    @model_validator(mode="after")
    def _tls_has_ca(self) -> MqttSection:
        if any(mqtt_uses_tls(url) for url in self.urls) and self.ca_file is None:
            raise ValueError("địa chỉ mqtts:// cần ca_file (chứng chỉ CA của máy chủ MQTT thành phố)")
        return self

    @property
    def login(self) -> str:
        return self.username or self.client_id


class CenterEntry(Section):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=300)


class CityConfig(Section):
    database: DatabaseSection
    mqtt: MqttSection
    board: BoardSection = BoardSection()
    centers: list[CenterEntry] = Field(min_length=1)

    @field_validator("centers")
    @classmethod
    def _unique_ids(cls, centers: list[CenterEntry]) -> list[CenterEntry]:
        seen: set[str] = set()
        for center in centers:
            if center.id in seen:
                raise ValueError(f"mã trung tâm {center.id!r} bị khai báo hai lần")
            seen.add(center.id)
        return centers

    @property
    def sites(self) -> frozenset[str]:
        return frozenset(center.id for center in self.centers)


def load_city_config(path: Path | str) -> CityConfig:
    """Read and validate city.toml; raise ConfigError naming the file, the key and the problem.
    Relative paths in it are taken from the file's own folder."""
    path = Path(path)
    raw = read_toml(path)
    try:
        config = CityConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + describe_validation_error(exc)) from exc
    return _relative_to(config, path.parent)


def with_listen(board: BoardSection, listen: str | None) -> BoardSection:
    """`[board]` with the command line's `--listen` in place of its own (checked the same way)."""
    if listen is None:
        return board
    try:
        return BoardSection.model_validate({**board.model_dump(), "listen": listen})
    except ValidationError as exc:
        raise ConfigError("--listen: " + describe_validation_error(exc)) from exc


def _relative_to(config: CityConfig, folder: Path) -> CityConfig:
    mqtt = config.mqtt
    ca_file = folder / mqtt.ca_file if mqtt.ca_file else None
    changed = mqtt.model_copy(update={"password_file": folder / mqtt.password_file, "ca_file": ca_file})
    return config.model_copy(update={"mqtt": changed})
