"""Statistics against a day replayed through the real broker (real mosquitto, MQTT requests and
commands, the staff API over HTTP, an injected clock); the right answers are computed here, from what
the test itself did and the broker's replies, never from the broker's tables."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy
import pytest

from broker.reports import stats
from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession, staff_session
from tests.support.broker import ask_ticket, command, wait_ready
from tests.support.fake_clock import FakeClock
from tests.support.reports import by_header, number, zip_tables
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import RATINGS, Topics

DAY = "2026-11-23"
SERVICES = ("HT", "CT")


@dataclass
class Truth:
    """What happened, as the test saw it."""

    issued: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # id -> (service, at)
    offline: Counter[str] = field(default_factory=Counter)
    service_of: dict[str, str] = field(default_factory=dict)
    joined: dict[str, datetime] = field(default_factory=dict)
    waits: list[tuple[str, int, str, datetime, float]] = field(default_factory=list)
    services: list[tuple[str, int, str, float]] = field(default_factory=list)
    served: Counter[str] = field(default_factory=Counter)
    no_show: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)
    current: dict[int, tuple[str, datetime]] = field(default_factory=dict)


@pytest.fixture
def day(config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path,
        probe: Probe) -> Iterator[tuple[BrokerRole, FakeClock, WebSession, WebSession]]:
    clock = FakeClock(datetime(2026, 11, 23, 7, 45, tzinfo=config.site.zone))
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=tmp_path / "q.db",
                      http=("127.0.0.1", 0), clock=clock)
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        assert role.http_url
        staff = staff_session(role.http_url, tmp_path / "q.db", "canbo1", counters=(1,))
        manager = staff_session(role.http_url, tmp_path / "q.db", "quanly", role="manager")
        yield role, clock, staff, manager
    finally:
        role.stop()


class Replay:
    def __init__(self, probe: Probe, topics: Topics, clock: FakeClock, staff: WebSession) -> None:
        self.probe, self.topics, self.clock, self.staff = probe, topics, clock, staff
        self.truth = Truth()
        self.accounts = {1: "canbo1", 2: stats.BUTTON}

    def press(self, counter: int, action: str, **args: Any) -> dict[str, Any]:
        """Counter 1 works from the staff page (HTTP, signed in); counter 2 from its buttons (MQTT)."""
        if counter == 1:
            body = {"command_id": str(uuid.uuid4()), "action": action, "args": args}
            reply: dict[str, Any] = self.staff.post_json("/api/counter/1/command", body)[1]
            return reply
        return command(self.probe, self.topics, counter, action, **args)

    def issue(self, service: str) -> None:
        ticket = ask_ticket(self.probe, self.topics, service)["ticket"]
        self.truth.issued[ticket["id"]] = (service, self.clock.now)
        self.truth.service_of[ticket["id"]] = service
        self.truth.joined[ticket["id"]] = self.clock.now

    def offline(self, number: str) -> None:
        body = {"v": 1, "id": uuid.uuid4().hex, "request_id": str(uuid.uuid4()), "number": number,
                "service": "HT", "issued_at": self.clock.now.isoformat(), "ahead": 0, "eta_s": 0}
        self.probe.subscribe(self.topics.kiosk_reply("kiosk-1"))
        self.probe.publish(self.topics.kiosk_offline_issued("kiosk-1"), body)
        reply = self.probe.wait_for(self.topics.kiosk_reply("kiosk-1"),
                                    lambda r: r.get("request_id") == body["request_id"])
        assert reply["ok"], reply
        self.truth.issued[body["id"]] = ("HT", self.clock.now)
        self.truth.service_of[body["id"]] = "HT"
        self.truth.joined[body["id"]] = self.clock.now
        self.truth.offline["HT"] += 1

    def finish(self, counter: int, how: str) -> None:
        ticket_id, called = self.truth.current.pop(counter)
        service, now = self.truth.service_of[ticket_id], self.clock.now
        if how == "transfer":
            target = "CT" if service == "HT" else "HT"
            assert self.press(counter, "transfer", service=target)["ok"]
            self.truth.service_of[ticket_id], self.truth.joined[ticket_id] = target, now
            return
        assert self.press(counter, how)["ok"]
        if how == "no_show":
            self.truth.no_show[service] += 1
            return
        self.truth.served[service] += 1
        self.truth.services.append((service, counter, self.accounts[counter],
                                    (now - called).total_seconds()))

    def call(self, counter: int) -> None:
        reply = self.press(counter, "call_next")
        assert reply["ok"], reply
        if reply.get("ticket") is None:
            return
        ticket_id, now = reply["ticket"]["id"], self.clock.now
        service = self.truth.service_of[ticket_id]
        self.truth.waits.append((service, counter, self.accounts[counter], now,
                                 (now - self.truth.joined[ticket_id]).total_seconds()))
        self.truth.current[counter] = (ticket_id, now)


def play_day(replay: Replay, seed: int = 7) -> None:
    """Tickets arrive at random through the morning; two counters call, serve, mark no-shows,
    transfer and collect ratings, each at its own random pace."""
    rng = random.Random(seed)
    start = replay.clock.now.replace(hour=8, minute=0)
    plan: list[tuple[float, int, str]] = [(rng.uniform(0, 200), 0, rng.choice(SERVICES))
                                          for _ in range(36)]
    plan += [(rng.uniform(0, 30), 0, "offline:1800"), (rng.uniform(60, 90), 0, "offline:1801")]
    for counter in (1, 2):
        t = rng.uniform(3, 8)
        while t < 230:
            plan.append((t, counter, "step"))
            t += rng.uniform(3, 14)
    for minute, who, what in sorted(plan):
        replay.clock.now = start + timedelta(minutes=minute)
        if who == 0 and what.startswith("offline:"):
            replay.offline(what.split(":")[1])
        elif who == 0:
            replay.issue(what)
        else:
            step(replay, rng, who)


def step(replay: Replay, rng: random.Random, counter: int) -> None:
    if counter in replay.truth.current:
        how = rng.choices(("done", "no_show", "transfer"), (75, 15, 10))[0]
        replay.finish(counter, how)
        if how == "done" and rng.random() < 0.5:
            rating = rng.choice(RATINGS)
            assert replay.press(counter, "rate", rating=rating)["ok"]
            replay.truth.ratings[rating] += 1
        replay.clock.now += timedelta(seconds=rng.uniform(5, 40))
    replay.call(counter)


def summary(values: list[float]) -> tuple[int, float, float, float]:
    return (len(values), float(numpy.mean(values)), float(numpy.median(values)),
            float(numpy.percentile(values, 90)))


def got(found: stats.Summary) -> tuple[int, float, float, float]:
    assert found.mean is not None and found.median is not None and found.p90 is not None
    return found.count, found.mean, found.median, found.p90


def test_a_replayed_day_adds_up(day: tuple[BrokerRole, FakeClock, WebSession, WebSession],
                                probe: Probe, topics: Topics, config: SiteConfig) -> None:
    role, clock, staff, manager = day
    replay = Replay(probe, topics, clock, staff)
    play_day(replay)
    truth = replay.truth
    result = stats.for_days(role.store, config.site.zone, DAY, DAY)

    issued = Counter(service for service, _ in truth.issued.values())
    assert dict(result.issued) == dict(issued)
    assert dict(result.offline) == {"HT": 2}
    assert dict(result.issued_by_hour) == dict(Counter(at.hour for _, at in truth.issued.values()))
    assert dict(result.served) == dict(truth.served)
    assert dict(result.no_show) == dict(truth.no_show)
    assert dict(result.ratings["*"]) == dict(truth.ratings)
    assert truth.no_show and truth.served and len(truth.waits) > 20  # the day exercised everything

    by: dict[tuple[str, object], list[float]] = defaultdict(list)
    for service, counter, account, at, wait in truth.waits:
        for key in (("service", service), ("counter", counter), ("account", account),
                    ("hour", at.hour), ("all", "*")):
            by[key].append(wait)
    for service in SERVICES:
        assert got(result.wait[service]) == pytest.approx(summary(by[("service", service)]))
    for counter in (1, 2):
        assert got(result.counter_wait[counter]) == pytest.approx(summary(by[("counter", counter)]))
    assert got(result.staff_wait["canbo1"]) == pytest.approx(summary(by[("account", "canbo1")]))
    assert got(result.wait["*"]) == pytest.approx(summary(by[("all", "*")]))
    for hour, found in result.wait_by_hour.items():
        assert got(found) == pytest.approx(summary(by[("hour", hour)]))

    served: dict[tuple[str, object], list[float]] = defaultdict(list)
    for service, counter, account, seconds in truth.services:
        for key in (("service", service), ("counter", counter), ("account", account)):
            served[key].append(seconds)
    for service in SERVICES:
        assert got(result.service_time[service]) == pytest.approx(summary(served[("service", service)]))
    assert got(result.counter_service[2]) == pytest.approx(summary(served[("counter", 2)]))
    assert got(result.staff_service[stats.BUTTON]) == pytest.approx(
        summary(served[("account", stats.BUTTON)]))

    # What the manager downloads says the same.
    tables = zip_tables(manager.get(f"/admin/stats.zip?from={DAY}&to={DAY}"))
    ht = next(row for row in by_header(tables["dich-vu.csv"]) if row["Mã"] == "HT")
    _, mean, median, p90 = summary(by[("service", "HT")])
    assert [number(ht[h]) for h in ("Số phát", "Phát ngoại tuyến", "Đã phục vụ", "Vắng mặt")] == [
        issued["HT"], 2, truth.served["HT"], truth.no_show["HT"]]
    waits = [number(ht[f"Chờ {kind} (phút)"]) for kind in ("TB", "trung vị", "P90")]
    assert waits == pytest.approx([mean / 60, median / 60, p90 / 60], abs=0.006)
