"""`xephang plan --config site.toml --db FILE --date YYYY-MM-DD`: the day's staffing plan, printed."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from planning.dates import closed_day_note, past_note, refusal
from xephang.config import SiteConfig, load_config


def add_parser(commands: Any) -> None:
    plan = commands.add_parser(
        "plan", help="the staffing plan for a day: which services each counter serves in each part "
        "of the day, against today's assignment")
    plan.add_argument("--config", type=Path, default=Path("config/site.toml"))
    plan.add_argument("--db", type=Path, required=True, help="the broker's SQLite file (its history)")
    plan.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD")
    plan.add_argument("--tickets", type=int, help="the day's expected tickets (default: the mean of "
                      "the same weekday in recent weeks, else 1000)")
    plan.add_argument("--budget", type=float, default=15.0, metavar="SECONDS",
                      help="how long the search may take")
    plan.set_defaults(run=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} không phải ngày dạng năm-tháng-ngày (YYYY-MM-DD), ví dụ 2026-12-07") from exc


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    _check(args, config)
    from broker.store.db import Store
    from planning.center import plan_for
    from planning.report import plan_table

    try:
        store = Store(args.db)
        try:
            plan = plan_for(config, store, args.date, args.tickets, args.budget)
        finally:
            store.close()
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"plan: --db {args.db}: tệp này không phải cơ sở dữ liệu của "
                         f"trạm xếp hàng") from exc
    notes = [note for note in (past_note(args.date, _today(config)), closed_day_note(args.date))
             if note]
    print("\n".join([*notes, plan_table(plan, config)]))
    return 0


def _check(args: argparse.Namespace, config: SiteConfig) -> None:
    """The options' values, refused in the plan's language, naming the option."""
    if not args.db.is_file():
        raise ValueError(f"plan: --db {args.db}: không có tệp cơ sở dữ liệu này")
    if args.tickets is not None and not 1 <= args.tickets <= 100_000:
        raise ValueError("plan: --tickets phải là số lượt từ 1 đến 100000")
    if not 1 <= args.budget <= 600:
        raise ValueError("plan: --budget phải từ 1 đến 600 giây")
    refused = refusal(args.date, _today(config))
    if refused:
        raise ValueError(f"plan: --date {args.date.isoformat()}: {refused}")


def _today(config: SiteConfig) -> date:
    return datetime.now(UTC).astimezone(config.site.zone).date()
