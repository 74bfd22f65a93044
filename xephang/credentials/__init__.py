"""`xephang credentials`: the center's MQTT security material, made from site.toml (DESIGN.md §4).

    OUT/ca/                  the center's CA (ca.key never leaves this machine)
    OUT/mosquitto/           xephang.conf (a snippet for /etc/mosquitto/conf.d), passwords, acl,
                             server.crt, server.key, ca.crt
    OUT/devices/{device_id}/ mqtt-password and ca.crt: what that device needs, nothing more
    OUT/city/                (copied from the city) bridge-password and ca.crt: with site.toml's
                             `[uplink] city_urls`, xephang.conf also bridges the uplink to the city

Running it again keeps every secret (CA, server key, passwords) and rewrites the rest from site.toml;
`rotate` gives one device a new password.
"""

from __future__ import annotations

import grp
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xephang.config import SiteConfig
from xephang.credentials.acl import acl_text, device_rights, doctor_rights
from xephang.credentials.bridge import bridge_conf
from xephang.credentials.mosquitto_conf import Listener, mosquitto_conf, production_listeners
from xephang.credentials.secrets_files import (
    new_password,
    password_file_text,
    read_password,
    write_public,
    write_secret,
)
from xephang.credentials.tls import ensure_server_certificate, load_or_make_authority
from xephang.errors import XephangError
from xephang.protocol import doctor_login

PASSWORD_FILE = "mqtt-password"
CA_FILE = "ca.crt"


class CredentialsError(XephangError, ValueError):
    """Credentials that cannot be made, found or read; the message names the file to look at."""


@dataclass
class CredentialsReport:
    out: Path
    devices: list[str]
    created: list[str] = field(default_factory=list)  # devices given a (new) password this run
    server_certificate_issued: bool = False

    @property
    def conf(self) -> Path:
        return self.out / "mosquitto" / "xephang.conf"

    def password_file(self, device_id: str) -> Path:
        return self.out / "devices" / device_id / PASSWORD_FILE

    def ca_file(self, device_id: str) -> Path:
        return self.out / "devices" / device_id / CA_FILE


def make_credentials(config: SiteConfig, out: Path, *, rotate: Iterable[str] = (),
                     listeners: list[Listener] | None = None,
                     observers: tuple[str, ...] = ()) -> CredentialsReport:
    """Write (or bring up to date) everything under `out`; see the module's docstring."""
    out = out.resolve()
    rights = device_rights(config, observers)
    devices = [device.device_id for device in rights]
    unknown = sorted(set(rotate) - set(devices))
    if unknown:
        raise CredentialsError(f"cannot rotate {', '.join(unknown)}: not a device in site.toml "
                               f"(devices: {', '.join(devices)})")
    report = CredentialsReport(out, devices)
    authority = load_or_make_authority(out / "ca", config.site.id)
    server = out / "mosquitto"
    report.server_certificate_issued = ensure_server_certificate(
        authority, server / "server.crt", server / "server.key", server_names(config))
    write_public(server / CA_FILE, authority.pem)
    passwords = {device: _device_password(report, device, rotate) for device in devices}
    for device in devices:
        write_public(report.ca_file(device), authority.pem)
    doctors = doctor_rights([device for device in rights if device.device_id not in observers])
    logins = {**passwords, **{doctor_login(d): passwords[d] for d in devices if d not in observers}}
    write_secret(server / "passwords", password_file_text(logins))
    write_secret(server / "acl", acl_text(rights + doctors))
    _share_with_mosquitto([server / "passwords", server / "acl", server / "server.key"])
    conf = mosquitto_conf(server, listeners or production_listeners(config))
    bridge = bridge_conf(config, out)
    if bridge:  # it holds the city's bridge password: Mosquitto's group may read it, nobody else
        write_secret(report.conf, conf + "\n" + bridge)
        _share_with_mosquitto([report.conf])
    else:
        write_public(report.conf, conf)
    return report


def _device_password(report: CredentialsReport, device: str, rotate: Iterable[str]) -> str:
    path = report.password_file(device)
    password = None if device in rotate else read_password(path)
    if password is None:
        password = new_password()
        write_secret(path, password + "\n")
        report.created.append(device)
    return password


def server_names(config: SiteConfig) -> list[str]:
    """What devices may call the server: the configured address and names, and this machine."""
    from xephang.config import parse_mqtt_url

    host, _ = parse_mqtt_url(config.mqtt.url)
    names = [host, *config.mqtt.server_names, "localhost", "127.0.0.1", "::1"]
    return list(dict.fromkeys(names))


def _share_with_mosquitto(paths: list[Path]) -> None:
    """Mosquitto 2 reads these after dropping root: as root, give them to its group (0640)."""
    if os.geteuid() != 0:
        return
    try:
        group = grp.getgrnam("mosquitto").gr_gid
    except KeyError:
        return
    for path in paths:
        os.chown(path, 0, group)
        path.chmod(0o640)
