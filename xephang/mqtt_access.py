"""How one device logs in to the center's Mosquitto: address, username (its device id), password and
the CA it checks the server against. Read once at start; a missing or unreadable file stops the role
with a message naming that file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from xephang.config import SiteConfig, mqtt_uses_tls, parse_mqtt_url
from xephang.errors import XephangError

PASSWORD_FILE = "mqtt-password"
CA_FILE = "ca.crt"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAKE_HINT = ("made by `xephang credentials --config site.toml --out DIR` on the server, "
             "in DIR/devices/{device}/")


class CredentialsMissing(XephangError, ValueError):
    """A device's MQTT password or CA file cannot be read; the message names the file."""


@dataclass(frozen=True)
class MqttAccess:
    url: str
    username: str  # the device id; Mosquitto uses it as the client id too
    password: str
    ca_file: Path | None = None  # required for mqtts://
    password_file: Path | None = None  # where the password came from, for messages

    @property
    def tls(self) -> bool:
        return mqtt_uses_tls(self.url)

    @property
    def where(self) -> str:
        return str(self.password_file) if self.password_file else "(given in code)"


def password_file_for(given: Path | None, device_id: str) -> Path:
    """`--mqtt-password-file`, else systemd's `$CREDENTIALS_DIRECTORY/mqtt-password`."""
    if given is not None:
        return given
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        return Path(directory) / PASSWORD_FILE
    raise CredentialsMissing(
        f"no MQTT password for {device_id}: pass --mqtt-password-file FILE (its mqtt-password, "
        f"{MAKE_HINT.format(device=device_id)}) or run under systemd with "
        "LoadCredential=mqtt-password:FILE")


def load_access(url: str, device_id: str, password_file: Path | None,
                config: SiteConfig) -> MqttAccess:
    path = password_file_for(password_file, device_id)
    hint = MAKE_HINT.format(device=device_id)
    try:
        password = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CredentialsMissing(f"cannot read the MQTT password of {device_id} from {path}: "
                                 f"{exc.strerror or exc} (it is {hint})") from exc
    if not password:
        raise CredentialsMissing(f"{path} is empty: it should hold {device_id}'s MQTT password ({hint})")
    host, _ = parse_mqtt_url(url)
    if not mqtt_uses_tls(url):
        if host not in LOOPBACK_HOSTS:
            raise CredentialsMissing(f"{url}: plain MQTT only on the server itself; use mqtts://{host}:"
                                     "8883 (TLS) from another machine")
        return MqttAccess(url, device_id, password, None, path)
    ca_file = Path(config.mqtt.ca_file) if config.mqtt.ca_file else path.parent / CA_FILE
    if not ca_file.is_file():
        raise CredentialsMissing(f"no CA certificate at {ca_file} for {url} (the device's ca.crt, "
                                 f"{hint}; or set [mqtt] ca_file in site.toml)")
    return MqttAccess(url, device_id, password, ca_file, path)
