"""The statistics against an independent recount: a day driven through the queue's own rules
(issue, call, serve, transfer to a line or a counter, sent for a paper and back, absent, a call
replaced at once and so withdrawn, ratings by staff accounts and a counter unit's buttons, tickets
with dossier codes), then recounted here
from the raw event log with the test's own plain code, and compared with the tables the
statistics page and its exports show — for the day while it is open, once the day is over (its
tickets still in line or at a counter ended with it) and closed, and again once retention has
reduced it to its anonymous figures. Every row must also add up by itself."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from broker.errors import Rejected
from broker.queue.manager import Desk
from broker.queue.tickets import Queue
from broker.reports import stats
from broker.reports import tables as reports
from broker.reports.nightly import run_nightly
from broker.reports.ticket_list import ticket_table
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, broker_runs, issue
from xephang.config import RetentionSection, SiteConfig

DAY = "2026-11-23"
SEED = 1  # any seed works; this one's day has every kind of flow at least twice
SERVICES = ("HT", "CT", "TKQ")
# Who works where: counters 1, 2, 5 from staff pages, counter 4 from the counter unit's buttons.
STAFF = {1: "canbo1", 2: "canbo2", 4: None, 5: "canbo3"}
NAMES = {"canbo1": "Nguyễn Văn An", "canbo2": "Trần Thị Bình", "canbo3": "Lê Văn Cường"}
STATE_AFTER = {"ticket_issued": "waiting", "ticket_offline": "waiting", "ticket_called": "at_counter",
               "ticket_transferred": "waiting", "ticket_returned": "waiting",
               "ticket_done": "done", "ticket_no_show": "no_show", "ticket_returning": "returning",
               "ticket_cancelled": "cancelled", "ticket_call_withdrawn": "waiting"}
ENDED = {"ticket_done": "done", "ticket_no_show": "no_show", "ticket_transferred": "transferred",
         "ticket_returning": "returning", "ticket_expired": "expired"}


@dataclass
class Recount:
    """The day recounted from the event log: per service, counter and official."""

    service: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    counter: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    official: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    dossiers: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, no., who, rating
    ends: dict[str, str] = field(default_factory=dict)  # ticket -> where it was when counted


@pytest.fixture
def day(config: SiteConfig, tmp_path: Path) -> Iterator[tuple[Store, FakeClock]]:
    clock = FakeClock(datetime(2026, 11, 23, 7, 30, tzinfo=config.site.zone))
    store = Store(tmp_path / "q.db", clock=clock)
    try:
        yield store, clock
    finally:
        store.close()


def drive_the_day(config: SiteConfig, store: Store, clock: FakeClock) -> None:
    queue, rng = Queue(config, store), random.Random(SEED)

    def arrive(n: int) -> None:  # a results ticket mostly comes with its dossier receipt
        service = rng.choice(SERVICES)
        issue(queue, service, dossier_code=f"000.00.12.H10-261123-{n:04d}"
              if service == "TKQ" and n % 3 else None)

    for n in range(30):
        arrive(n)
        clock.advance(seconds=rng.randint(5, 60))
    for step in range(260):
        if step % 4 == 0:
            arrive(100 + step)
        press(queue, store, rng, rng.choice(list(STAFF)))
        clock.advance(seconds=rng.randint(10, 240))
    # A call replaced at once, by the next call and by a typed number: withdrawn, back in line.
    for counter in (2, 5):
        act(queue, counter, "call_next", account=STAFF[counter])
    clock.advance(seconds=5)
    act(queue, 2, "call_next", account=STAFF[2])
    with store.snapshot() as tx:
        typed = tx.waiting()[-1].number
    act(queue, 5, "call", account=STAFF[5], number=typed)
    clock.advance(seconds=60)
    # The last citizen called at counter 1 is sent for a paper, and does not come back that day.
    act(queue, 1, "call_next", account=STAFF[1])
    Desk(queue).set_aside(1, STAFF[1])


def press(queue: Queue, store: Store, rng: random.Random, counter: int) -> None:
    """One thing a counter does, as the staff (or the unit's buttons) would, mistakes included:
    a refused command changes nothing."""
    who, roll, desk = STAFF[counter], rng.random(), Desk(queue)
    plain = [(0.30, "call_next"), (0.40, "serve"), (0.55, "done"), (0.62, "no_show")]
    action = next((name for limit, name in plain if roll < limit), None)
    if action is not None:
        act(queue, counter, action, account=who)
    elif roll < 0.70:
        act(queue, counter, "transfer", account=who, service=rng.choice(SERVICES))
    elif roll < 0.74:
        act(queue, counter, "transfer", account=who,
            counter=rng.choice([c for c in STAFF if c != counter]))
    elif roll < 0.80:
        act(queue, counter, "rate", account=who,
            rating=rng.choice(["very_satisfied", "satisfied", "unsatisfied"]))
    elif roll < 0.86:
        with contextlib.suppress(Rejected):  # no ticket at that counter: refused
            desk.set_aside(counter, who)
    elif roll < 0.92:
        with store.snapshot() as tx:
            away = tx.returning()
        if away:
            desk.came_back(counter, rng.choice(away).id, who)


def recount(db: Path) -> Recount:
    """The test's own count, from the raw rows: events in order, and the tickets' codes."""
    con = sqlite3.connect(db)
    try:
        events = con.execute("SELECT type, ticket, counter, json_extract(data, '$.service'),"
                             " json_extract(data, '$.from_service'),"
                             " json_extract(data, '$.account'), json_extract(data, '$.rating')"
                             " FROM events WHERE ticket IS NOT NULL ORDER BY seq").fetchall()
        codes = dict(con.execute("SELECT id, dossier_code FROM tickets WHERE dossier_code IS NOT"
                                 " NULL").fetchall())
        numbers = dict(con.execute("SELECT id, number FROM tickets").fetchall())
    finally:
        con.close()
    got = Recount()
    in_line: dict[str, str] = {}  # ticket -> the service line it waits in
    at_desk: dict[str, tuple[str, int, str]] = {}  # ticket -> (service, counter, official)
    last_official: dict[str, str] = {}
    for kind, ticket, counter, service, from_service, account, rating in events:
        got.ends[ticket] = STATE_AFTER.get(kind, got.ends.get(ticket, ""))
        if kind == "ticket_expired":  # the day ended: at a counter, in line, or away for a paper
            if ticket not in at_desk:
                if ticket in in_line:
                    got.service[in_line.pop(ticket)]["expired_in_line"] += 1
                    got.ends[ticket] = "expired_in_line"
                continue
            got.ends[ticket] = "expired"
        if kind in ("ticket_issued", "ticket_offline"):
            got.service[service]["issued"] += 1
            in_line[ticket] = service
        elif kind == "ticket_called":
            official = account or stats.BUTTON
            del in_line[ticket]
            at_desk[ticket] = (service, counter, official)
            last_official[ticket] = official
            got.counter[counter]["calls"] += 1
            got.official[official]["calls"] += 1
        elif kind == "ticket_call_withdrawn":  # no visit: back in its line, the call uncounted
            where, counter_of, official = at_desk.pop(ticket)
            in_line[ticket] = where
            got.counter[counter_of]["calls"] -= 1
            got.official[official]["calls"] -= 1
            got.service[where]["withdrawn"] += 1
        elif kind in ENDED:
            where, counter_of, official = at_desk.pop(ticket)
            got.service[from_service or where][ENDED[kind]] += 1
            got.counter[counter_of][ENDED[kind]] += 1
            got.official[official][ENDED[kind]] += 1
        if kind in ("ticket_transferred", "ticket_returned"):
            got.service[service]["transferred_in" if kind == "ticket_transferred"
                                 else "returned"] += 1
            in_line[ticket] = service
        if kind == "ticket_cancelled":
            got.service[in_line.pop(ticket)]["cancelled"] += 1
        if kind == "ticket_rated":
            got.service[service][rating] += 1
            got.official[last_official[ticket]][rating] += 1
            if ticket in codes:
                got.dossiers.append((codes[ticket], numbers[ticket],
                                     NAMES.get(last_official[ticket], last_official[ticket]),
                                     rating))
    for service in in_line.values():
        got.service[service]["waiting"] += 1
    for service, counter, official in at_desk.values():
        got.service[service]["at_counter"] += 1
        got.counter[counter]["at_counter"] += 1
        got.official[official]["at_counter"] += 1
    return got


# The statistics' headings and the recount's words for them.
ENTRIES = {"Số phát": "issued", "Được chuyển đến": "transferred_in",
           "Quay lại sau bổ sung giấy tờ": "returned"}
EXITS = {"Đã phục vụ": "done", "Vắng mặt": "no_show", "Chuyển đi": "transferred",
         "Đi bổ sung giấy tờ": "returning", "Hết giờ, còn ở quầy": "expired",
         "Đang ở quầy": "at_counter"}
UNCALLED = {"Chưa được gọi": "waiting", "Hết giờ, chưa được gọi": "expired_in_line",
            "Đã hủy": "cancelled"}
RATED = {"Rất hài lòng": "very_satisfied", "Hài lòng": "satisfied",
         "Không hài lòng": "unsatisfied"}


def shown(config: SiteConfig, store: Store) -> dict[str, list[dict[str, object]]]:
    """The tables as the statistics page and its downloads show them, by title."""
    result = stats.for_days(store, config.site.zone, DAY, DAY)
    with store.reading() as tx:
        dossiers = tx.rated_dossiers(DAY, DAY)
    return {t.title: [dict(zip(t.header, row, strict=True)) for row in t.rows]
            for t in reports.tables(result, config, NAMES, dossiers)}


def assert_rows_add_up(tables: dict[str, list[dict[str, object]]]) -> None:
    for row in tables["Dịch vụ"]:
        entered = sum(int(row[h]) for h in ENTRIES)  # type: ignore[call-overload]
        assert row["Tổng vào hàng"] == entered == sum(
            int(row[h]) for h in [*EXITS, *UNCALLED]), row  # type: ignore[call-overload]
    for title in ("Quầy", "Cán bộ"):
        for row in tables[title]:
            assert row["Lượt gọi"] == sum(int(row[h]) for h in EXITS), row  # type: ignore[call-overload]


def assert_matches(tables: dict[str, list[dict[str, object]]], got: Recount,
                   config: SiteConfig) -> None:
    words = {**ENTRIES, **EXITS, **UNCALLED, **RATED}
    services = {row["Mã"]: row for row in tables["Dịch vụ"]}
    for code in SERVICES:
        assert {h: services[code][h] for h in words} == {
            h: got.service[code][w] for h, w in words.items()}, code
    total = next(row for row in tables["Dịch vụ"] if row["Dịch vụ"] == "Tổng cộng")
    assert {h: total[h] for h in words} == {
        h: sum(c[w] for c in got.service.values()) for h, w in words.items()}
    counters = {row["Quầy"]: row for row in tables["Quầy"]}
    for counter in STAFF:
        label = config.counter(counter).label  # type: ignore[union-attr]
        assert {h: counters[label][h] for h in ["Lượt gọi", *EXITS]} == {
            "Lượt gọi": got.counter[counter]["calls"],
            **{h: got.counter[counter][w] for h, w in EXITS.items()}}
    staff = {row["Tài khoản"]: row for row in tables["Cán bộ"]}
    assert set(staff) == set(got.official)
    for official, counts in got.official.items():
        assert staff[official]["Cán bộ"] == NAMES.get(official, official)
        assert {h: staff[official][h] for h in ["Lượt gọi", *EXITS, *RATED]} == {
            "Lượt gọi": counts["calls"], **{h: counts[w] for h, w in {**EXITS, **RATED}.items()}}


def test_the_statistics_match_a_recount_of_the_day_live_and_after_retention(
        config: SiteConfig, day: tuple[Store, FakeClock], tmp_path: Path) -> None:
    store, clock = day
    drive_the_day(config, store, clock)
    got = recount(tmp_path / "q.db")
    every = Counter[str]()
    for counts in got.service.values():
        every.update(counts)
    # The day exercised what the rows must balance: transfers, returns, absences, ratings, codes.
    assert min(every[w] for w in ("transferred_in", "returned", "no_show", "returning", "done",
                                  "very_satisfied", "waiting", "withdrawn")) >= 2, every
    assert got.dossiers and len(got.official) == 4

    live = shown(config, store)
    assert_rows_add_up(live)
    assert_matches(live, got, config)
    rated: dict[str, str] = dict(zip(RATED.values(), RATED, strict=True))
    assert sorted((r["Mã hồ sơ"], r["Số"], r["Cán bộ"], r["Đánh giá"])
                  for r in live["Đánh giá theo hồ sơ"]) == sorted(
        (code, n, who, rated[rating]) for code, n, who, rating in got.dossiers)

    # The day is over: what was still in line, away for a paper or at a counter ended with it,
    # counted in its own day; the closed day's rows still add up, now without anyone waiting.
    broker_runs(store, config, clock, days=1)
    assert run_nightly(store, config, clock()).closed == [DAY]
    ended = recount(tmp_path / "q.db")
    assert Counter(got.ends.values())["returning"] >= 1  # one away for a paper ended too
    for code in SERVICES:
        before, after = got.service[code], ended.service[code]
        assert (after["waiting"], after["at_counter"]) == (0, 0)
        assert (after["expired_in_line"], after["expired"]) == (before["waiting"],
                                                                before["at_counter"]) != (0, 0)
    closed = shown(config, store)
    assert_rows_add_up(closed)
    assert_matches(closed, ended, config)

    # A week and a half later, with five days of retention: the day is its figures alone.
    broker_runs(store, config, clock, days=9)
    kept = config.model_copy(update={"retention": RetentionSection(days=5)})
    assert DAY in run_nightly(store, kept, clock()).reduced
    with store.snapshot() as tx:
        assert tx.issued_between(DAY, DAY) == []
    reduced = shown(config, store)
    assert_rows_add_up(reduced)
    assert_matches(reduced, ended, config)
    assert reduced["Đánh giá theo hồ sơ"] == []  # dossier codes went with the tickets
    assert {k: v for k, v in reduced.items() if k != "Đánh giá theo hồ sơ"} == {
        k: v for k, v in closed.items() if k != "Đánh giá theo hồ sơ"}


@pytest.mark.parametrize("day_over", [False, True], ids=["open", "over"])
def test_the_ticket_list_tells_each_tickets_end_as_the_statistics_count_it(
        config: SiteConfig, day: tuple[Store, FakeClock], tmp_path: Path, day_over: bool) -> None:
    store, clock = day
    drive_the_day(config, store, clock)
    if day_over:  # the next morning's first call ends what the day left
        clock.advance(hours=15)
        act(Queue(config, store), 2, "call_next", account=STAFF[2])
    got = recount(tmp_path / "q.db")
    with store.reading() as tx:
        table = ticket_table(tx.issued_between(DAY, DAY), tx.ticket_events_between(DAY, DAY),
                             config, NAMES)
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    ends = Counter(str(r["Kết quả"]) for r in rows)
    final = Counter(got.ends.values())
    assert ends == {h: final[w] for h, w in {**EXITS, **UNCALLED}.items() if final[w]}
    assert ("Chưa được gọi" in ends) != day_over and ("Hết giờ, chưa được gọi" in ends) == day_over
    assert sum(int(r["Số lần gọi"]) for r in rows) == sum(  # type: ignore[call-overload]
        c["calls"] for c in got.counter.values())
    assert Counter(r["Đánh giá"] for r in rows if r["Đánh giá"]) == Counter(
        {h: sum(c[w] for c in got.service.values()) for h, w in RATED.items()})
    assert {r["Cán bộ"] for r in rows if r["Cán bộ"]} <= {*NAMES.values(), stats.BUTTON}


def test_an_older_database_opens_and_its_kept_days_gain_the_new_figures(
        config: SiteConfig, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    clock = FakeClock(datetime(2026, 11, 23, 7, 30, tzinfo=config.site.zone))
    store = Store(db, clock=clock)
    drive_the_day(config, store, clock)
    broker_runs(store, config, clock, days=1)
    assert run_nightly(store, config, clock()).closed == [DAY]
    closed = shown(config, store)
    store.close()
    with sqlite3.connect(db) as con:  # the day as a broker before flows and officials closed it
        con.executescript("DROP TABLE day_flows; ALTER TABLE day_ratings DROP COLUMN account;"
                          " ALTER TABLE days_closed DROP COLUMN version;")
    con.close()
    store = Store(db, clock=clock)
    try:
        assert stats.for_days(store, config.site.zone, DAY, DAY).without_flows == [DAY]
        assert run_nightly(store, config, clock()).closed == [DAY]  # written again: still kept
        assert stats.for_days(store, config.site.zone, DAY, DAY).without_flows == []
        assert shown(config, store) == closed
    finally:
        store.close()
