"""A kiosk's offline ticket that arrives after retention reduced its day to figures: counted into
that day's kept figures exactly once (sent again, before or after the nightly job reduced it away
once more, it adds nothing), never into today; the manager's statistics of the day add up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broker.queue.tickets import Queue
from broker.reports import stats
from broker.reports.nightly import run_nightly
from broker.store.db import Store
from tests.support.fake_clock import FakeClock
from tests.support.queue import act, broker_runs, issue
from tests.support.reports import service_rows
from xephang.config import RetentionSection, SiteConfig
from xephang.protocol import EXPIRED, TICKET_EXPIRED, OfflineTicket

EVENING = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 16:30 in Hà Nội, a Monday
DAY = "2026-11-23"
ENDED_IN_LINE = "Hết giờ, chưa được gọi"


def offline(issued_at: datetime, ticket_number: str) -> OfflineTicket:
    return OfflineTicket(id=uuid.uuid4().hex, number=ticket_number, service="HT", issued_at=issued_at,
                         ahead=0, eta_s=0, request_id=uuid.uuid4())


def tickets_of(store: Store, day: str) -> int:
    with store.snapshot() as tx:
        return len(tx.issued_between(day, day))


def test_an_offline_ticket_after_retention_counts_into_its_days_figures_once(
        config: SiteConfig, tmp_path: Path) -> None:
    config = config.model_copy(update={"retention": RetentionSection(days=5)})
    clock = FakeClock(EVENING)
    store = Store(tmp_path / "queue.db", clock)
    queue = Queue(config, store)
    served = issue(queue, "HT").ticket
    assert served is not None
    issue(queue, "HT")  # never called: ended with its day
    assert act(queue, 1, "call", ticket=served.id).ticket
    assert act(queue, 1, "done").ok

    broker_runs(store, config, clock, days=10)  # ten days later, five days of retention
    assert run_nightly(store, config, clock()).reduced == [DAY]
    assert tickets_of(store, DAY) == 0
    reduced = service_rows(store, config, DAY)
    assert reduced["HT"]["Số phát"] == 2 and reduced["HT"][ENDED_IN_LINE] == 1

    # Two tickets a kiosk printed that evening while the server was away, synced ten days late.
    late, later = offline(EVENING + timedelta(minutes=20), "1800"), offline(EVENING, "1801")
    outcome = queue.accept_offline(late, "kiosk-1")
    assert outcome.reply is not None and outcome.reply.ok
    assert [e.type for e in outcome.events] == ["ticket_offline", TICKET_EXPIRED]
    with store.snapshot() as tx:
        assert tx.ticket(late.id).status == EXPIRED  # type: ignore[union-attr]
        assert tx.waiting() == []  # never into today's line
    assert queue.accept_offline(late, "kiosk-1").events == []  # sent again: taken once
    assert queue.accept_offline(later, "kiosk-1").events[-1].type == TICKET_EXPIRED

    counted = service_rows(store, config, DAY)
    assert counted["HT"]["Số phát"] == reduced["HT"]["Số phát"] + 2
    assert counted["HT"][ENDED_IN_LINE] == reduced["HT"][ENDED_IN_LINE] + 2
    assert counted["HT"]["Đã phục vụ"] == reduced["HT"]["Đã phục vụ"] == 1
    assert stats.for_days(store, config.site.zone, DAY, DAY).offline["HT"] == 2

    # The nightly job reduces the late ones away again and never rewrites the day from them.
    result = run_nightly(store, config, clock())
    assert result.closed == [] and result.reduced == [DAY]
    assert tickets_of(store, DAY) == 0
    assert service_rows(store, config, DAY) == counted
    # Delivered once more after that (a kiosk's resend): answered the same, counted nothing.
    again = queue.accept_offline(late, "kiosk-1")
    assert again.events == [] and again.reply is not None and again.reply.ok
    assert again.reply.ticket is not None and again.reply.ticket.number == "1800"
    assert tickets_of(store, DAY) == 0
    assert service_rows(store, config, DAY) == counted
    today = (EVENING + timedelta(days=10)).astimezone(config.site.zone).date().isoformat()
    assert service_rows(store, config, today)["HT"]["Số phát"] == 0
