"""A ticket belongs to its day. What a day leaves in line, away for a paper or at a counter is
ended with the day (at local midnight, not at closing time): the next morning it is not in the line,
not on the hall, not callable; it counts in its own day's figures, once; a kiosk's ticket of that
day synced late joins that day, not today's line; a broker restarted across midnight does the same."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from broker.errors import Rejected
from broker.queue.manager import Desk
from broker.queue.messages import hall_state
from broker.queue.tickets import Queue
from broker.reports import stats
from broker.reports.jobs import notes
from broker.reports.nightly import run_nightly
from broker.store.db import Store
from city.database import unstorable
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, issue, number
from tests.support.reports import service_rows
from xephang.config import SiteConfig, UplinkSection
from xephang.mosquitto import Mosquitto
from xephang.protocol import (
    EXPIRED,
    TICKET_EXPIRED,
    OfflineTicket,
    Topics,
    decode_uplink,
)

EVENING = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 16:30 in Hà Nội, a Monday
DAY, NEXT_DAY = "2026-11-23", "2026-11-24"
ENDED_IN_LINE, ENDED_AT_COUNTER = "Hết giờ, chưa được gọi", "Hết giờ, còn ở quầy"
EXPIRED_LABEL = "Hết giờ làm việc — số này không còn hiệu lực"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "queue.db", FakeClock(EVENING))


def clock_of(store: Store) -> FakeClock:
    clock = store._clock  # the store's own fake clock
    assert isinstance(clock, FakeClock)
    return clock


def leave_an_evening(queue: Queue) -> dict[str, str]:
    """An evening that ends with a ticket in each state a day can leave, by name -> ticket id."""
    left = {name: issue(queue, service).ticket.id  # type: ignore[union-attr]
            for name, service in (("in_line", "HT"), ("at_counter", "CT"), ("away", "HT"),
                                  ("sent_to_counter", "KD"), ("in_line_2", "CT"))}
    clock_of(queue.store).advance(minutes=5)
    assert act(queue, 6, "call", ticket=left["at_counter"]).ticket
    assert act(queue, 1, "call", ticket=left["away"]).ticket
    Desk(queue).set_aside(1, None)  # sent for a missing paper
    assert act(queue, 10, "call", ticket=left["sent_to_counter"]).ticket
    assert act(queue, 10, "transfer", counter=5).ok  # waits for counter 5 alone
    return left


def statuses(store: Store, ids: dict[str, str]) -> dict[str, str]:
    with store.snapshot() as tx:
        return {name: tx.ticket(i).status for name, i in ids.items()}  # type: ignore[union-attr]


def expiries(store: Store) -> Counter[str]:
    """How many `ticket_expired` events each ticket has."""
    with store.snapshot() as tx:
        return Counter(e.ticket or "" for e in tx.events_after(0, 10_000) if e.type == TICKET_EXPIRED)


def test_overtime_before_midnight_still_calls_and_the_morning_never_sees_yesterday(
        config: SiteConfig, store: Store) -> None:
    queue, clock = Queue(config, store), clock_of(store)
    left = leave_an_evening(queue)
    clock.now = EVENING + timedelta(hours=7)  # 23:30: overtime, still the same day
    assert act(queue, 2, "call", ticket=left["in_line"]).ticket
    assert act(queue, 2, "transfer", service="CT").ok  # back in a line before midnight
    left["transferred_late"] = left.pop("in_line")

    clock.now = EVENING + timedelta(hours=15)  # 07:30 the next morning
    morning = issue(queue, "HT")
    assert morning.ticket is not None and morning.ticket.number == "1001"  # a new day's numbers
    assert morning.ticket.ahead == 0
    assert statuses(store, left) == dict.fromkeys(left, EXPIRED)
    with store.snapshot() as tx:
        assert [t.id for t in tx.waiting()] == [morning.ticket.id] and tx.returning() == []
        assert all(c.ticket is None and c.status == "idle" for c in tx.counters())
        hall = hall_state(tx, queue.config)
    assert sum(hall.waiting.values()) == 1 and hall.waiting["HT"] == 1
    # Nothing of yesterday can be called: not next in line, not by its id, not by its number.
    for counter in (5, 6):
        assert act(queue, counter, "call_next").ticket is None
    refused = act(queue, 5, "call", ticket=left["sent_to_counter"])
    assert (refused.ok, refused.error) == (False, "unknown_ticket")
    with pytest.raises(Rejected):
        Desk(queue).came_back(1, left["away"], None)
    assert (act(queue, 6, "rate", rating="satisfied", ticket=left["at_counter"]).error
            == "no_ticket")
    assert number(act(queue, 1, "call_next")) == "1001"


def test_the_ended_tickets_count_in_their_own_day_once(config: SiteConfig, store: Store) -> None:
    queue, clock = Queue(config, store), clock_of(store)
    left = leave_an_evening(queue)
    before = service_rows(store, config, DAY)
    assert (before["*"]["Chưa được gọi"], before["*"]["Đang ở quầy"]) == (3, 1)

    clock.now = EVENING + timedelta(hours=15)
    result = run_nightly(store, config, clock())
    assert result.closed == [DAY]
    for _ in range(2):  # again, by hand and by the next run: nothing is ended twice
        queue.end_past_days(force=True)
        run_nightly(store, config, clock())
    assert expiries(store) == Counter(left.values())
    with store.snapshot() as tx:
        ended = {e.ticket: e for e in tx.events_after(0, 10_000) if e.type == TICKET_EXPIRED}
    # Dated the last moment of the ticket's own day, so every count puts them in it.
    assert {e.at.astimezone(config.site.zone).isoformat() for e in ended.values()} == {
        "2026-11-23T23:59:59.999999+07:00"}
    assert ended[left["at_counter"]].counter == 6 and ended[left["in_line"]].counter is None

    after = service_rows(store, config, DAY)
    assert (after["*"]["Chưa được gọi"], after["*"]["Đang ở quầy"]) == (0, 0)
    assert after["*"][ENDED_IN_LINE] == 3 and after["*"][ENDED_AT_COUNTER] == 1
    assert after["CT"][ENDED_AT_COUNTER] == 1 and after["KD"][ENDED_IN_LINE] == 1
    assert after["*"]["Đi bổ sung giấy tờ"] == 1  # the one away for a paper stays counted so
    assert after["*"]["Tổng vào hàng"] == before["*"]["Tổng vào hàng"]
    assert service_rows(store, config, NEXT_DAY)["*"]["Tổng vào hàng"] == 0
    note = notes(stats.for_days(store, config.site.zone, DAY, DAY))[-1]  # under the statistics
    assert ENDED_IN_LINE in note and ENDED_AT_COUNTER in note and "24 giờ" in note


def offline(config: SiteConfig, issued_at: datetime, ticket_number: str = "1800") -> OfflineTicket:
    return OfflineTicket(id=uuid.uuid4().hex, number=ticket_number, service="HT", issued_at=issued_at,
                         ahead=0, eta_s=0, request_id=uuid.uuid4())


def test_a_kiosk_ticket_of_yesterday_synced_late_counts_in_yesterday_not_today(
        config: SiteConfig, store: Store) -> None:
    queue, clock = Queue(config, store), clock_of(store)
    leave_an_evening(queue)
    clock.now = EVENING + timedelta(hours=15)
    assert run_nightly(store, config, clock()).closed == [DAY]
    today = issue(queue, "HT")
    closed = service_rows(store, config, DAY)

    late = offline(config, EVENING + timedelta(minutes=20))  # printed at 16:50 while offline
    outcome = queue.accept_offline(late, "kiosk-1")
    assert outcome.reply is not None and outcome.reply.ok
    assert [e.type for e in outcome.events] == ["ticket_offline", TICKET_EXPIRED]
    assert queue.accept_offline(late, "kiosk-1").events == []  # sent again: taken once
    with store.snapshot() as tx:
        assert tx.ticket(late.id).status == EXPIRED  # type: ignore[union-attr]
        assert [t.id for t in tx.waiting()] == [today.ticket.id]  # type: ignore[union-attr]
    reopened = service_rows(store, config, DAY)
    assert reopened["HT"]["Số phát"] == closed["HT"]["Số phát"] + 1
    assert reopened["HT"][ENDED_IN_LINE] == closed["HT"][ENDED_IN_LINE] + 1
    assert run_nightly(store, config, clock()).closed == [DAY]  # closed again, with it
    assert service_rows(store, config, DAY) == reopened
    assert service_rows(store, config, NEXT_DAY)["HT"]["Số phát"] == 1


def test_simulated_history_ends_its_days_as_the_broker_does(config: SiteConfig,
                                                            store: Store) -> None:
    from simulation.history import write_history

    written = write_history(config, store, days=3, tickets=150, seed=4,
                            today=EVENING.astimezone(config.site.zone).date())
    assert written.days >= 1
    with store.snapshot() as tx:
        assert tx.left_before(DAY) == []
    assert Queue(config, store).end_past_days(force=True).events == []


def uplinked(probe: Probe, topics: Topics, last_seq: int) -> dict[int, dict[str, Any]]:
    """Every uplink event up to `last_seq`, acked as it comes, checked as the city's aggregator
    checks them."""
    found: dict[int, dict[str, Any]] = {}
    while len(found) < last_seq:
        payload = probe.next(topics.uplink_event, timeout=15)[1]
        events, refused = decode_uplink(json.dumps(payload).encode())
        assert refused == [] and all(unstorable(e) is None for e in events)
        found.update((e.seq, e.model_dump(mode="json")) for e in events)
        probe.publish(topics.uplink_ack, {"v": 1, "epoch": str(events[0].epoch),
                                          "acked_seq": max(found)}, retain=True)
    return found


def page_of(url: str) -> tuple[dict[str, Any], str]:
    with urllib.request.urlopen(f"{url}.json", timeout=10) as response:
        view = json.load(response)
    with urllib.request.urlopen(url, timeout=10) as response:
        return view, response.read().decode("utf-8")


def leave_two(probe: Probe, topics: Topics) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two tickets a day leaves: one at counter 1, one waiting."""
    ask_ticket(probe, topics, "HT")
    ask_ticket(probe, topics, "CT")
    first = command(probe, topics, 1, "call_next")["ticket"]
    assert command(probe, topics, 1, "done")["ok"]
    at_counter = command(probe, topics, 1, "call_next")["ticket"]
    assert at_counter is not None and at_counter["id"] != first["id"]
    return at_counter, ask_ticket(probe, topics, "HT")["ticket"]


def test_a_broker_through_midnight_and_restarted_across_it_ends_each_day_once(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    config = config.model_copy(update={"uplink": UplinkSection(enabled=True, window=500)})
    clock, db = FakeClock(EVENING), tmp_path / "queue.db"
    access = mosquitto.access("broker")
    probe.subscribe(topics.uplink_event)
    probe.subscribe(topics.counter_state(1))
    with running_broker(config, access, db, probe, clock=clock):
        clock.now = EVENING + timedelta(hours=7, minutes=29)  # 23:59: overtime, the same day
        monday = leave_two(probe, topics)
        clock.now = EVENING + timedelta(hours=7, minutes=31)  # 00:01: the day is over
        # The night's first press ends what the day left, and everyone sees it.
        assert command(probe, topics, 2, "call_next")["ticket"] is None
        probe.wait_for(topics.hall_state, lambda hall: sum(hall["waiting"].values()) == 0)
        assert probe.wait_for(topics.counter_state(1), lambda s: s["ticket"] is None)["status"] == "idle"
        clock.now = EVENING + timedelta(days=1)  # Tuesday 16:30
        tuesday = leave_two(probe, topics)
        assert tuesday[1]["number"] == "1002"  # Tuesday's own numbers
    # Stopped for the night, started on Wednesday morning: Tuesday's leftovers are ended before
    # anyone presses anything, and the retained hall and counter states say so.
    clock.now = EVENING + timedelta(days=1, hours=15)
    with running_broker(config, access, db, probe, clock=clock, http=True) as role:
        probe.wait_for(topics.hall_state, lambda hall: sum(hall["waiting"].values()) == 0)
        assert probe.wait_for(topics.counter_state(1), lambda s: s["ticket"] is None)["status"] == "idle"
        view, html = page_of(f"{role.http_url}/ticket/{tuesday[1]['id']}")
        assert (view["status"], view["label"], view["finished"]) == (EXPIRED, EXPIRED_LABEL, True)
        assert EXPIRED_LABEL in html and "lấy số mới vào ngày làm việc tiếp theo" in html
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1001"
        assert command(probe, topics, 1, "call_next")["ticket"]["number"] == "1001"
        with role.store.snapshot() as tx:
            last = tx.last_event_seq()
        events = uplinked(probe, topics, last)
    assert expiries(Store(db)) == Counter(t["id"] for t in (*monday, *tuesday))
    ended = [e for e in events.values() if e["type"] == TICKET_EXPIRED]
    assert Counter((e["service"], e["counter"]) for e in ended) == Counter(
        (t["service"], counter) for t, counter in zip((*monday, *tuesday), (1, None, 1, None),
                                                      strict=True))
    # Dated 23:59:59.999999 in Hà Nội on each ticket's day: the city counts them in it.
    assert sorted(e["at"][:26] for e in ended) == ["2026-11-23T16:59:59.999999"] * 2 + [
        "2026-11-24T16:59:59.999999"] * 2
