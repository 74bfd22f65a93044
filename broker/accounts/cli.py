"""`xephang account create|reset|disable|enable --db … --user …`: the technician's way to make the
first admin account (and to rescue one). The password is read from XEPHANG_PASSWORD or standard
input (asked for without echo on a terminal), never from the command line, where `ps` would show it."""

from __future__ import annotations

import argparse
import sys

from broker.accounts.registry import AccountError, Accounts
from broker.store.db import Store
from xephang.signin import read_password


def run(args: argparse.Namespace) -> int:
    store = Store(args.db)
    accounts = Accounts(store)
    try:
        if args.action == "create":
            accounts.create(args.user, read_password(), args.role, name=args.name,
                            counters=tuple(args.counter),
                            by="(dòng lệnh)")
        elif args.action == "reset":
            accounts.reset_password(args.user, read_password(), by="(dòng lệnh)")
        else:
            accounts.set_active(args.user, args.action == "enable", by="(dòng lệnh)")
    except AccountError as exc:
        print(f"xephang: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"{args.action}: {args.user}")
    return 0
