"""Shared by the staff and manager browser tests: a broker with one account per role, signing in."""

from __future__ import annotations

import json
from typing import Any

from argon2 import PasswordHasher

from broker.accounts.registry import Accounts
from broker.role import BrokerRole

PASSWORD = "mat-khau-thu-nghiem"
ACCOUNTS = {"canbo5": ("staff", 5), "quanly": ("manager", None), "quantri": ("admin", None)}
LAPTOP = {"width": 1366, "height": 768}
# The fixture accounts' hashes are argon2id at the lowest cost: signing in checks them the same way
# (the cost is read from the hash), in a millisecond instead of seconds on a loaded test machine.
# Accounts made through the pages and `xephang account` keep the product's cost.
FIXTURE_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def add_accounts(role: BrokerRole) -> None:
    """One account per role in a running broker's database (`ACCOUNTS`, all with `PASSWORD`)."""
    accounts = Accounts(role.store, FIXTURE_HASHER)
    for username, (role_name, counter) in ACCOUNTS.items():
        accounts.create(username, PASSWORD, role_name, counter=counter, by="(test)")


def sign_in(browser: Any, url: str, username: str, password: str = PASSWORD,
            viewport: dict[str, int] | None = None) -> Any:
    """A fresh browser context (its own cookies) signed in; returns the page it landed on."""
    context = browser.new_context(viewport=viewport or LAPTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(url + "/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    return page


def events(role: BrokerRole, type_: str) -> list[dict[str, Any]]:
    with role.store.snapshot() as tx:
        rows = tx.execute("SELECT * FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    return [{"ticket": r["ticket"], "counter": r["counter"], **json.loads(r["data"])} for r in rows]


def ticket_row(role: BrokerRole, number: str) -> dict[str, Any]:
    with role.store.snapshot() as tx:
        row = tx.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
    assert row is not None, f"no ticket {number}"
    return dict(row)
