"""Issuing from the kiosk's own number block when the queue server does not answer.

The block (`[[kiosks]] offline`, validated apart from the broker's numbers and every other kiosk's)
makes a collision impossible: the printed number is `ticket_number(prefix, seq)` with `seq` inside
this kiosk's block for the service and day. People ahead and the wait are estimated from the last
hall state the broker published (retained, so a kiosk that started during the outage still has it if
it ever saw the broker) plus this kiosk's own undelivered offline tickets.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from kiosk.outbox import Outbox
from kiosk.scan_rules import Intent
from xephang.config import OfflineBlock, Service, SiteConfig
from xephang.protocol import HallState, OfflineTicket, ticket_number

log = logging.getLogger(__name__)


class OfflineIssuer:
    def __init__(self, config: SiteConfig, block: OfflineBlock, outbox: Outbox, *,
                 on_issued: Callable[[], None] = lambda: None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.block = block
        self.outbox = outbox
        self._on_issued = on_issued
        self._now = now or (lambda: datetime.now(config.site.zone))
        self._hall: HallState | None = None
        self._lock = threading.Lock()

    def note_hall(self, hall: HallState) -> None:
        """The broker's latest hall state: the base for offline estimates."""
        with self._lock:
            self._hall = hall

    def issue(self, service: Service, intent: Intent,
              abandoned: uuid.UUID | None = None) -> OfflineTicket | None:
        """A ticket from the block, stored in the outbox before it is printed; None if used up.
        `abandoned` is the online request this ticket replaces (the broker may yet receive it)."""
        issued_at = self._now().astimezone(self.config.site.zone)
        ahead = self._ahead(service)
        per_person = service.mean_service_min * 60 / max(1, self._counters(service))

        def make(seq: int) -> OfflineTicket:
            return OfflineTicket(request_id=uuid.uuid4(), id=uuid.uuid4().hex,
                                 number=ticket_number(service.prefix, seq), service=service.code,
                                 issued_at=issued_at, ahead=ahead, eta_s=round(ahead * per_person),
                                 priority=intent.priority, abandoned_request_id=abandoned)

        ticket = self.outbox.issue(issued_at.date().isoformat(), service.code, self.block, make)
        if ticket is None:
            log.error("offline block %d-%d used up for %s today", self.block.first, self.block.last,
                      service.code)
            return None
        log.warning("issued offline ticket %s (queue server not answering)", ticket.number)
        self._on_issued()
        return ticket

    def _ahead(self, service: Service) -> int:
        with self._lock:
            known = self._hall.waiting.get(service.code, 0) if self._hall else 0
        return known + self.outbox.waiting(service.code)

    def _counters(self, service: Service) -> int:
        return sum(1 for counter in self.config.counters if service.code in counter.services)
