"""`xephang city-account create|reset|disable|enable --config city.toml --user …`: the city IT
office's accounts for the board. The password comes from XEPHANG_PASSWORD or standard input (asked
without echo on a terminal), never from the command line, where `ps` would show it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from city.board.accounts import AccountError, BoardAccounts
from city.board.queries import BoardDb
from xephang.signin import read_password


def add_parser(commands: Any) -> None:
    from pathlib import Path

    account = commands.add_parser("city-account", help="create or change an account of the city's board")
    account.add_argument("action", choices=("create", "reset", "disable", "enable"))
    account.add_argument("--config", type=Path, default=Path("config/city.toml"))
    account.add_argument("--user", required=True, help="username (lower case, no accents)")
    account.add_argument("--name", default="", help="full name or office shown on the board")
    account.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from city.config import load_city_config

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
