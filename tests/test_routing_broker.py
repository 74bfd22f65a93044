"""The broker's store-backed path through the call rule, the estimate, auto-call and suggestions,
on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from broker.queue import live
from broker.queue.tickets import Queue
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig
from xephang.protocol import CounterCommand, CounterReply, TicketReply, TicketRequest


def make_queue(config: SiteConfig, tmp_path: Path, clock: FakeClock, **routing: object) -> Queue:
    changed = config.model_copy(update={"routing": config.routing.model_copy(update=routing)})
    return Queue(changed, Store(tmp_path / "queue.db", clock))


def issue(queue: Queue, service: str, priority: str = "none") -> TicketReply:
    request = TicketRequest(request_id=uuid.uuid4(), service=service,
                            priority=priority)  # type: ignore[arg-type]
    reply = queue.issue(request, "kiosk-1").reply
    assert isinstance(reply, TicketReply) and reply.ticket is not None
    return reply


def act(queue: Queue, counter: int, action: str) -> CounterReply:
    reply = queue.command(counter, CounterCommand(command_id=uuid.uuid4(), action=action)).reply  # type: ignore[arg-type]
    assert isinstance(reply, CounterReply)
    return reply


def test_interleaving_lets_normal_tickets_through_a_crowd_of_priority_ones(
        config: SiteConfig, tmp_path: Path, clock: FakeClock) -> None:
    queue = make_queue(config, tmp_path, clock, priority_mode="interleaved", priority_every=2)
    for _ in range(3):
        issue(queue, "DD", "elderly")
    normal = [issue(queue, "DD").ticket for _ in range(3)]
    calls = []
    for _ in range(6):  # each citizen served a few minutes before the next call
        calls.append(act(queue, 6, "call_next").ticket)
        clock.advance(minutes=5)
    kinds = [t.priority if t else None for t in calls]
    assert kinds == ["elderly", "none", "none", "elderly", "none", "elderly"]
    assert [t.number for t in calls if t and t.priority == "none"] == [t.number for t in normal if t]


def test_auto_call_calls_a_new_ticket_to_an_idle_counter_at_once(
        config: SiteConfig, tmp_path: Path, clock: FakeClock) -> None:
    queue = make_queue(config, tmp_path, clock, auto_call=True)
    request = TicketRequest(request_id=uuid.uuid4(), service="DD")
    outcome = queue.issue(request, "kiosk-1")
    assert [a.counter for a in outcome.announcements] == [6]
    assert "Mời công dân có số thứ tự 3001 đến quầy số 6" in outcome.announcements[0].text
    for _ in range(4):  # 3002–3004 to the other idle DD counters, 7, 8 and 10; 3005 waits
        issue(queue, "DD")
    clock.now += timedelta(minutes=12)
    done = queue.command(6, CounterCommand(command_id=uuid.uuid4(), action="done"))
    assert [(a.number, a.counter) for a in done.announcements] == [("3005", 6)]


def test_without_auto_call_an_idle_counter_waits_for_its_staff(
        config: SiteConfig, tmp_path: Path, clock: FakeClock) -> None:
    queue = make_queue(config, tmp_path, clock, auto_call=False)
    assert queue.issue(TicketRequest(request_id=uuid.uuid4(), service="DD"), "kiosk-1").announcements == []


def test_the_estimate_learns_the_days_service_times(config: SiteConfig, tmp_path: Path,
                                                   clock: FakeClock) -> None:
    queue = make_queue(config, tmp_path, clock)
    for _ in range(6):  # counter 9 serves VX only; each service takes 20 minutes, not the configured mean
        issue(queue, "VX")
        act(queue, 9, "call_next")
        clock.now += timedelta(minutes=20)
        act(queue, 9, "done")
    with queue.store.snapshot() as tx:
        learned = live.service_times(tx, queue.config).mean_s("VX")
    vx = config.service("VX")
    assert vx is not None and vx.mean_service_min * 60 != 1200
    assert learned == pytest.approx((5 * vx.mean_service_min * 60 + 6 * 1200) / 11)


def test_a_service_over_its_target_gets_a_suggestion(config: SiteConfig, tmp_path: Path,
                                                    clock: FakeClock) -> None:
    queue = make_queue(config, tmp_path, clock)
    for counter in (6, 7, 10):  # every DD counter busy
        issue(queue, "DD")
        act(queue, counter, "call_next")
    for _ in range(12):
        issue(queue, "DD")
    with queue.store.snapshot() as tx:
        suggestions = live.suggestions(tx, queue.config).suggestions
    assert [s.service for s in suggestions] == ["DD"]
    assert suggestions[0].predicted_wait_s > 30 * 60 and suggestions[0].counter is not None
    assert "Đất đai – Xây dựng: dự kiến chờ" in suggestions[0].text
