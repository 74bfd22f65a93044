"""The center's Mosquitto bridge to the city's MQTT cluster (DESIGN §2), for site.toml's
`[uplink] city_urls`.

It carries only the uplink: this center's `uplink/event` out and its `uplink/ack` in, QoS 1, with
persistent sessions on both sides and explicit client ids, over TLS checked against the city's CA.
What it needs from the city comes from `xephang city --make-credentials` (its `centers/{site}/`
folder), copied into OUT/city/ on the center. The bridge is not the store: the broker's `events` table
is, resent above the city's acknowledged mark, so the bridge's queue may stay small.
"""

from __future__ import annotations

from pathlib import Path

from xephang.config import SiteConfig, parse_mqtt_url
from xephang.credentials.secrets_files import read_password
from xephang.errors import XephangError
from xephang.protocol import Topics, city_bridge_id

CITY_FOLDER = "city"
BRIDGE_PASSWORD = "bridge-password"
CITY_CA = "ca.crt"


class BridgeMaterialMissing(XephangError, ValueError):
    """The city's bridge password or CA is not where the center's credentials expect it."""


def bridge_conf(config: SiteConfig, out: Path) -> str:
    """The `connection` block for the center's Mosquitto, or "" when no city is configured."""
    urls = config.uplink.city_urls
    if not urls:
        return ""
    site = config.site.id
    folder = out / CITY_FOLDER
    password = read_password(folder / BRIDGE_PASSWORD)
    if password is None or not (folder / CITY_CA).is_file():
        raise BridgeMaterialMissing(
            f"[uplink] city_urls is set but {folder}/{BRIDGE_PASSWORD} or {folder}/{CITY_CA} is "
            f"missing: copy the city's centers/{site}/ folder (from `xephang city "
            f"--make-credentials`) to {folder}/")
    topics, login = Topics(site), city_bridge_id(site)
    addresses = " ".join(f"{host}:{port}" for host, port in map(parse_mqtt_url, urls))
    return "\n".join([
        "# The city uplink: this center's events out, the city's acknowledgement in (site.toml",
        "# [uplink] city_urls). Made by `xephang credentials`; it holds the bridge's password.",
        "connection xephang-city",
        f"address {addresses}",
        "round_robin true",  # any node of the city's cluster will do; stay on the one that works
        f"bridge_cafile {folder / CITY_CA}",
        "bridge_tls_version tlsv1.2",
        "bridge_insecure false",
        f"remote_clientid {login}",
        f"remote_username {login}",
        f"remote_password {password}",
        f"local_clientid {login}-local",
        # Persistent sessions on both sides: what is in flight survives a reconnect.
        "cleansession false",
        "local_cleansession false",
        # RabbitMQ's MQTT plugin refuses Mosquitto's private bridge handshake; topics here go one
        # way each, so the loop detection it buys is not needed with Mosquitto either.
        "try_private false",
        "notifications false",
        "keepalive_interval 30",
        "restart_timeout 1 30",
        f"topic {topics.uplink_event} out 1",
        f"topic {topics.uplink_ack} in 1",
        "",
    ])
