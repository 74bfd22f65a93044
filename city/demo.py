"""`xephang demo --city`: a small city on this machine — three centers and the city above them.

Each center is its own Mosquitto (secured as a center's, bridged to the city for `[uplink]
city_urls`) and its own `xephang broker` process with the uplink on, started from a copy of the
site file with its own site id; `--history-days` gives each center simulated past days (written into
its database, so they go up through the uplink like any event), and a small driver plays today's
citizens and staff over MQTT (tickets from the kiosk's topic, calls and ratings on the counters').
The city is a Mosquitto made from city.toml (`city.credentials`), a PostgreSQL of its own, the
aggregator (`xephang city`) and the board (`xephang city-board`), each its own process.
"""

from __future__ import annotations

import logging
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from city.board.accounts import BoardAccounts
from city.board.queries import BoardDb
from city.config import load_city_config
from city.credentials import make_city_credentials
from city.demo_traffic import Traffic
from city.postgres import PostgresCluster
from xephang.config import load_config
from xephang.credentials.mosquitto_conf import Listener
from xephang.demo import (
    DEMO_PASSWORD,
    DEMO_TICKETS_PER_DAY,
    demo_accounts,
    demo_site_file,
    port_is_free,
)
from xephang.errors import XephangError
from xephang.launch import READY_TIMEOUT_S, RoleProcess, role_command
from xephang.mosquitto import Mosquitto, find_mosquitto, free_port, write_config
from xephang.protocol import BROKER_ID

log = logging.getLogger(__name__)
CENTERS = [("ba-dinh", "Trung tâm Phục vụ hành chính công phường Ba Đình", "Ba Đình"),
           ("hoan-kiem", "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", "Hoàn Kiếm"),
           ("cau-giay", "Trung tâm Phục vụ hành chính công phường Cầu Giấy", "Cầu Giấy")]
BOARD_USER = "sothongtin"  # the demo's sign-in for the board (password DEMO_PASSWORD)
TRAFFIC = "demo-traffic"  # the demo driver's login on each center's Mosquitto


@dataclass
class Center:
    site: str
    name: str
    site_toml: Path
    db: Path
    port: int
    mosquitto: Mosquitto | None = None


class CityMqtt:
    """The city's Mosquitto: users, ACL and TLS from city.toml, on one loopback TLS port."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, credentials: Path) -> None:
        conf = write_config(self.folder, credentials, [Listener(self.port, "127.0.0.1", tls=True)])
        with (self.folder / "mosquitto.log").open("ab") as log_file:
            self.process = subprocess.Popen([find_mosquitto(), "-c", str(conf)], stdout=log_file,
                                            stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def run_city_demo(site_toml: Path, port_base: int, folder: Path | None, history_days: int) -> int:
    folder = (folder or Path("demo-city-run")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    board_port, city_port = port_base + len(CENTERS), free_port()
    busy = [p for p in range(port_base, board_port + 1) if not port_is_free(p)]
    if busy:
        raise XephangError(f"port {busy[0]} is already in use on this machine; choose other ports "
                           f"with --port-base (e.g. --port-base 18000)")
    postgres = PostgresCluster().start()  # in a temporary folder, removed when the demo stops
    city_mqtt = CityMqtt(folder / "city-mqtt", city_port)
    running: list[RoleProcess] = []
    centers: list[Center] = []
    traffic: list[Traffic] = []
    try:
        dsn = postgres.new_database()
        city_toml = _city_toml(folder, dsn, city_port, board_port)
        credentials = make_city_credentials(load_city_config(city_toml), folder / "city-credentials",
                                            listeners=[Listener(city_port, "127.0.0.1", tls=True)])
        city_mqtt.start(credentials.out)
        centers = [_center(folder, site_toml, n, site, name, port_base + n, city_port, history_days,
                           credentials.out) for n, (site, name, _) in enumerate(CENTERS)]
        running = _spawn(folder, city_toml, centers)
        _wait(running, centers, board_port)
        _board_account(dsn)
        traffic = [Traffic(load_config(c.site_toml), c.mosquitto.access(TRAFFIC)).start()
                   for c in centers if c.mosquitto is not None]
        stop = _stop_on_signal()  # before the welcome: a Ctrl+C at once is a clean stop too
        _welcome(folder, centers, board_port)
        _watch(running, stop)
    finally:
        _stop(traffic, running, centers, city_mqtt, postgres)
    return 0


def _city_toml(folder: Path, dsn: str, city_port: int, board_port: int) -> Path:
    centers = "".join(f'\n[[centers]]\nid = "{site}"\nname = "{name}"\ndistrict = "{district}"\n'
                      for site, name, district in CENTERS)
    path = folder / "city.toml"
    path.write_text(
        f'[database]\ndsn = "{dsn}"\n\n[mqtt]\nurls = ["mqtts://127.0.0.1:{city_port}"]\n'
        'password_file = "city-credentials/aggregator/mqtt-password"\n'
        'ca_file = "city-credentials/aggregator/ca.crt"\n\n'
        f'[board]\nlisten = "127.0.0.1:{board_port}"\n' + centers, encoding="utf-8")
    load_city_config(path)  # the same checks as the aggregator and the board will make
    return path


def _center(folder: Path, source: Path, n: int, site: str, name: str, port: int, city_port: int,
            history_days: int, city_credentials: Path) -> Center:
    """One center: its site file (own id and name, uplink to the city), its database with history,
    its Mosquitto bridged to the city."""
    home = folder / "centers" / site
    home.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = "[^"]*"', f'id = "{site}"', text, count=1)
    text = re.sub(r'(?m)^name = "[^"]*"', f'name = "{name}"', text, count=1)
    text = re.sub(r"(?ms)^\[uplink\].*?(?=^\[|\Z)", "", text)
    text += f'\n[uplink]\nenabled = true\ncity_urls = ["mqtts://127.0.0.1:{city_port}"]\n'
    base = home / "site.base.toml"
    base.write_text(text, encoding="utf-8")
    # As `xephang demo`: its own ticket pages, and tickets at any hour (someone trying it at night).
    site_toml = demo_site_file(base, home / "site.toml", f"http://127.0.0.1:{port}")
    config = load_config(site_toml)
    center = Center(site, name, site_toml, home / "xephang.db", port)
    if history_days:
        from simulation.history import history_into

        print(f"{name}: đang tạo {history_days} ngày dữ liệu mô phỏng…", flush=True)
        history_into(config, center.db, history_days, DEMO_TICKETS_PER_DAY - 150 * n, seed=n + 1)
    demo_accounts(config, center.db)  # quanly, quantri, canbo… as in `xephang demo`
    bridge = home / "mosquitto" / "credentials" / "city"
    shutil.copytree(city_credentials / "centers" / site, bridge, dirs_exist_ok=True)
    center.mosquitto = Mosquitto(home / "mosquitto", config, observers=(TRAFFIC,)).start()
    return center


def _spawn(folder: Path, city_toml: Path, centers: list[Center]) -> list[RoleProcess]:
    python = [sys.executable, "-m", "xephang.cli"]
    running = [RoleProcess("Tổng hợp dữ liệu thành phố", [*python, "city", "--config", str(city_toml)],
                           folder / "logs" / "city.log"),
               RoleProcess("Bảng theo dõi thành phố", [*python, "city-board", "--config", str(city_toml)],
                           folder / "logs" / "city-board.log")]
    for center in centers:
        assert center.mosquitto is not None
        running.append(RoleProcess(
            center.name, role_command("broker", center.site_toml, center.mosquitto.access(BROKER_ID),
                                      ["--db", str(center.db), "--http", f"127.0.0.1:{center.port}"]),
            folder / "logs" / f"broker-{center.site}.log"))
    for child in running:
        child.spawn()
    return running


def _wait(running: list[RoleProcess], centers: list[Center], board_port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S * 2
    running[1].wait_answering(f"http://127.0.0.1:{board_port}/login", deadline)
    for child, center in zip(running[2:], centers, strict=True):
        child.wait_answering(f"http://127.0.0.1:{center.port}/", deadline)


def _board_account(dsn: str) -> None:
    """The demo's sign-in for the board (its database is new at every run)."""
    db = BoardDb(dsn)
    db.apply_tables()
    BoardAccounts(db).create(BOARD_USER, DEMO_PASSWORD, "Sở Khoa học và Công nghệ (bản chạy thử)")


def _welcome(folder: Path, centers: list[Center], board_port: int) -> None:
    lines = ["\nMột thành phố nhỏ — bản chạy thử (demo)\n",
             f"Bảng theo dõi các trung tâm:  http://127.0.0.1:{board_port}/",
             f"  đăng nhập: {BOARD_USER} / mật khẩu {DEMO_PASSWORD} (chỉ dùng cho bản chạy thử)",
             f"\nCác trung tâm (trang quản lý; đăng nhập quanly, mật khẩu {DEMO_PASSWORD}):"]
    lines += [f"  {c.name:<52} http://127.0.0.1:{c.port}/admin/" for c in centers]
    lines += ["\nMỗi trung tâm có công dân và cán bộ mô phỏng; sự kiện lên thành phố qua cầu nối MQTT.",
              f"Nhật ký (logs): {folder / 'logs'}", "\nNhấn Ctrl+C để dừng.\n"]
    print("\n".join(lines), flush=True)


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _watch(running: list[RoleProcess], stop: threading.Event) -> None:
    while not stop.wait(1.0):
        for child in running:
            if not child.running():
                log.warning("%s exited (%s); restarting", child.label, child.exit_code())
                child.spawn()


def _stop(traffic: list[Traffic], running: list[RoleProcess], centers: list[Center],
          city_mqtt: CityMqtt, postgres: PostgresCluster) -> None:
    for driver in traffic:
        driver.stop()
    for child in running:
        child.terminate()
    for child in running:
        child.reap()
    for center in centers:
        if center.mosquitto is not None:
            center.mosquitto.stop()
    city_mqtt.stop()
    postgres.stop()
