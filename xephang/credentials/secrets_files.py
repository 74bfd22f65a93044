"""Device passwords and the files that hold secrets.

A device's password is generated once and kept in its own file (mode 0600); Mosquitto gets only
PBKDF2-SHA512 hashes, in the `$7$` format its own `mosquitto_passwd` writes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

PASSWORD_BYTES = 24  # 192 bits from the OS's generator, written as 32 URL-safe characters
# What mosquitto_passwd (Mosquitto 2) uses: `$7$` = PBKDF2-SHA512, 101 rounds, a 12-byte salt.
HASH_ROUNDS = 101
SALT_BYTES = 12


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    """A password_file entry's hash; Mosquitto checks a password against it."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, HASH_ROUNDS)
    return f"$7${HASH_ROUNDS}${_b64(salt)}${_b64(digest)}"


def password_file_text(passwords: dict[str, str]) -> str:
    return "".join(f"{user}:{mosquitto_hash(password)}\n" for user, password in passwords.items())


def read_password(path: Path) -> str | None:
    """The password kept in `path`, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def write_secret(path: Path, text: str | bytes) -> None:
    """Write a file only its owner can read; it never exists with wider permissions, even briefly."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def write_public(path: Path, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(data)
    temporary.chmod(0o644)
    os.replace(temporary, path)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
