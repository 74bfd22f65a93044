"""A citizen's ticket page on the phone (`/ticket/<id>`, opened by the ticket's QR code): where the
ticket stands, kept live by an event stream (no reload) that lets the ticket go once it is finished.

The stream sends only the asked tickets' views, recomputed when the queue changes (the broker's hub
publishes the hall state on every change), never anything about other citizens or staff. One
stream (`/tickets/events?ticket=<id>&ticket=<id>`) serves every ticket page open in a browser.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

from broker.queue.messages import ticket_status
from broker.service import BrokerService
from broker.store.db import Tx
from broker.store.events import Transfer
from broker.web.labels import (
    CALLED_TO,
    EXPECTED_WAIT,
    FINISHED,
    MOVED_TO,
    MOVED_TO_SERVICE,
    NEXT_ONE,
    PEOPLE_AHEAD,
    TICKET_NOTES,
    TICKET_STATUS,
)
from routing.wait_range import band_of, wait_text
from xephang.config import SiteConfig
from xephang.protocol import EXPIRED

FINISHED_STATUSES = frozenset({"done", "no_show", "cancelled", EXPIRED})
# Each open stream holds one of the web server's 48 threads: past this many phones the page polls
# `/ticket/<id>.json` instead, so staff pages are never starved by a full hall of citizens.
MAX_STREAMS = 24
# One phone's stream follows all the tickets its browser has open (static/live-worker.js).
MAX_TICKETS_PER_STREAM = 16
# Ids as the broker and the kiosks make them (hex), safe in an event's name.
FOLLOWED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_streams = threading.BoundedSemaphore(MAX_STREAMS)


def stream_slot() -> bool:
    """Take one of the streams (release it with `release_slot` when the stream ends)."""
    return _streams.acquire(blocking=False)


def release_slot() -> None:
    _streams.release()


def ticket_view(service: BrokerService, ticket_id: str) -> dict[str, Any] | None:
    """What the page shows, in Vietnamese; None for a ticket the center does not know."""
    with service.queue.store.snapshot() as tx:
        status = ticket_status(tx, service.config, ticket_id, service.queue.forecast(tx.now))
        moved = _still_moved(tx, ticket_id) if status and status.status == "waiting" else None
    if status is None:
        return None
    waiting = status.status == "waiting"
    return {
        "number": status.number,
        "service": status.service_name,
        "status": status.status,
        "label": TICKET_STATUS.get(status.status, status.status),
        "ahead": (PEOPLE_AHEAD.format(n=status.ahead) if status.ahead else NEXT_ONE)
        if waiting else "",
        "wait": _wait_line(wait_text(status.eta_s, status.ahead, service.config.routing.eta_round_min,
                                     band_of(status.wait))) if waiting else "",
        "called_to": CALLED_TO.format(counter=status.counter)
        if status.status == "called" and status.counter else "",
        "moved": _moved_to(service.config, moved) if moved else "",
        "note": TICKET_NOTES.get(status.status, ""),
        "finished": status.status in FINISHED_STATUSES,
        "finished_text": FINISHED if status.status in FINISHED_STATUSES else "",
    }


def _still_moved(tx: Tx, ticket_id: str) -> Transfer | None:
    """The ticket's last transfer, unless the citizen has since been away for a paper and back."""
    transfer = tx.transfers([ticket_id]).get(ticket_id)
    row = tx.ticket(ticket_id) if transfer else None
    if transfer is None or (row and row.returned_at and row.returned_at > transfer.at):
        return None
    return transfer


def _moved_to(config: SiteConfig, transfer: Transfer) -> str:
    """Where a transferred citizen now waits: "… chuyển sang Quầy 2", "… sang dịch vụ Chứng thực"."""
    found = config.service(transfer.to_service)
    service = MOVED_TO_SERVICE.format(service=found.name if found else transfer.to_service)
    if transfer.to_counter is None:
        return MOVED_TO.format(to=service)
    counter = config.counter_label(transfer.to_counter)
    to = counter if transfer.to_service == transfer.from_service else f"{counter}, {service}"
    return MOVED_TO.format(to=to)


def _wait_line(wait: str) -> str:
    """"Thời gian chờ dự kiến: khoảng 15–20 phút", or "Được phục vụ ngay" on its own."""
    return wait if wait.startswith("Được") else f"{EXPECTED_WAIT} {wait}"


def asked_tickets(values: list[str]) -> list[str] | None:
    """The ticket ids a stream's query names (`ticket=<id>`, each once), or None when they are
    too many or one cannot be a ticket id."""
    ids = list(dict.fromkeys(values))
    if not ids or len(ids) > MAX_TICKETS_PER_STREAM:
        return None
    if not all(FOLLOWED_ID.fullmatch(i) for i in ids):
        return None
    return ids


def tickets_stream(service: BrokerService, ticket_ids: list[str]) -> Iterator[str]:
    """`ticket-<id>` events: each ticket's view whenever it changes, until it is finished (an
    unknown ticket gets none); the stream ends when no ticket is left to follow."""
    last: dict[str, dict[str, Any]] = {}
    following = list(ticket_ids)
    yield "retry: 3000\n\n"
    for frame in service.hub.stream():
        if frame.startswith(":"):  # the hub's keepalive: keeps a phone's connection open
            yield frame
            continue
        if last and not frame.startswith("event: hall"):
            continue  # every queue change also publishes the hall state: one recompute each
        for ticket_id in list(following):
            view = ticket_view(service, ticket_id)
            if view is not None and view != last.get(ticket_id):
                last[ticket_id] = view
                yield f"event: ticket-{ticket_id}\ndata: {json.dumps(view, ensure_ascii=False)}\n\n"
            if view is None or view["finished"]:
                following.remove(ticket_id)
        if not following:
            return
