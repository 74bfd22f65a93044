"""The city's MQTT security material, made from city.toml (`xephang city --make-credentials DIR`):

    DIR/ca/                    the city's CA (ca.key never leaves this machine)
    DIR/mosquitto/             a small city's Mosquitto: xephang.conf, passwords, acl, server
                               certificate and key, ca.crt (the center's snippet, with the city's users)
    DIR/rabbitmq/definitions.json  the same users and topic rights for a RabbitMQ cluster
    DIR/aggregator/            mqtt-password and ca.crt of `xephang city`
    DIR/centers/{site}/        bridge-password and ca.crt: what that center's Mosquitto bridge needs

Each center's bridge logs in as `bridge-{site}` (its client id too) and may only publish its own
`uplink/event` and read its own `uplink/ack`; the aggregator reads every center's events and writes
their acks. Running again keeps every secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from city.config import CityConfig
from xephang.config import parse_mqtt_url
from xephang.credentials import _share_with_mosquitto
from xephang.credentials.acl import DeviceRights, acl_text
from xephang.credentials.mosquitto_conf import Listener, mosquitto_conf
from xephang.credentials.secrets_files import (
    new_password,
    password_file_text,
    read_password,
    write_public,
    write_secret,
)
from xephang.credentials.tls import ensure_server_certificate, load_or_make_authority
from xephang.protocol import Topics, city_bridge_id

CA_FILE = "ca.crt"
BRIDGE_PASSWORD = "bridge-password"
AGGREGATOR_PASSWORD = "mqtt-password"
CITY_TLS_PORT = 8883
# What RabbitMQ's MQTT plugin touches for a client: amq.topic and its session queue.
MQTT_RESOURCES = "^(amq\\.topic|mqtt-subscription-.*)$"


@dataclass(frozen=True)
class CityCredentials:
    out: Path
    users: dict[str, str]  # login → password
    rights: list[DeviceRights]

    @property
    def conf(self) -> Path:
        return self.out / "mosquitto" / "xephang.conf"

    @property
    def ca_file(self) -> Path:
        return self.out / "mosquitto" / CA_FILE

    def password(self, user: str) -> str:
        return self.users[user]


def city_rights(config: CityConfig, extra: tuple[DeviceRights, ...] = ()) -> list[DeviceRights]:
    """The aggregator first, then one bridge per center; `extra` only from the tests' harness."""
    every = Topics("+")
    rights = [DeviceRights(config.mqtt.login, (every.uplink_ack,), (every.uplink_event,))]
    for center in config.centers:
        topics = Topics(center.id)
        rights.append(DeviceRights(city_bridge_id(center.id), (topics.uplink_event,),
                                   (topics.uplink_ack,)))
    return rights + list(extra)


def make_city_credentials(config: CityConfig, out: Path, *, listeners: list[Listener] | None = None,
                          extra: tuple[DeviceRights, ...] = ()) -> CityCredentials:
    out = out.resolve()
    rights = city_rights(config, extra)
    authority = load_or_make_authority(out / "ca", "city")
    server = out / "mosquitto"
    ensure_server_certificate(authority, server / "server.crt", server / "server.key",
                              city_server_names(config))
    write_public(server / CA_FILE, authority.pem)
    users = {device.device_id: _password(_password_path(out, config, device.device_id))
             for device in rights}
    for user in users:
        write_public(_password_path(out, config, user).parent / CA_FILE, authority.pem)
    write_secret(server / "passwords", password_file_text(users))
    write_secret(server / "acl", acl_text(rights))
    _share_with_mosquitto([server / "passwords", server / "acl", server / "server.key"])
    default = [Listener(CITY_TLS_PORT, None, tls=True)]
    write_public(server / "xephang.conf", mosquitto_conf(server, listeners or default))
    write_secret(out / "rabbitmq" / "definitions.json", rabbitmq_definitions(rights, users))
    return CityCredentials(out, users, rights)


def city_server_names(config: CityConfig) -> list[str]:
    names = [parse_mqtt_url(url)[0] for url in config.mqtt.urls]
    return list(dict.fromkeys([*names, "localhost", "127.0.0.1", "::1"]))


def _password_path(out: Path, config: CityConfig, user: str) -> Path:
    if user == config.mqtt.login:
        return out / "aggregator" / AGGREGATOR_PASSWORD
    site = user.removeprefix("bridge-")
    if user == city_bridge_id(site) and site in config.sites:
        return out / "centers" / site / BRIDGE_PASSWORD
    return out / "users" / user / AGGREGATOR_PASSWORD


def _password(path: Path) -> str:
    password = read_password(path)
    if password is None:
        password = new_password()
        write_secret(path, password + "\n")
    return password


def rabbitmq_definitions(rights: list[DeviceRights], users: dict[str, str]) -> str:
    """The same users and topic rights for a RabbitMQ cluster, as definitions to import
    (`load_definitions` in rabbitmq.conf, or `rabbitmqctl import_definitions FILE`). Its MQTT
    plugin maps `/` in a topic to `.` in amq.topic's routing keys."""
    definitions = {
        "users": [{"name": d.device_id, "password_hash": rabbitmq_hash(users[d.device_id]),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}
                  for d in rights],
        "vhosts": [{"name": "/"}],
        # MQTT needs amq.topic and its own session queue (mqtt-subscription-{client id}qos1).
        "permissions": [{"user": d.device_id, "vhost": "/", "configure": MQTT_RESOURCES,
                         "write": MQTT_RESOURCES, "read": MQTT_RESOURCES} for d in rights],
        "topic_permissions": [{"user": d.device_id, "vhost": "/", "exchange": "amq.topic",
                               "write": _routing_keys(d.publishes), "read": _routing_keys(d.reads)}
                              for d in rights],
    }
    return json.dumps(definitions, indent=1)


def rabbitmq_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's stored password: base64(salt + SHA-256(salt + password)), a 4-byte salt."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode()


def _routing_keys(topics: tuple[str, ...]) -> str:
    if not topics:
        return "^$"
    keys = [topic.replace(".", "\\.").replace("/", "\\.").replace("+", "[^.]+") for topic in topics]
    return "^(" + "|".join(keys) + ")$"
