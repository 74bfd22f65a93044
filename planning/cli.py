"""`xephang plan --config site.toml --db FILE --date YYYY-MM-DD`: the day's staffing plan, printed."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from xephang.config import load_config


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
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from exc


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not args.db.is_file():
        raise ValueError(f"plan: no database at {args.db}")
    if args.tickets is not None and not 1 <= args.tickets <= 100_000:
        raise ValueError("plan: --tickets must be between 1 and 100000")
    if not 1 <= args.budget <= 600:
        raise ValueError("plan: --budget must be between 1 and 600 seconds")
    from broker.store.db import Store
    from planning.center import plan_for
    from planning.report import plan_table

    store = Store(args.db)
    try:
        plan = plan_for(config, store, args.date, args.tickets, args.budget)
    finally:
        store.close()
    print(plan_table(plan, config))
    return 0
