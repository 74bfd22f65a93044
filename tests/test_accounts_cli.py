"""`xephang account …`: the technician creates the first admin; the password never on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from broker.accounts.registry import Accounts
from broker.store.db import Store


def xephang(*args: str, stdin: str = "",
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xephang.cli", "account", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_the_first_admin_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    made = xephang("create", "--db", db, "--user", "QuanTri", "--role", "admin", stdin="mat-khau-dai\n")
    assert made.returncode == 0, made.stderr
    assert xephang("create", "--db", db, "--user", "ngan", stdin="ngan\n").returncode == 2
    reset = xephang("reset", "--db", db, "--user", "quantri", env={"XEPHANG_PASSWORD": "mat-khau-moi"})
    assert reset.returncode == 0, reset.stderr
    store = Store(Path(db))
    try:
        accounts = Accounts(store)
        assert accounts.authenticate("quantri", "mat-khau-dai") is None
        admin = accounts.authenticate("quantri", "mat-khau-moi")
        assert admin is not None and admin.role == "admin"
    finally:
        store.close()
