"""A PostgreSQL cluster of its own (Debian's PostgreSQL 15) for the tests, the benchmarks and
`xephang demo --city`: `initdb` in a temporary folder, a unix socket in that folder, no TCP; stopped
and removed by `stop()`.

PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user (the Debian
package's) and every server command runs through `runuser -u postgres`.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from city.database import apply_schema

PG_BIN = Path("/usr/lib/postgresql/15/bin")
INSTALL_HINT = "PostgreSQL 15 is not installed: run `make test` as root, or `apt-get install postgresql`"
SERVER_USER = "postgres"
TEMPLATE = "city_template"


class PostgresCluster:
    """`start()` makes and starts the cluster; `new_database()` gives a DSN of a fresh database with
    the city schema; `stop()` stops the server and removes everything."""

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable  # False: fsync off, for tests that never crash the machine
        self.folder = Path(tempfile.mkdtemp(prefix="xephang-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self._names = itertools.count(1)
        self._running = False

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.folder} port=5432 user={SERVER_USER} dbname={dbname}"

    def start(self) -> PostgresCluster:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(INSTALL_HINT)
        self._hand_over(self.folder)
        self._run("initdb", "-D", str(self.data), "-U", SERVER_USER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
        options = f"-k {self.folder} -c listen_addresses='' -c max_connections=50"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")
        self._running = True
        atexit.register(self.stop)
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        with psycopg.connect(self.dsn(TEMPLATE)) as connection:
            apply_schema(connection)
        return self

    def new_database(self) -> str:
        """A new, empty database with the city schema applied; its DSN."""
        name = f"city_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE)))
        return self.dsn(name)

    def stop(self) -> None:
        if self._running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self._running = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr}{log}")

    @staticmethod
    def _hand_over(folder: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(folder, user.pw_uid, user.pw_gid)
