"""A mosquitto that lets in only the users of its password file, as a center's does (each user with
its `xephang doctor` login, as `xephang credentials` writes them)."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xephang.mosquitto import find_mosquitto, free_port
from xephang.protocol import doctor_login


@contextmanager
def locked_mosquitto(folder: Path, users: dict[str, str]) -> Iterator[str]:
    """Run one on a free loopback port; yields its mqtt:// URL."""
    folder.mkdir(parents=True, exist_ok=True)
    passwords = folder / "passwords"
    passwords.touch(mode=0o600)
    logins = {**users, **{doctor_login(user): password for user, password in users.items()}}
    for user, password in logins.items():
        subprocess.run([shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd", "-b",
                        str(passwords), user, password], check=True, capture_output=True)
    port = free_port()
    config = folder / "mosquitto.conf"
    # As the center's Mosquitto does (xephang credentials): the username is the client id.
    config.write_text(f"listener {port} 127.0.0.1\nuse_username_as_clientid true\nallow_anonymous false\n"
                      f"password_file {passwords}\nuser {getpass.getuser()}\n")
    process = subprocess.Popen([find_mosquitto(), "-c", str(config)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)  # polling a port that is not open yet
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False
