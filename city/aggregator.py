"""`xephang city`: every center's uplink events into PostgreSQL once, then the acknowledgement.

One writer thread takes what the MQTT link received (each message an `UplinkBatch` of a center's
events) in batches, drops (with a log line naming the center and the reason) anything that is not a
valid `UplinkEvent` from a known center — an event with any field beyond the contract's, e.g. a
citizen's data, is refused whole, its batch's other events kept — stores the rest in one
transaction, and only after the commit publishes each (site, epoch)'s mark, retained, on that
center's `uplink/ack`. A failed transaction is not acknowledged: its centers send it again.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

import psycopg

from city import CityError
from city.config import CityConfig
from city.database import CityStore, Mark, unstorable
from city.link import CityLink, Received
from xephang.errors import ProtocolError
from xephang.protocol import Topics, UplinkAck, UplinkEvent, decode_uplink

log = logging.getLogger(__name__)

LINGER_S = 0.02  # a small batch waits this long for more before it is stored
RECONNECT_S = (1.0, 10.0)  # the database: first and longest wait between attempts
INBOX_MESSAGES = 2000  # received, not yet stored: at most 2,000 x 64 KiB (a batch of 200 each)

StoreFactory = Callable[[str], CityStore]


class Aggregator:
    def __init__(self, config: CityConfig, password: str,
                 connect: StoreFactory = CityStore.connect) -> None:
        self.config = config
        self.inbox: queue.Queue[Received] = queue.Queue(maxsize=INBOX_MESSAGES)
        self.link = CityLink(config.mqtt, password, self.inbox)
        self.stored = 0  # events inserted since start (repeats not counted)
        self._connect = connect
        self._store: CityStore | None = None
        self._sites = config.sites
        self._announced = 0  # the link connection whose marks were last published
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="city-writer", daemon=True)

    def start(self) -> None:
        try:
            self._store = self._open_store()
        except psycopg.Error as exc:
            raise CityError(f"cannot use the city database ([database] dsn = "
                            f"{self.config.database.dsn!r}): {exc}") from exc
        self._thread.start()
        self.link.start()

    def stop(self) -> None:
        self.link.stop()
        self._stop.set()
        self._thread.join(timeout=10)
        if self._store is not None:
            self._store.close()

    def alive(self) -> bool:
        return self._thread.is_alive() and self.link.alive()

    def _open_store(self) -> CityStore:
        store = self._connect(self.config.database.dsn)
        store.sync_centers(self.config.centers)
        return store

    def _run(self) -> None:
        wait = RECONNECT_S[0]
        while not self._stop.is_set():
            try:
                self._step()
                wait = RECONNECT_S[0]
            except psycopg.Error as exc:
                log.error("city database: %s; its events are not acknowledged and will come again",
                          exc)
                self._drop_store()
                self._stop.wait(wait)
                wait = min(wait * 2, RECONNECT_S[1])

    def _step(self) -> None:
        if self._store is None:
            self._store = self._open_store()
            log.info("connected to the city database again")
        if self.link.connections != self._announced and self.link.connected.is_set():
            self._announced = self.link.connections
            self._acknowledge(self._store.latest_marks())
        events = self._next_batch()
        if events:
            marks = self._store.store(events)  # committed when it returns
            self.stored += len(events)
            self._acknowledge(marks)

    def _drop_store(self) -> None:
        if self._store is not None:
            with contextlib.suppress(psycopg.Error):  # the connection is already gone
                self._store.close()
            self._store = None

    def _next_batch(self) -> list[tuple[str, UplinkEvent]]:
        """Up to about `[mqtt] batch` events (whole messages) for one transaction."""
        events: list[tuple[str, UplinkEvent]] = []
        try:
            self._take(events, self.inbox.get(timeout=0.5))
        except queue.Empty:
            return events
        self._drain(events)
        if len(events) < self.config.mqtt.batch:
            time.sleep(LINGER_S)
            self._drain(events)
        return events

    def _drain(self, events: list[tuple[str, UplinkEvent]]) -> None:
        while len(events) < self.config.mqtt.batch:
            try:
                self._take(events, self.inbox.get_nowait())
            except queue.Empty:
                return

    def _take(self, events: list[tuple[str, UplinkEvent]], received: Received) -> None:
        topic, payload = received
        site = self._site_of(topic)
        if site:
            events.extend((site, event) for event in self._events(site, payload))

    def _site_of(self, topic: str) -> str | None:
        parts = topic.split("/")
        if len(parts) == 5 and parts[3:] == ["uplink", "event"] and parts[2] in self._sites:
            return parts[2]
        log.warning("refused an uplink event on %s: not a center of city.toml", topic)
        return None

    def _events(self, site: str, payload: bytes) -> list[UplinkEvent]:
        """The storable events of one batch; each refused one is logged (by its field and reason,
        never its value: it may carry citizen data) and leaves a gap the center fills again."""
        try:
            events, refused = decode_uplink(payload)
        except ProtocolError as exc:
            log.warning("refused an uplink event from %s: %s", site, exc)
            return []
        for position, problem in refused:
            log.warning("refused an uplink event from %s (event %d of its batch): %s",
                        site, position + 1, problem)
        kept = []
        for event in events:
            reason = unstorable(event)
            if reason:
                log.warning("refused uplink event %s/%s seq %d: %s",
                            site, event.epoch, event.seq, reason)
            else:
                kept.append(event)
        return kept

    def _acknowledge(self, marks: list[Mark]) -> None:
        for mark in marks:
            ack = UplinkAck(epoch=mark.epoch, acked_seq=mark.acked_seq)
            self.link.publish(Topics(mark.site).uplink_ack, ack.encode(), retain=True)


def read_password(config: CityConfig) -> str:
    """The aggregator's MQTT password from `[mqtt] password_file` (and its CA file there); a clear
    error naming the file if either is unusable."""
    path = config.mqtt.password_file
    try:
        password = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CityError(f"cannot read the city MQTT password from {path} ([mqtt] password_file): "
                        f"{exc.strerror or exc}") from exc
    if not password:
        raise CityError(f"{path} ([mqtt] password_file) is empty")
    ca_file = config.mqtt.ca_file
    if ca_file is not None and not ca_file.is_file():
        raise CityError(f"no CA certificate at {ca_file} ([mqtt] ca_file): the city broker's "
                        "ca.crt, made by `xephang city --make-credentials DIR` in DIR/aggregator/")
    return password
