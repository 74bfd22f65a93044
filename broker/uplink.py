"""The center's side of the city uplink (DESIGN §2, §3 `uplink/event`, `uplink/ack`).

The `events` table is the outbox: events go up on `uplink/event` in `seq` order, in batches of
consecutive events (`UplinkBatch`: up to UPLINK_BATCH_EVENTS, within UPLINK_BATCH_BYTES), at most
`window` above the mark the city acknowledged after its database commit. Each ack stores the mark (retention
never deletes above it) and slides the window on. A mark that stops moving while events are in
flight means the city or the bridge lost some: everything above the mark is sent again, and the
city drops what it already has by (site, epoch, seq).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from broker.store.db import Store
from broker.store.uplink import UplinkRow
from xephang.config import UplinkSection
from xephang.mqtt import MqttLink
from xephang.protocol import (
    TICKET_OFFLINE,
    UPLINK_BATCH_BYTES,
    UPLINK_BATCH_EVENTS,
    Topics,
    UplinkAck,
    UplinkBatch,
    UplinkEvent,
    decode_or_drop,
)

log = logging.getLogger(__name__)
TICK_S = 0.5  # how often new events are looked for and a stalled mark is checked


class Uplink:
    def __init__(self, config: UplinkSection, store: Store, link: MqttLink, topics: Topics,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._store, self._link, self._topics, self._clock = store, link, topics, clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.epoch = UUID(int=0)  # read from the database in attach()
        self._mark = 0  # the city's acknowledged seq
        self._sent = 0  # the newest seq published since the last rewind
        self._moved_at = clock()  # when the mark last moved, or events went up with none in flight
        self._online = False  # this connection's rewind has run: sending before it sends twice

    def attach(self) -> None:
        """Read (or make) the epoch and the mark, listen for acks, and start sending."""
        with self._store.transaction() as tx:
            self.epoch = UUID(tx.uplink_epoch())
            if tx.uplink_acked_seq() is None:
                tx.mark_uplink_acked(0)  # from now on retention waits for the city
            self._mark = self._sent = tx.uplink_acked_seq() or 0
        self._link.subscribe(self._topics.uplink_ack, self._on_ack)
        self._link.on_connect(self._connected)
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()
        log.info("city uplink: epoch %s, acknowledged up to %d", self.epoch, self._mark)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _connected(self) -> None:
        with self._lock:
            self._online = True
        self.rewind()

    def rewind(self) -> None:
        """Send everything above the mark again (after a reconnect, or a stalled mark)."""
        with self._lock:
            self._sent = self._mark
            self._moved_at = self._clock()
        self.send()

    def send(self) -> None:
        """Publish the stored events not yet sent that fit in the window above the mark."""
        with self._lock:
            if not self._link.connected.is_set():  # paho would keep them for the reconnect,
                self._online = False  # whose rewind sends them again
            start = max(self._sent, self._mark)
            room = self._mark + self.config.window - start
            if not self._online or room <= 0:
                return
            with self._store.snapshot() as tx:
                rows = tx.uplink_events(start, room)
            for batch in batches([self._message(row) for row in rows]):
                self._link.publish(self._topics.uplink_event, batch)
            if rows:
                if self._sent <= self._mark:  # none in flight until now: the city's wait starts
                    self._moved_at = self._clock()
                self._sent = rows[-1].seq

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self._tick()
            except Exception:  # the uplink must outlive a bad moment (a locked file, a bug)
                log.exception("the city uplink could not send")

    def _tick(self) -> None:
        with self._lock:
            stalled = (self._sent > self._mark
                       and self._clock() - self._moved_at >= self.config.rewind_s)
        if stalled:
            log.warning("city uplink: no acknowledgement past %d for %.0f s; sending again",
                        self._mark, self.config.rewind_s)
            self.rewind()
        else:
            self.send()

    def _on_ack(self, topic: str, payload: bytes) -> None:
        ack = decode_or_drop(UplinkAck, topic, payload)
        if ack is None or str(ack.epoch) != str(self.epoch):
            return  # another database's ack (this center was re-imaged): not ours
        with self._lock:
            if ack.acked_seq <= self._mark:
                return
            with self._store.transaction() as tx:
                acked = min(ack.acked_seq, tx.last_event_seq())
                tx.mark_uplink_acked(acked)
            self._mark, self._moved_at = max(self._mark, acked), self._clock()
        self.send()

    def _message(self, row: UplinkRow) -> UplinkEvent:
        """The event with only the fields the city may see."""
        data, at = row.data, city_moment(row)
        try:
            return UplinkEvent(epoch=self.epoch, seq=row.seq, at=at, type=row.type,
                               service=data.get("service"), counter=row.counter,
                               priority=row.priority, wait_s=data.get("wait_s"),
                               service_s=data.get("service_s"), rating=data.get("rating"),
                               account=data.get("account"), device=data.get("device"),
                               problem=data.get("problem"), since=data.get("since"),
                               until=data.get("until"))
        except ValidationError:  # an odd stored field: the seq still goes up, without details
            log.warning("city uplink: event %d sent without its details", row.seq)
            return UplinkEvent(epoch=self.epoch, seq=row.seq, at=at, type=row.type[:64])


def city_moment(row: UplinkRow) -> datetime:
    """When the city counts the event: a kiosk's offline ticket when it was printed (the center
    counts it in that day too, however late it synced), never after it reached the broker (a
    kiosk's clock ahead); any other event when it was stored."""
    if row.type == TICKET_OFFLINE and row.issued_at is not None:
        return min(row.issued_at, row.at)
    return row.at


BATCH_ROOM = UPLINK_BATCH_BYTES - 64  # the batch's own bytes around its events, with room to spare


def batches(events: Sequence[UplinkEvent]) -> Iterator[UplinkBatch]:
    """The events, in order, packed into as few `uplink/event` messages as the limits allow."""
    chunk: list[UplinkEvent] = []
    size = 0
    for event in events:
        length = len(event.model_dump_json(exclude_none=True).encode()) + 1  # with its comma
        if chunk and (len(chunk) == UPLINK_BATCH_EVENTS or size + length > BATCH_ROOM):
            yield UplinkBatch(events=chunk)
            chunk, size = [], 0
        chunk.append(event)
        size += length
    if chunk:
        yield UplinkBatch(events=chunk)
