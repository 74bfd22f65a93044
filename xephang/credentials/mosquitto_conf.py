"""The Mosquitto configuration snippet for the center: listeners, authentication, ACL, queues.

The same text serves a real center (in /etc/mosquitto/conf.d/) and the private Mosquitto of the demo
and the tests, which only add where to keep data and log, and listen on free loopback ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xephang.config import SiteConfig, mqtt_uses_tls, parse_mqtt_url

DEFAULT_TLS_PORT = 8883
LOOPBACK_PORT = 1883
# Mosquitto's default (1000) silently drops QoS 1 messages to a subscriber that is briefly slow in a
# burst (a whole morning's tickets at opening time); the depth is bounded by memory instead.
MAX_QUEUED_MESSAGES = 100000
MAX_INFLIGHT_MESSAGES = 100


@dataclass(frozen=True)
class Listener:
    port: int
    address: str | None  # None: every interface (the LAN)
    tls: bool


def production_listeners(config: SiteConfig) -> list[Listener]:
    """Plain MQTT for the server's own processes on loopback; TLS for the LAN on the url's port."""
    _, port = parse_mqtt_url(config.mqtt.url)
    tls_port = port if mqtt_uses_tls(config.mqtt.url) else DEFAULT_TLS_PORT
    return [Listener(LOOPBACK_PORT, "127.0.0.1", tls=False), Listener(tls_port, None, tls=True)]


def mosquitto_conf(folder: Path, listeners: list[Listener]) -> str:
    lines = [
        "# Made by `xephang credentials` for the center's Mosquitto; run it again after changing",
        "# site.toml instead of editing this file. Every client logs in as its device id.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {folder / 'passwords'}",
        f"acl_file {folder / 'acl'}",
        "persistence true",
        f"max_queued_messages {MAX_QUEUED_MESSAGES}",
        "max_queued_bytes 0",
        f"max_inflight_messages {MAX_INFLIGHT_MESSAGES}",
        "set_tcp_nodelay true",
        "",
    ]
    for listener in listeners:
        lines += _listener(folder, listener)
    return "\n".join(lines)


def _listener(folder: Path, listener: Listener) -> list[str]:
    bind = f" {listener.address}" if listener.address else ""
    # A client id is its username: nobody can take over another device's session. (A listener
    # option: written before any `listener`, it would open a default plain listener on 1883.)
    lines = [f"listener {listener.port}{bind}", "use_username_as_clientid true"]
    if listener.tls:
        lines += [f"cafile {folder / 'ca.crt'}", f"certfile {folder / 'server.crt'}",
                  f"keyfile {folder / 'server.key'}", "tls_version tlsv1.2"]
    return [*lines, ""]
