"""Day 365 as fast as day 1: the queue's cost against history and line length, statistics over a
year, a counter command during a year's export, and 20 kiosks' durable throughput.

    .venv/bin/python bench/history.py [--days 365] [--tickets 1200] [--samples 100]

Real processes: a private mosquitto and `xephang broker` (its own process, on a copy of a database
holding 1 or `--days` days of simulated history, ending yesterday, written by `xephang simulate
--days`). A round trip is an MQTT request (kiosk ticket request, counter `call_next`) to its reply;
the waiting line is filled through the store before the broker starts and kept at its length by
alternating issue and call_next. Statistics and the Excel export are timed over HTTP as a signed-in
manager. Ratios are from this one run. Databases are cached under --cache (keyed by today's date).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broker.accounts.registry import Accounts  # noqa: E402
from broker.reports.nightly import close_days, run_nightly  # noqa: E402
from broker.store.db import NewTicket, Store  # noqa: E402
from harness.site_file import ANY_HOUR_SITE  # noqa: E402
from simulation.history import write_history  # noqa: E402
from simulation.run import simulate_day  # noqa: E402
from xephang.config import RetentionSection, SiteConfig, load_config  # noqa: E402
from xephang.launch import mqtt_options  # noqa: E402
from xephang.mosquitto import Mosquitto, free_port  # noqa: E402
from xephang.mqtt import MqttLink  # noqa: E402
from xephang.mqtt_access import MqttAccess  # noqa: E402
from xephang.protocol import (  # noqa: E402
    BROKER_ID,
    CounterCommand,
    TicketRequest,
    Topics,
    ticket_number,
)

SITE = ANY_HOUR_SITE  # config/site.toml, issuing at any hour
MANAGER, PASSWORD = "quanly-bench", "mat-khau-bench"
TIMEOUT_S = 120.0


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q * 100) - 1]


def figures(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.1f} ms, p99 {pct(samples, 0.99):.1f} ms"


# -- databases ---------------------------------------------------------------------------------
def history_db(config: SiteConfig, cache: Path, days: int, tickets: int) -> Path:
    today = datetime.now(config.site.zone).date()
    path = cache / f"history-{today}-{days}d-{tickets}.db"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        for old in cache.glob(partial.name + "*"):
            old.unlink()
        store = Store(partial)
        written = write_history(config, store, days, tickets, seed=1, today=today)
        store.close()
        partial.rename(path)
        print(f"wrote {days} days ({written.days} working days, {written.tickets} tickets, "
              f"{written.events} events) in {time.perf_counter() - started:.1f} s: "
              f"{path.stat().st_size / 1e6:.0f} MB", flush=True)
    steady_state(config, path)
    return path


def last_working_day(config: SiteConfig) -> int:
    """How many days back the last working day is: the "1 day" database holds that one day."""
    today, back = datetime.now(config.site.zone).date(), 1
    while (today - timedelta(days=back)).weekday() >= 5:
        back += 1
    return back


def steady_state(config: SiteConfig, path: Path) -> None:
    """As a broker running every night leaves it: past days closed (their figures written), and
    a file made by an older version turned to incremental vacuum."""
    store = Store(path)
    try:
        closed = close_days(store, config, datetime.now(config.site.zone).date().isoformat())
    finally:
        store.close()
    if closed:
        print(f"closed {len(closed)} days of {path.name}", flush=True)
    with sqlite3.connect(path) as db:
        if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            db.execute("VACUUM")


def size_with_retention(config: SiteConfig, source: Path, folder: Path) -> None:
    """The database after a year of history once the nightly job has applied 90 days."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "retained.db"
    shutil.copyfile(source, db)
    store = Store(db)
    started = time.perf_counter()
    year = RetentionSection(days=90)
    result = run_nightly(store, config.model_copy(update={"retention": year}), datetime.now(UTC))
    store.close()
    print(f"retention 90 days: reduced {len(result.reduced)} days in "
          f"{time.perf_counter() - started:.1f} s; database {source.stat().st_size / 1e6:.0f} MB "
          f"-> {db.stat().st_size / 1e6:.0f} MB", flush=True)


BENCH_KIOSKS = ("kiosk-bench", *(f"kiosk-b{n}" for n in range(20)))


def bench_config(folder: Path) -> Path:
    """The site file with retention longer than the history: the queue and the statistics are
    measured with every ticket of the year still in the tables (the hardest case). The bench's
    kiosks are added to it: the broker serves only kiosks it knows."""
    text = SITE.read_text(encoding="utf-8") + "".join(
        f'\n[[kiosks]]\nid = "{kiosk}"\n' for kiosk in BENCH_KIOSKS)
    path = folder / "site.toml"
    path.write_text(re.sub(r"(?ms)^(\[retention\].*?^days = )\d+", r"\g<1>400", text),
                    encoding="utf-8")
    assert "days = 400" in path.read_text(encoding="utf-8")
    return path


def prepared_copy(source: Path, folder: Path, config: SiteConfig, waiting: int) -> Path:
    """A copy of `source` with a manager account and `waiting` tickets waiting today."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "q.db"
    shutil.copyfile(source, db)
    store = Store(db)
    try:
        Accounts(store).create(MANAGER, PASSWORD, "manager", by="(bench)")
        fill_line(store, config, waiting)
    finally:
        store.close()
    return db


def fill_line(store: Store, config: SiteConfig, waiting: int) -> None:
    """`waiting` tickets issued in the last minutes, spread over the services in turn."""
    with store.transaction() as tx:
        day = tx.now.astimezone(config.site.zone).date().isoformat()
        for index in range(waiting):
            service = config.services[index % len(config.services)]
            seq = tx.allocate_seq(day, service.code, service.start)
            ticket_id, number = uuid.uuid4().hex, ticket_number(service.prefix, seq)
            tx.insert_ticket(NewTicket(
                id=ticket_id, request_id=uuid.uuid4().hex, day=day, service=service.code, seq=seq,
                number=number, priority="none", source="button",
                issued_at=tx.now - timedelta(seconds=waiting - index), kiosk="kiosk-1"))
            tx.append_event("ticket_issued", ticket=ticket_id, number=number, service=service.code,
                            priority="none", source="button", kiosk="kiosk-1", ahead=0, eta_s=0)


def broker_command(site: Path, db: Path, mqtt: MqttAccess, port: int) -> list[str]:
    """`xephang broker` logged in as the broker (TCP_NODELAY is the product's own now, on every
    paho socket and in Mosquitto's config, so the bench's --nodelay comparison is gone)."""
    return [sys.executable, "-m", "xephang.cli", "broker", "--config", str(site), "--db", str(db),
            *mqtt_options(mqtt), "--http", f"127.0.0.1:{port}"]


# -- the broker and its clients ----------------------------------------------------------------
@dataclass
class Broker:
    process: subprocess.Popen[bytes]
    http: str
    db: Path


@contextmanager
def running_broker(db: Path, mqtt: MqttAccess, site: Path) -> Iterator[Broker]:
    port = free_port()
    log = (db.parent / "broker.log").open("wb")
    process = subprocess.Popen(broker_command(site, db, mqtt, port), cwd=ROOT, stdout=log,
                               stderr=log)
    broker = Broker(process, f"http://127.0.0.1:{port}", db)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not _answers(broker.http + "/login"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the broker did not start; see {db.parent / 'broker.log'}")
            time.sleep(0.1)
        yield broker
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:  # still working through a backlog
            process.kill()
            process.wait()
        log.close()


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """A process's live child processes (the broker's report workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).read()
        return True
    except OSError:
        return False


class Client:
    """Kiosk requests and counter commands over MQTT, each waiting for its own reply."""

    def __init__(self, mosquitto: Mosquitto, config: SiteConfig, kiosk: str = "kiosk-bench") -> None:
        self.topics, self.kiosk = Topics(config.site.id), kiosk
        self.services = [s.code for s in config.services]
        # For each service, the counters that serve it first: their call_next takes that line.
        self.counters = {code: [c.id for c in config.counters if c.services[0] == code]
                         or [c.id for c in config.counters if code in c.services]
                         for code in self.services}
        self._turn = 0
        # Kiosk and counter at once: a user of the bench's own with the broker's rights.
        self.link = MqttLink(mosquitto.access(f"bench-{kiosk}"), persistent=False)
        self._waiting: dict[str, tuple[threading.Event, list[dict[str, object]]]] = {}
        self._lock = threading.Lock()
        self.link.subscribe(self.topics.kiosk_reply(kiosk), self._on_reply)
        self.link.subscribe(self.topics.counter_reply("+"), self._on_reply)
        self.link.start()
        assert self.link.wait_connected(10)
        time.sleep(0.2)  # subscriptions are made in the on-connect callback

    def _on_reply(self, topic: str, payload: bytes) -> None:
        reply = json.loads(payload)
        key = str(reply.get("request_id") or reply.get("command_id"))
        with self._lock:
            entry = self._waiting.pop(key, None)
        if entry is not None:
            entry[1].append(reply)
            entry[0].set()

    def _ask(self, key: str, topic: str, payload: bytes) -> dict[str, object]:
        done: threading.Event = threading.Event()
        box: list[dict[str, object]] = []
        with self._lock:
            self._waiting[key] = (done, box)
        self.link.publish(topic, payload)
        if not done.wait(TIMEOUT_S):
            raise SystemExit(f"no reply on {topic} within {TIMEOUT_S} s")
        return box[0]

    def issue(self, service: str | None = None) -> dict[str, object]:
        """A ticket for `service`, or for the next service in turn."""
        if service is None:
            service, self._turn = self.services[self._turn % len(self.services)], self._turn + 1
        request = TicketRequest(request_id=uuid.uuid4(), service=service)
        reply = self._ask(str(request.request_id), self.topics.kiosk_request(self.kiosk),
                          request.encode())
        if not reply.get("ok"):
            raise SystemExit(f"the broker refused a ticket: {reply}")
        return reply

    def call_next(self, counter: int) -> dict[str, object]:
        command = CounterCommand(command_id=uuid.uuid4(), action="call_next")
        return self._ask(str(command.command_id), self.topics.counter_command(counter),
                         command.encode())

    def stop(self) -> None:
        self.link.stop()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def round_trips(client: Client, samples: int, budget_s: float) -> tuple[list[float], list[float]]:
    """Alternate issue and call_next at a counter serving that service, so the line keeps its
    length and every call finds a ticket."""
    issue, call = [], []
    deadline = time.monotonic() + budget_s
    for index in range(samples):
        service = client.services[index % len(client.services)]
        counters = client.counters[service]
        issue.append(timed(partial(client.issue, service)))
        call.append(timed(partial(client.call_next, counters[index % len(counters)])))
        if index >= 4 and time.monotonic() > deadline:
            break
    return issue, call


class Manager:
    """A signed-in manager's browser, as far as the statistics pages need."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.get("/login").decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        form = urlencode({"csrf_token": token[1], "username": MANAGER, "password": PASSWORD})
        self.opener.open(urllib.request.Request(base + "/login", data=form.encode(), method="POST"),
                         timeout=TIMEOUT_S).read()

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=600) as response:
            body: bytes = response.read()
            return body

    def timed_get(self, path: str) -> float:
        started = time.perf_counter()
        body = self.get(path)
        assert len(body) > 200, body[:200]
        return (time.perf_counter() - started) * 1000


# -- the measurements --------------------------------------------------------------------------
@dataclass
class Setup:
    config: SiteConfig
    site: Path  # the site file the broker runs with
    mosquitto: Mosquitto
    work: Path
    samples: int
    budget_s: float


def queue_costs(setup: Setup, label: str, source: Path, waiting: int) -> dict[str, list[float]]:
    db = prepared_copy(source, setup.work / f"{label}-{waiting}", setup.config, waiting)
    with running_broker(db, setup.mosquitto.access(BROKER_ID), setup.site) as broker:
        client = Client(setup.mosquitto, setup.config)
        try:
            round_trips(client, 2, 60)  # warm up
            before = cpu_s(broker.process.pid)
            issue, call = round_trips(client, setup.samples, setup.budget_s)
            per_op = (cpu_s(broker.process.pid) - before) * 1000 / (2 * len(issue))
        finally:
            client.stop()
    print(f"{label}, {waiting} waiting: issue {figures(issue)}; call_next {figures(call)} "
          f"({len(issue)} each); broker CPU {per_op:.1f} ms per operation", flush=True)
    return {"issue": issue, "call_next": call}


def statistics_and_export(setup: Setup, source: Path, history_days: int) -> None:
    db = prepared_copy(source, setup.work / "stats", setup.config, 10)
    today = datetime.now(setup.config.site.zone).date()
    year = f"from={today - timedelta(days=history_days)}&to={today}"
    with running_broker(db, setup.mosquitto.access(BROKER_ID), setup.site) as broker:
        manager = Manager(broker.http)
        client = Client(setup.mosquitto, setup.config)
        try:
            round_trips(client, 6, 60)  # a little of today, then the pages
            pid = broker.process.pid
            print(f"broker RSS before any report: {rss_mb(pid):.0f} MB", flush=True)
            for name, path in (("statistics page, today", "/admin/stats"),
                               (f"statistics page, {history_days} days", "/admin/stats?" + year),
                               (f"Excel export, {history_days} days", "/admin/stats.xlsx?" + year),
                               (f"Excel export again, {history_days} days",
                                "/admin/stats.xlsx?" + year)):
                cpu, workers = cpu_s(pid), {w: cpu_s(w) for w in children(pid)}
                took = manager.timed_get(path) / 1000
                worker_cpu = sum(cpu_s(w) - workers.get(w, 0.0) for w in children(pid))
                print(f"{name}: {took:.2f} s ({cpu_s(pid) - cpu:.2f} s of the broker's CPU, "
                      f"{worker_cpu:.2f} s of report workers') (target <= 3 s)", flush=True)
            print(f"broker RSS {rss_mb(pid):.0f} MB; report workers' RSS "
                  f"{[round(rss_mb(w)) for w in children(pid)]} MB", flush=True)
            service = client.services[0]
            counter = client.counters[service][0]

            def call() -> float:
                """A ticket for the counter's line (untimed), then its call_next (timed): every
                call finds someone, idle or busy alike."""
                client.issue(service)
                return timed(partial(client.call_next, counter))

            idle = [call() for _ in range(30)]
            busy = during(lambda: manager.get("/admin/stats.xlsx?" + year), call)
        finally:
            client.stop()
    print(f"call_next idle: {figures(idle)}", flush=True)
    if busy:
        print(f"call_next during a {history_days}-day export: {figures(busy)}, max "
              f"{max(busy):.0f} ms; median {statistics.median(busy) / statistics.median(idle):.2f}x "
              f"idle (target <= 1.5x)", flush=True)


def during(background: Callable[[], object], command: Callable[[], float]) -> list[float]:
    """Commands (each returning its own timing), one after another, for as long as one
    `background` call runs."""
    finished = threading.Event()

    def run() -> None:
        background()
        finished.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    samples = []
    while not finished.is_set():
        samples.append(command())
    thread.join()
    return samples[:-1] if len(samples) > 2 else samples


def kiosk_throughput(setup: Setup, source: Path, kiosks: int = 20, total: int = 1000) -> None:
    """`kiosks` kiosks, each sending its next request when its reply arrives, until `total` wait
    (or the time budget is spent)."""
    db = prepared_copy(source, setup.work / "kiosks", setup.config, 0)
    with running_broker(db, setup.mosquitto.access(BROKER_ID), setup.site):
        clients = [Client(setup.mosquitto, setup.config, f"kiosk-b{n}")
                   for n in range(kiosks)]
        stamps: list[float] = []
        numbers: list[tuple[str, str]] = []
        lock = threading.Lock()

        deadline = time.monotonic() + setup.budget_s * 2

        def run(client: Client) -> None:
            while True:
                reply = client.issue()
                with lock:
                    if len(stamps) >= total or time.monotonic() > deadline:
                        return
                    stamps.append(time.perf_counter())
                    ticket = reply["ticket"]
                    assert isinstance(ticket, dict)
                    numbers.append((str(ticket["service"]), str(ticket["number"])))

        started = time.perf_counter()
        threads = [threading.Thread(target=run, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for client in clients:
            client.stop()
    windows = [100 / (stamps[i + 99] - (stamps[i - 1] if i else started))
               for i in range(0, len(stamps) - 99, 100)]
    duplicates = len(numbers) - len(set(numbers))
    print(f"{kiosks} kiosks, durable tickets/s per 100 as the line grows to {len(stamps)}: "
          + ", ".join(f"{w:.0f}" for w in windows)
          + f"; duplicates {duplicates} (target >= 200/s flat, 0)", flush=True)


def ratio(label: str, slow: list[float], fast: list[float], target: float) -> None:
    value = statistics.median(slow) / statistics.median(fast)
    print(f"  {label}: {value:.2f}x (target <= {target}x)", flush=True)


def simulator_speed(config: SiteConfig) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    simulate_day(config, "ours", 12000, seed=1)
    print(f"simulate 12,000 tickets: {time.perf_counter() - started:.2f} s "
          f"({time.process_time() - cpu:.2f} s CPU) (target <= 3 s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tickets", type=int, default=1200, help="tickets per working day")
    parser.add_argument("--samples", type=int, default=100, help="round trips per case")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds at most per case")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "xephang-bench")
    parser.add_argument("--skip", nargs="*", default=[], choices=["size", "queue", "stats", "kiosks"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # not the clients' connects and disconnects
    config = load_config(SITE)
    simulator_speed(config)
    args.cache.mkdir(parents=True, exist_ok=True)
    small = history_db(config, args.cache, last_working_day(config), args.tickets)
    year = history_db(config, args.cache, args.days, args.tickets)
    with tempfile.TemporaryDirectory() as tmp:
        site = bench_config(Path(tmp))
        if "size" not in args.skip:
            size_with_retention(config, year, Path(tmp) / "retention")
        mosquitto = Mosquitto(Path(tmp) / "mosquitto", load_config(site),
                              observers=tuple(f"bench-{k}" for k in BENCH_KIOSKS)).start()
        setup = Setup(config, site, mosquitto, Path(tmp), args.samples, args.budget)
        try:
            if "queue" not in args.skip:
                measure_queue(setup, small, year, args.days)
            if "stats" not in args.skip:
                statistics_and_export(setup, year, args.days)
            if "kiosks" not in args.skip:
                kiosk_throughput(setup, year)
        finally:
            mosquitto.stop()


def measure_queue(setup: Setup, small: Path, year: Path, days: int) -> None:
    costs = {(label, waiting): queue_costs(setup, label, source, waiting)
             for label, source in (("1 day", small), (f"{days} days", year))
             for waiting in (10, 1000)}
    for op in ("issue", "call_next"):
        ratio(f"{op}, {days} days / 1 day (10 waiting)", costs[(f"{days} days", 10)][op],
              costs[("1 day", 10)][op], 1.2)
        ratio(f"{op}, 1,000 waiting / 10 waiting (1 day)", costs[("1 day", 1000)][op],
              costs[("1 day", 10)][op], 1.5)


if __name__ == "__main__":
    main()
