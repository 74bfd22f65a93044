"""`xephang city-board --config city.toml`: the city's board on city.toml's `[board] listen`, and
`xephang city-account create|reset|disable|enable --config city.toml --user …`: the city IT office's
accounts for it (the board's modules load when one runs: a kiosk's install has no PostgreSQL
client). A password comes from XEPHANG_PASSWORD or standard input (asked without echo on a
terminal), never from the command line, where `ps` would show it."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def add_parsers(commands: Any) -> None:
    board = commands.add_parser("city-board", help="serve the city's board (every center's day, "
                                "reports, comparisons) from the city's PostgreSQL")
    board.add_argument("--config", type=Path, default=Path("config/city.toml"))
    board.add_argument("--listen", help="HOST:PORT; overrides [board] listen")
    board.set_defaults(run=run_board)
    account = commands.add_parser("city-account", help="create or change an account of the city's board")
    account.add_argument("action", choices=("create", "reset", "disable", "enable"))
    account.add_argument("--config", type=Path, default=Path("config/city.toml"))
    account.add_argument("--user", required=True, help="username (lower case, no accents)")
    account.add_argument("--name", default="", help="full name or office shown on the board")
    account.set_defaults(run=run_account)


def run_board(args: argparse.Namespace) -> int:
    from city.board.serve import start_board
    from city.config import load_city_config, with_listen

    config = load_city_config(args.config)
    server = start_board(config.database.dsn, with_listen(config.board, args.listen))
    print(f"Bảng theo dõi các trung tâm: {server.url}/", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


def run_account(args: argparse.Namespace) -> int:
    from city.board.accounts import AccountError, BoardAccounts
    from city.board.queries import BoardDb
    from city.config import load_city_config
    from xephang.signin import read_password

    db = BoardDb(load_city_config(args.config).database.dsn)
    db.apply_tables()
    accounts = BoardAccounts(db)
    try:
        if args.action == "create":
            accounts.create(args.user, read_password(), args.name)
        elif args.action == "reset":
            accounts.reset_password(args.user, read_password())
        else:
            accounts.set_active(args.user, args.action == "enable")
    except AccountError as exc:
        print(f"xephang: {exc}", file=sys.stderr)
        return 2
    print(f"{args.action}: {args.user}")
    return 0
