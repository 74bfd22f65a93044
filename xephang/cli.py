"""The `xephang` command: one entry point, a sub-command per role or tool (DESIGN.md section 4).

Role modules are imported only when their sub-command runs, so the broker never loads OpenCV and a
display never loads the printer stack.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from xephang.arguments import ArgumentParser
from xephang.config import SiteConfig, load_config, parse_mqtt_url
from xephang.errors import XephangError
from xephang.mqtt_access import MqttAccess, load_access
from xephang.notify import serve_under_systemd
from xephang.protocol import BROKER_ID
from xephang.web import parse_http

log = logging.getLogger("xephang")
DEFAULT_CONFIG = Path("config/site.toml")


class Role(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def alive(self) -> bool: ...


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        result: int = args.run(args)
        return result
    except XephangError as exc:
        print(f"xephang: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a bad command-line value, e.g. --http or --mqtt
        print(f"xephang: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="xephang", description="Hệ thống xếp hàng — xephang")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    broker = _role_parser(commands, "broker", "run the center's queue server", _run_broker)
    broker.add_argument("--db", type=Path, default=Path("xephang.db"), help="SQLite file")
    kiosk = _role_parser(commands, "kiosk", "run an entrance kiosk", _run_kiosk)
    kiosk.add_argument("--output", type=Path, help="folder for the fake printer's tickets")
    kiosk.add_argument("--state-dir", type=Path,
                       help="folder for the offline outbox (SQLite); default XEPHANG_STATE_DIR, "
                       "else /var/lib/xephang")
    display = _role_parser(commands, "display", "run a hall display or a counter unit", _run_display)
    display.add_argument("--audio-dir", type=Path,
                         help="write announcements as WAV files here instead of playing them")
    display.add_argument("--state-dir", type=Path,
                         help="folder for the announced calls; default XEPHANG_STATE_DIR, "
                         "else /var/lib/xephang")

    _tool_parsers(commands)
    return parser


def _tool_parsers(commands: Any) -> None:
    """The sub-commands that are not a device's role: demo, sample ticket, accounts, tools."""
    demo = commands.add_parser("demo", help="run a whole center on this machine")
    demo.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    demo.add_argument("--port-base", type=int, default=8000)
    demo.add_argument("--folder", type=Path, help="where tickets, logs and data go")
    demo.add_argument("--history-days", type=int, default=0, metavar="N",
                      help="start with N simulated days of history (ending yesterday)")
    demo.add_argument("--city", action="store_true",
                      help="three centers and the city above them (PostgreSQL, aggregator, board)")
    demo.set_defaults(run=_run_demo)

    ticket = commands.add_parser("ticket", help="render a sample ticket as PNG")
    ticket.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ticket.add_argument("--service", required=True)
    ticket.add_argument("--out", type=Path, required=True)
    ticket.set_defaults(run=_run_ticket)

    _account_parser(commands)
    _city_board_parsers(commands)
    _voice_parser(commands)
    _doctor_parser(commands)
    _credentials_parser(commands)
    _plan_parser(commands)
    _city_parser(commands)

    simulate = commands.add_parser("simulate", help="simulate a day through the real call rule")
    simulate.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    simulate.add_argument("--tickets", type=int, default=1200, help="tickets (a day's, with --days)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--policy", choices=("ours", "static", "fifo", "fifo-blind"), default="ours")
    simulate.add_argument("--day", choices=("real", "old"), default="real",
                          help="real: the site file's [day] (lunch, breaks, patience, closing); "
                               "old: the earlier day model the call rule's targets were set on")
    simulate.add_argument("--days", type=int,
                          help="write this many days of history, ending yesterday, into --db")
    simulate.add_argument("--db", type=Path, help="the broker's SQLite file (with --days)")
    simulate.set_defaults(run=_run_simulate)

    scan = commands.add_parser("scan", help="decode the QR codes in image files, one JSON line each")
    scan.add_argument("paths", nargs="+", type=Path, metavar="IMAGE")
    scan.set_defaults(run=_run_scan)


def _account_parser(commands: Any) -> None:
    account = commands.add_parser("account", help="create or change a staff/manager/admin account")
    account.add_argument("action", choices=("create", "reset", "disable", "enable"))
    account.add_argument("--db", type=Path, default=Path("xephang.db"), help="the broker's SQLite file")
    account.add_argument("--user", required=True, help="username (lower case, no accents)")
    account.add_argument("--role", choices=("staff", "manager", "admin"), default="staff")
    account.add_argument("--name", default="", help="full name shown on the pages")
    account.add_argument("--counter", type=int, action="append", default=[],
                         help="a counter a staff account may operate (repeat for several; the first"
                         " is where it lands); a staff account without one operates none")
    account.set_defaults(run=_run_account)


def _city_board_parsers(commands: Any) -> None:
    from city.board.cli import add_parsers  # argparse only; PostgreSQL loads when it runs

    add_parsers(commands)


def _doctor_parser(commands: Any) -> None:
    doctor = commands.add_parser("doctor", help="check this device: config, clock, MQTT, printer, "
                                 "camera, pins, speaker, disk; exit 0 when all hold")
    doctor.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    doctor.add_argument("--id", required=True, help="the device id (broker, kiosk-1, hall-1…)")
    doctor.add_argument("--mqtt", help="mqtt://HOST:PORT; overrides the config and XEPHANG_MQTT")
    doctor.add_argument("--mqtt-password-file", type=Path,
                        help="default $CREDENTIALS_DIRECTORY/mqtt-password, then "
                        "/etc/xephang/credentials/mqtt-password")
    doctor.add_argument("--state-dir", type=Path,
                        help="the device's data folder; default XEPHANG_STATE_DIR, else /var/lib/xephang")
    doctor.set_defaults(run=_run_doctor)


def _run_doctor(args: argparse.Namespace) -> int:
    from xephang.doctor import run_doctor

    return run_doctor(args.config, args.id, mqtt_url=args.mqtt,
                      password_file=args.mqtt_password_file, state_dir=args.state_dir)


def _credentials_parser(commands: Any) -> None:
    credentials = commands.add_parser(
        "credentials", help="make the center's MQTT passwords, ACL, TLS certificates and "
        "Mosquitto config (keeps existing secrets)")
    credentials.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    credentials.add_argument("--out", type=Path, required=True,
                             help="folder for mosquitto/, devices/{id}/ and the CA")
    credentials.add_argument("--rotate", action="append", default=[], metavar="DEVICE",
                             help="give this device a new password (repeatable)")
    credentials.set_defaults(run=_run_credentials)


def _run_credentials(args: argparse.Namespace) -> int:
    from xephang.credentials import make_credentials

    report = make_credentials(load_config(args.config), args.out, rotate=args.rotate)
    print(f"Mosquitto config: {report.conf} (include it from /etc/mosquitto/conf.d/)")
    for device in report.devices:
        new = " (new password)" if device in report.created else ""
        print(f"  {device:<12} {report.password_file(device).parent}/{new}")
    if report.server_certificate_issued:
        print("A new server certificate was issued: restart Mosquitto.")
    if report.created:
        print("Passwords changed: restart Mosquitto, then copy each changed device's folder to it.")
    return 0


def _plan_parser(commands: Any) -> None:
    from planning.cli import add_parser  # argparse only; the planner loads when run

    add_parser(commands)


def _city_parser(commands: Any) -> None:
    city = commands.add_parser("city", help="run the city aggregator: every center's events into "
                               "PostgreSQL once, acknowledged after the commit")
    city.add_argument("--config", type=Path, default=Path("config/city.toml"))
    city.add_argument("--make-credentials", type=Path, metavar="DIR",
                      help="make the city's MQTT users, ACL, certificates and each center's bridge "
                      "password in DIR (keeps existing secrets), then exit")
    city.set_defaults(run=_run_city)


def _run_city(args: argparse.Namespace) -> int:
    from city.config import load_city_config

    config = load_city_config(args.config)
    if args.make_credentials is not None:
        return _make_city_credentials(config, args.make_credentials)
    from city.aggregator import Aggregator, read_password

    return _run_until_signal(Aggregator(config, read_password(config)))


def _make_city_credentials(config: Any, out: Path) -> int:
    from city.credentials import make_city_credentials

    made = make_city_credentials(config, out)
    print(f"Mosquitto (a small city): {made.conf}; RabbitMQ: {made.out}/rabbitmq/definitions.json")
    print(f"xephang city: {made.out}/aggregator/ (its [mqtt] password_file and ca_file)")
    print(f"Each center: copy {made.out}/centers/SITE/ to the center's `xephang credentials` "
          "folder as city/, set [uplink] city_urls in its site.toml, run `xephang credentials` again")
    return 0


def _voice_parser(commands: Any) -> None:
    from display.voice.cli import add_parser  # argparse only; the audio code loads when run

    add_parser(commands)


def _run_account(args: argparse.Namespace) -> int:
    from broker.accounts.cli import run  # the broker's database holds the accounts

    return run(args)


def _role_parser(
    commands: Any, name: str, help_text: str, run: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    sub.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sub.add_argument("--id", help="the device id (kiosk-1, hall-1, counter-5)")
    sub.add_argument("--mqtt", help="mqtts://HOST:PORT (mqtt:// on the server itself); overrides "
                     "the config and XEPHANG_MQTT")
    sub.add_argument("--mqtt-password-file", type=Path, metavar="FILE",
                     help="this device's MQTT password (from `xephang credentials`); default "
                     "$CREDENTIALS_DIRECTORY/mqtt-password under systemd")
    sub.add_argument("--http", type=parse_http, help="HOST:PORT to serve pages on")
    sub.set_defaults(run=run)
    return sub


def _mqtt_access(args: argparse.Namespace, config: SiteConfig, device_id: str) -> MqttAccess:
    """Where and as whom this device logs in; a missing password or CA file stops it here."""
    url: str = args.mqtt or os.environ.get("XEPHANG_MQTT") or config.mqtt.url
    parse_mqtt_url(url)
    return load_access(url, device_id, args.mqtt_password_file, config)


def _run_until_signal(role: Role) -> int:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    role.start()
    leaving = serve_under_systemd(role.alive)
    stop.wait()
    log.info("stopping")
    leaving()
    role.stop()
    return 0


def _run_broker(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    from broker.role import BrokerRole

    return _run_until_signal(
        BrokerRole(config, mqtt=_mqtt_access(args, config, BROKER_ID), db_path=args.db,
                   http=args.http)
    )


def _run_kiosk(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    from hardware.escpos_cache import keep_capabilities

    keep_capabilities(args.state_dir)  # before escpos is imported
    from kiosk.role import KioskRole

    kiosk_id = args.id or (config.kiosks[0].id if config.kiosks else "kiosk-1")
    role = KioskRole(
        config, kiosk_id=kiosk_id, mqtt=_mqtt_access(args, config, kiosk_id), http=args.http,
        output_dir=args.output, state_dir=args.state_dir,
    )
    return _run_until_signal(role)


def _run_display(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    from display.role import DisplayRole

    display_id = args.id or "hall-1"
    role = DisplayRole(config, display_id=display_id, mqtt=_mqtt_access(args, config, display_id),
                       http=args.http, audio_dir=args.audio_dir, state_dir=args.state_dir)
    return _run_until_signal(role)


def _run_demo(args: argparse.Namespace) -> int:
    from xephang.demo import run_demo

    if args.history_days < 0:
        raise ValueError("demo: --history-days must not be negative")
    if args.city:
        from city.demo import run_city_demo

        return run_city_demo(args.config, args.port_base, args.folder, args.history_days)
    return run_demo(load_config(args.config), args.config, args.port_base, args.folder,
                    args.history_days)


def _run_ticket(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    from kiosk.ticket import render_sample_ticket

    render_sample_ticket(config, args.service, args.out)
    print(args.out)
    return 0


def _run_simulate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not 1 <= args.tickets <= 100_000:
        raise ValueError("simulate: --tickets phải là số lượt từ 1 đến 100000")
    if args.days is not None or args.db is not None:
        return _run_history(args, config)
    from simulation.profile import Profile
    from simulation.run import simulate

    profile = Profile.from_config(config) if args.day == "real" else Profile()
    print(json.dumps(simulate(config, args.policy, args.tickets, args.seed, profile),
                     ensure_ascii=False))
    return 0


def _run_history(args: argparse.Namespace, config: SiteConfig) -> int:
    """`--days N --db FILE`: N simulated days of history written into the broker's database."""
    if args.days is None or args.db is None:
        raise ValueError("simulate: --days N và --db TỆP phải đi cùng nhau")
    if not 1 <= args.days <= 3660:
        raise ValueError("simulate: --days phải từ 1 đến 3660 ngày")
    if not args.db.parent.is_dir():
        raise ValueError(f"simulate: --db {args.db}: không có thư mục {args.db.parent}")
    import sqlite3

    from simulation.history import history_into

    try:
        written = history_into(config, args.db, args.days, args.tickets, args.seed)
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"simulate: --db {args.db}: tệp này không phải cơ sở dữ liệu của "
                         f"trạm xếp hàng") from exc
    print(json.dumps(written, ensure_ascii=False))
    return 0


def _run_scan(args: argparse.Namespace) -> int:
    from kiosk.scan_cli import run_scan

    return run_scan(args.paths)


if __name__ == "__main__":
    sys.exit(main())
