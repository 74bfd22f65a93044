"""Number blocks: kiosks' offline numbers and the broker's can never collide, by config and by check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from broker.errors import Rejected
from broker.queue.tickets import Queue
from broker.store.db import Store
from kiosk.outbox import Outbox
from tests.support.fake_clock import FakeClock
from xephang.config import OfflineBlock, SiteConfig
from xephang.protocol import OfflineTicket, TicketRequest

# The broker's clock on the morning the offline tickets were printed (a ticket of a day already
# over is ended at once: tests/test_day_end.py).
THAT_MORNING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


def with_blocks(config: SiteConfig, *blocks: tuple[int, int] | None) -> SiteConfig:
    data = config.model_dump()
    for kiosk, block in zip(data["kiosks"], blocks, strict=True):
        kiosk["offline"] = None if block is None else {"first": block[0], "last": block[1]}
    return SiteConfig.model_validate(data)


@pytest.mark.parametrize(("blocks", "message"), [
    (((800, 849), (840, 899)), "ki-ốt kiosk-1 và kiosk-2: dải số ngoại tuyến \\(offline\\) trùng nhau"),
    (((700, 749), (850, 899)), "nằm trong dải số của máy chủ"),
    (((850, 800), None), "không được lớn hơn số cuối last"),
])
def test_overlapping_blocks_are_refused_at_start(
        config: SiteConfig, blocks: tuple[tuple[int, int] | None, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        with_blocks(config, *blocks)


def test_the_broker_never_issues_into_the_offline_numbers(config: SiteConfig, tmp_path: Path) -> None:
    data = config.model_dump()
    data["services"][0]["last"] = 2
    queue = Queue(SiteConfig.model_validate(data), Store(tmp_path / "q.db", FakeClock(THAT_MORNING)))
    replies = [queue.issue(TicketRequest(request_id=uuid.uuid4(), service="HT"), "kiosk-1").reply
               for _ in range(3)]
    assert [r.ticket.number if r and r.ticket else r and r.error for r in replies] == [
        "1001", "1002", "numbers_exhausted"]


def offline(number: str) -> OfflineTicket:
    return OfflineTicket(request_id=uuid.uuid4(), id=uuid.uuid4().hex, number=number,
                         service="HT", issued_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
                         ahead=0, eta_s=0)


@pytest.mark.parametrize("number", ["1001", "1799", "1850", "1899"])
def test_the_broker_refuses_an_offline_number_that_is_not_the_kiosks(
        config: SiteConfig, tmp_path: Path, number: str) -> None:
    queue = Queue(config, Store(tmp_path / "q.db", FakeClock(THAT_MORNING)))
    with pytest.raises(Rejected, match="outside the kiosk's offline block"):
        queue.accept_offline(offline(number), "kiosk-1")  # 1850–1899 is kiosk-2's
    assert queue.accept_offline(offline("1800"), "kiosk-1").reply is not None


def test_the_outbox_block_runs_out_per_service_and_day_and_survives_a_restart(tmp_path: Path) -> None:
    block = OfflineBlock(first=800, last=801)
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    numbers = [outbox.issue("2026-11-23", "HT", block, lambda seq: offline(f"1{seq:03d}"))
               for _ in range(3)]
    assert [t.number if t else None for t in numbers] == ["1800", "1801", None]
    outbox.close()
    reopened = Outbox(path)
    assert [t.number for t in reopened.pending()] == ["1800", "1801"]
    reopened.delivered(str(reopened.pending()[0].request_id))
    assert reopened.issue("2026-11-23", "HT", block, lambda seq: offline(f"1{seq:03d}")) is None
    assert reopened.issue("2026-11-24", "HT", block, lambda seq: offline(f"1{seq:03d}")) is not None
    assert [t.number for t in reopened.pending()] == ["1801", "1800"]


def waiting_numbers(queue: Queue) -> list[str]:
    with queue.store.snapshot() as tx:
        rows = tx.execute("SELECT number FROM tickets WHERE status = 'waiting' ORDER BY number")
        return [row["number"] for row in rows.fetchall()]


def test_a_late_request_after_the_offline_ticket_issues_no_second_number(
        config: SiteConfig, tmp_path: Path) -> None:
    """The kiosk gave up on request R and printed 1800; R reaches the broker later (a QoS 1
    message delivered after the reconnect): the citizen holds one number, so the hall counts one."""
    queue = Queue(config, Store(tmp_path / "q.db", FakeClock(THAT_MORNING)))
    request = TicketRequest(request_id=uuid.uuid4(), service="HT")
    replaced = offline("1800").model_copy(update={"abandoned_request_id": request.request_id})
    queue.accept_offline(replaced, "kiosk-1")
    late = queue.issue(request, "kiosk-1").reply
    assert late is not None and late.ticket is not None and late.ticket.number == "1800"
    assert waiting_numbers(queue) == ["1800"]


def test_a_ticket_issued_for_an_abandoned_request_is_cancelled(
        config: SiteConfig, tmp_path: Path) -> None:
    """R was issued 1001 but the reply came too late; the kiosk printed 1800 instead. Nobody holds
    1001, so it must not be called and must not count in the hall."""
    queue = Queue(config, Store(tmp_path / "q.db", FakeClock(THAT_MORNING)))
    request = TicketRequest(request_id=uuid.uuid4(), service="HT")
    phantom = queue.issue(request, "kiosk-1").reply
    assert phantom is not None and phantom.ticket is not None and phantom.ticket.number == "1001"
    replaced = offline("1800").model_copy(update={"abandoned_request_id": request.request_id})
    outcome = queue.accept_offline(replaced, "kiosk-1")
    assert [e.type for e in outcome.events] == ["ticket_offline", "ticket_cancelled"]
    assert waiting_numbers(queue) == ["1800"]
    again = queue.accept_offline(replaced, "kiosk-1")  # the kiosk re-sends: nothing changes
    assert not again.events and waiting_numbers(queue) == ["1800"]


def test_a_kiosk_cannot_give_up_another_kiosk_s_ticket_or_request(
        config: SiteConfig, tmp_path: Path) -> None:
    """kiosk-2 names kiosk-1's requests as the ones it gave up: kiosk-1's citizen keeps 1001, and
    kiosk-1's request that arrives later still gets its own new number, not kiosk-2's paper."""
    queue = Queue(config, Store(tmp_path / "q.db", FakeClock(THAT_MORNING)))
    issued = TicketRequest(request_id=uuid.uuid4(), service="HT")
    held = queue.issue(issued, "kiosk-1").reply
    assert held is not None and held.ticket is not None and held.ticket.number == "1001"
    other = offline("1850").model_copy(update={"abandoned_request_id": issued.request_id})
    outcome = queue.accept_offline(other, "kiosk-2")
    assert [e.type for e in outcome.events] == ["ticket_offline"]
    assert waiting_numbers(queue) == ["1001", "1850"]

    coming = TicketRequest(request_id=uuid.uuid4(), service="HT")
    claim = offline("1851").model_copy(update={"abandoned_request_id": coming.request_id})
    queue.accept_offline(claim, "kiosk-2")
    arrived = queue.issue(coming, "kiosk-1").reply
    assert arrived is not None and arrived.ticket is not None and arrived.ticket.number == "1002"
    assert waiting_numbers(queue) == ["1001", "1002", "1850", "1851"]
