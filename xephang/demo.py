"""`xephang demo`: a whole center on this machine, every role a real process, fake hardware only.

Mosquitto runs privately on free ports, secured as a center's (`xephang credentials`: every process
logs in as its device id, over TLS with the demo center's own CA); the queue server, two kiosks, a
hall display and a counter unit each run as their own `xephang` process, exactly as on the Pis. The
fake printers write each ticket as a PNG of the exact raster they were sent, into the folder printed
at start.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from xephang.config import SiteConfig, load_config
from xephang.errors import XephangError
from xephang.launch import READY_TIMEOUT_S, RoleProcess, role_command
from xephang.mosquitto import Mosquitto
from xephang.protocol import BROKER_ID

log = logging.getLogger(__name__)
DEMO_PASSWORD = "xephang-demo"  # the demo's printed sign-ins; production has none until created
DEMO_TICKETS_PER_DAY = 1000  # a ward center's ordinary day, for --history-days


@dataclass(frozen=True)
class DemoProcess:
    label: str
    role: str
    device_id: str  # whom it logs in to Mosquitto as
    options: list[str]  # after --config and the MQTT options, which every role gets
    port: int
    path: str = "/"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def plan(config: SiteConfig, port_base: int, folder: Path) -> list[DemoProcess]:
    """The processes of a demo center and the port each serves its page on."""
    broker = DemoProcess("Máy chủ xếp hàng (quản lý)", "broker", BROKER_ID, [
        "--db", str(folder / "xephang.db"), "--http", f"127.0.0.1:{port_base}"], port_base)
    processes = [broker]
    port = port_base + 1
    for kiosk in config.kiosks[:2]:
        processes.append(DemoProcess(
            f"Ki-ốt lấy số {kiosk.id}", "kiosk", kiosk.id,
            ["--id", kiosk.id, "--http", f"127.0.0.1:{port}",
             "--output", str(folder / "tickets" / kiosk.id),
             "--state-dir", str(folder / "state" / kiosk.id)], port))
        port += 1
    for display in config.displays:
        audio = (["--audio-dir", str(folder / "announcements" / display.id)]
                 if display.kind == "hall" else [])
        processes.append(DemoProcess(
            f"Màn hình {display.id}", "display", display.id,
            ["--id", display.id, "--http", f"127.0.0.1:{port}",
             "--state-dir", str(folder / "state" / display.id), *audio], port))
        port += 1
    return processes


def run_demo(config: SiteConfig, config_path: Path, port_base: int, folder: Path | None,
             history_days: int = 0) -> int:
    folder = (folder or Path("demo-run")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if history_days:
        _write_history(config, folder / "xephang.db", history_days)
    public_url = f"http://127.0.0.1:{port_base}"
    config_path = demo_site_file(config_path, folder / "site.toml", public_url)
    mosquitto = Mosquitto(folder / "mosquitto", config).start()
    processes = plan(config, port_base, folder)
    busy = [p.port for p in processes if not port_is_free(p.port)]
    if busy:
        mosquitto.stop()
        raise XephangError(f"port {busy[0]} is already in use on this machine; "
                           f"choose other ports with --port-base (e.g. --port-base 18000)")
    logins = demo_accounts(config, folder / "xephang.db")
    env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock"}
    running = [RoleProcess(p.label, role_command(p.role, config_path, mosquitto.access(p.device_id),
                                                 p.options),
                           folder / "logs" / f"{p.role}-{p.port}.log", env) for p in processes]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        for child in running:
            child.spawn()
        deadline = time.monotonic() + READY_TIMEOUT_S
        for process, child in zip(processes, running, strict=True):
            child.wait_answering(process.url, deadline)
        _print_welcome(config, processes, folder, mosquitto.url, logins, public_url)
        _watch(running, stop)
    finally:
        for child in running:
            child.terminate()
        for child in running:
            child.reap()
        mosquitto.stop()
    return 0


def demo_site_file(source: Path, target: Path, public_url: str) -> Path:
    """A copy of the site file for the demo: its `[site] public_url` is the demo's own broker page
    (the QR code on a demo ticket opens the demo's ticket page), and tickets are issued at any hour
    (`issue_outside_hours`: someone trying the demo at night still gets one), and this machine's
    clock is trusted (`[devices] clock_trusted`: a laptop without NTP does not open the demo on an
    incident per device)."""
    text = re.sub(r"(?m)^(public_url|issue_outside_hours)\s*=.*\n", "",
                  source.read_text(encoding="utf-8"))
    text, found = re.subn(r"(?m)^\[site\][ \t]*$",
                          f'[site]\npublic_url = "{public_url}"\nissue_outside_hours = true', text,
                          count=1)
    if not found:
        raise XephangError(f"{source}: no [site] section")
    target.write_text(_clock_trusted(text), encoding="utf-8")
    load_config(target)  # the same checks as the roles will make
    return target


def _clock_trusted(text: str) -> str:
    text = re.sub(r"(?m)^clock_trusted\s*=.*\n", "", text)
    text, found = re.subn(r"(?m)^\[devices\][ \t]*$", "[devices]\nclock_trusted = true", text, count=1)
    return text if found else text.rstrip("\n") + "\n\n[devices]\nclock_trusted = true\n"


def port_is_free(port: int) -> bool:
    """Nothing answers on the port (a TIME_WAIT left by an earlier run does not count)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return True
    return False


def _write_history(config: SiteConfig, db: Path, days: int) -> None:
    """Simulated past days, so the statistics pages show something real-looking (days already in
    the database are kept as they are)."""
    from simulation.history import history_into

    print(f"Đang tạo dữ liệu mô phỏng {days} ngày trước hôm nay…", flush=True)
    written = history_into(config, db, days, DEMO_TICKETS_PER_DAY, seed=1)
    print(f"Đã ghi {written['tickets']} vé của {written['days']} ngày làm việc.", flush=True)


def demo_accounts(config: SiteConfig, db: Path) -> list[tuple[str, str, str]]:
    """Sign-ins for the demo only (never a default elsewhere): (username, password, what it is)."""
    from broker.accounts.registry import Accounts
    from broker.store.db import Store

    wanted: list[tuple[str, str, int | None, str]] = [
        ("quantri", "admin", None, "quản trị: tài khoản"),
        ("quanly", "manager", None, "quản lý: bảng theo dõi, thống kê")]
    wanted += [(f"canbo{c.id}", "staff", c.id, f"cán bộ {c.label}") for c in config.counters[:3]]
    store = Store(db)
    try:
        accounts = Accounts(store)
        for username, role, counter, _ in wanted:
            if accounts.find(username) is None:
                accounts.create(username, DEMO_PASSWORD, role, counter=counter, by="(demo)")
    finally:
        store.close()
    return [(username, DEMO_PASSWORD, what) for username, _, _, what in wanted]


def _print_welcome(config: SiteConfig, processes: list[DemoProcess], folder: Path,
                   mqtt_url: str, logins: list[tuple[str, str, str]], public_url: str) -> None:
    lines = [f"\n{config.site.name} — bản chạy thử (demo)\n", "Mở các trang sau trong trình duyệt:"]
    lines += [f"  {p.label:<34} {p.url}" for p in processes]
    lines += [f"  {'Trang cán bộ quầy ' + str(c.id):<34} http://127.0.0.1:{processes[0].port}"
              f"/counter/{c.id}" for c in config.counters[:3]]
    lines += [f"  (mọi quầy: http://127.0.0.1:{processes[0].port}/)",
              f"  (quản lý: http://127.0.0.1:{processes[0].port}/admin/)",
              "\nĐăng nhập (chỉ dùng cho bản chạy thử):"]
    lines += [f"  {user:<10} mật khẩu {password:<14} {what}" for user, password, what in logins]
    lines += [f"\nVé in (ảnh PNG):   {folder / 'tickets'}",
              f"Lời mời (WAV):     {folder / 'announcements'}",
              f"Nhật ký (logs):    {folder / 'logs'}",
              f"MQTT:              {mqtt_url}",
              f"Mã QR trên vé mở:  {public_url}/ticket/… (public_url trong {folder / 'site.toml'};"
              f" trên máy thật, đặt địa chỉ mạng của máy chủ để điện thoại mở được)",
              "\nNhấn Ctrl+C để dừng.\n"]
    print("\n".join(lines), flush=True)


def _watch(running: list[RoleProcess], stop: threading.Event) -> None:
    """Restart a role that dies, as systemd would on a Pi; stop on Ctrl+C."""
    while not stop.wait(1.0):
        for child in running:
            if not child.running():
                log.warning("%s exited (%s); restarting", child.label, child.exit_code())
                child.spawn()
