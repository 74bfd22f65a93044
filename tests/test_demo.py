"""`xephang demo` (what `make demo` runs): a whole center comes up, works, and stops on Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from harness.site_file import EXAMPLE_SITE
from harness.web_session import WebSession, get_text, post_json
from tests.support.paths import SITE_TOML
from xephang.demo import port_is_free
from xephang.mosquitto import free_port

ROLES = 5  # broker, two kiosks, hall display, counter unit


def free_port_base() -> int:
    while True:
        base = free_port()
        if base < 60000 and all(port_is_free(base + i) for i in range(ROLES)):
            return base


def read_until(process: subprocess.Popen[str], marker: str) -> str:
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # the demo prints its welcome once every role answers
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError("the demo ended before it was ready:\n" + "".join(seen))


def test_demo_runs_a_whole_center_and_stops_cleanly(tmp_path: Path) -> None:
    base = free_port_base()
    demo = subprocess.Popen(
        [sys.executable, "-m", "xephang.cli", "demo", "--config", str(EXAMPLE_SITE),
         "--port-base", str(base), "--folder", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "XEPHANG_CLOCK": "fake-unsynced"})  # a laptop without NTP
    try:
        welcome = read_until(demo, "Ctrl+C")
        for port in range(base, base + ROLES):
            assert f"http://127.0.0.1:{port}/" in welcome
        assert "quantri" in welcome and str(tmp_path / "tickets") in welcome
        assert f"Mã QR trên vé mở:  http://127.0.0.1:{base}/ticket/" in welcome  # public_url

        # the shipped example issues only in opening hours; the demo at any hour (its own copy)
        status, _ = post_json(f"http://127.0.0.1:{base + 1}/press/CT")
        assert status == 202
        assert "Chứng thực" in get_text(f"http://127.0.0.1:{base + 3}/")
        # every role checked its clock before it answered: the demo trusts this machine's clock
        board = WebSession(f"http://127.0.0.1:{base}").login("quanly", "xephang-demo")
        assert board.get_json("/admin/board.json")["incidents"] == []
    finally:
        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0
    for port in range(base, base + ROLES):
        assert port_is_free(port), f"port {port} still served after the demo stopped"


def test_demo_refuses_ports_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        base = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "xephang.cli", "demo", "--config", str(SITE_TOML),
             "--port-base", str(base), "--folder", str(tmp_path)],
            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {base} is already in use" in result.stderr
