"""The broker on MQTT: kiosk requests and counter commands in, replies and retained state out.

Messages are handled synchronously in paho's callback (commit, then reply), so a QoS 1 request is
acknowledged to Mosquitto only after its change is durable; with a persistent session, requests sent
while the broker was down arrive when it returns. One lock keeps "commit, then publish" in commit
order across the MQTT thread and the web threads, so a stale hall state never overtakes a newer one.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from paho.mqtt.client import MQTT_ERR_SUCCESS, MQTTMessageInfo

from broker.errors import Rejected
from broker.heard import Heard
from broker.queue import live
from broker.queue.messages import (
    SPOKEN_CALLS,
    announcement,
    counter_state,
    event_message,
    hall_state,
)
from broker.queue.tickets import Outcome, Queue
from broker.store.db import EventRow
from xephang.config import SiteConfig
from xephang.errors import ProtocolError
from xephang.mqtt import MqttLink
from xephang.protocol import (
    Announced,
    CounterCommand,
    CounterReply,
    CounterState,
    ErrorReply,
    HallState,
    OfflineTicket,
    Suggestion,
    TicketRequest,
    Topics,
    decode,
    decode_or_drop,
    parse_counter_id,
    reply_ids,
)
from xephang.web import EventHub

log = logging.getLogger(__name__)
FRESH_CALL = timedelta(minutes=2)  # an older call is not spoken again after a crash
CATCH_UP_LIMIT = 5000


class BrokerService:
    def __init__(self, config: SiteConfig, queue: Queue, link: MqttLink, hub: EventHub) -> None:
        self.queue = queue
        self.link = link
        self.hub = hub
        self.topics = Topics(config.site.id)
        self._lock = threading.RLock()
        self._suggested: list[Suggestion] | None = None
        self._unacked_lock = threading.Lock()
        self._unacked: deque[tuple[int, MQTTMessageInfo]] = deque()
        self._heard = Heard(queue.store)
        self.changed: Callable[[], None] = lambda: None  # told after every change (the forecast)

    @property
    def config(self) -> SiteConfig:
        """The queue's config, which a manager's change of a counter's services replaces."""
        return self.queue.config

    def attach(self) -> None:
        """Subscribe (MqttLink re-subscribes on every reconnect) and republish state on connect."""
        self.link.subscribe(self.topics.kiosk_request("+"), self._on_request)
        self.link.subscribe(self.topics.kiosk_offline_issued("+"), self._on_offline)
        self.link.subscribe(self.topics.counter_command("+"), self._on_command)
        self.link.subscribe(self.topics.device_announced("+"), self._on_announced)
        self.link.on_connect(self.republish)

    # -- shared by MQTT and the staff page -----------------------------------------------------
    def command(self, counter_id: int, command: CounterCommand,
                account: str | None = None) -> CounterReply:
        with self._lock:
            outcome = self.queue.command(counter_id, command, account)
            self._publish_changes(outcome)
        assert isinstance(outcome.reply, CounterReply)
        return outcome.reply

    def heard(self, state: CounterState) -> CounterState:
        """The state with `announced_at` once a hall display has said its ticket's call."""
        return self._heard.stamp(state)

    def run(self, operation: Callable[[], Outcome]) -> Outcome:
        """A change made outside the queue's own operations (a manager's), published the same way
        (after the tickets of earlier days are ended, on the first change of a new day)."""
        with self._lock:
            self._publish_changes(self.queue.end_past_days())
            outcome = operation()
            self._publish_changes(outcome)
        return outcome

    def end_past_days(self) -> None:
        """End what earlier days left (the nightly job, before it closes their figures) and
        publish it: the freed counters' states, the hall without those tickets, the events."""
        with self._lock:
            self._publish_changes(self.queue.end_past_days(force=True))

    def republish(self) -> None:
        """Every retained topic from the database: a restarted broker or display shows the truth."""
        with self._lock:
            self._publish_state([c.id for c in self.config.counters])
        log.info("republished the state of %d counters and the hall", len(self.config.counters))
        self._catch_up_events()

    # -- MQTT handlers -------------------------------------------------------------------------
    def _on_announced(self, topic: str, payload: bytes) -> None:
        """A hall display said these calls: stamp the counters that still hold those tickets."""
        said = decode_or_drop(Announced, topic, payload)
        if said is None:
            return
        with self._lock, self.queue.store.snapshot() as tx:
            states = {c.counter: counter_state(tx, c.counter) for c in said.calls
                      if self.config.counter(c.counter) is not None}
        for call in said.calls:
            state = states.get(call.counter)
            ticket = state.ticket if state is not None else None
            if state and ticket and ticket.number == call.number and self._heard.note(call, said.at):
                stamped = self._heard.stamp(state)
                self._publish_counter(call.counter, stamped.model_dump(mode="json"), stamped.encode())

    def _on_request(self, topic: str, payload: bytes) -> None:
        reply_topic = self.topics.kiosk_reply(self.topics.segment(topic, "kiosk") or "unknown")
        self._answering(reply_topic, payload, lambda: self._issue(topic, payload))

    def _on_offline(self, topic: str, payload: bytes) -> None:
        reply_topic = self.topics.kiosk_reply(self.topics.segment(topic, "kiosk") or "unknown")
        self._answering(reply_topic, payload, lambda: self._accept_offline(topic, payload))

    def _on_command(self, topic: str, payload: bytes) -> None:
        reply_topic = self.topics.counter_reply(self.topics.segment(topic, "counter") or "unknown")
        self._answering(reply_topic, payload, lambda: self._run_command(topic, payload))

    def _issue(self, topic: str, payload: bytes) -> None:
        self._known_kiosk(self.topics.segment(topic, "kiosk") or "unknown")
        request = decode(TicketRequest, payload)
        self._kiosk_change(topic, lambda kiosk: self.queue.issue(request, kiosk))

    def _accept_offline(self, topic: str, payload: bytes) -> None:
        self._known_kiosk(self.topics.segment(topic, "kiosk") or "unknown")
        offline = decode(OfflineTicket, payload)
        self._kiosk_change(topic, lambda kiosk: self.queue.accept_offline(offline, kiosk))

    def _kiosk_change(self, topic: str, change: Callable[[str], Outcome]) -> None:
        """Run a kiosk's change, answer the kiosk, then publish what changed (in commit order)."""
        kiosk = self.topics.segment(topic, "kiosk") or "unknown"
        with self._lock:
            outcome = change(kiosk)
            assert outcome.reply is not None
            self.link.publish(self.topics.kiosk_reply(kiosk), outcome.reply)
            self._publish_changes(outcome)

    def _run_command(self, topic: str, payload: bytes) -> None:
        segment = self.topics.segment(topic, "counter") or "unknown"
        command = decode(CounterCommand, payload)
        counter_id = parse_counter_id(segment)
        if counter_id is None or self.config.counter(counter_id) is None:
            raise Rejected("unknown_counter", f"Không có quầy {segment[:16]!r} (unknown counter).")
        self.link.publish(self.topics.counter_reply(segment), self.command(counter_id, command))

    def _answering(self, reply_topic: str, payload: bytes, handle: Callable[[], None]) -> None:
        """Run a handler; whatever it refuses is answered on the sender's reply topic. A failure
        that is not a refusal is a bug: its traceback is logged, and the sender still hears."""
        try:
            handle()
        except (ProtocolError, Rejected) as exc:
            self._reject(reply_topic, exc.code, exc.detail, payload)
        except (sqlite3.Error, ValueError, TypeError, OverflowError, RecursionError):
            log.exception("a message for %s could not be handled", reply_topic)
            self._reject(reply_topic, "internal_error",
                         "Máy chủ không xử lý được yêu cầu này (lỗi nội bộ đã được ghi lại).",
                         payload)

    def _known_kiosk(self, kiosk: str) -> None:
        """Only the site's own kiosks get numbers (Mosquitto's ACL lets each publish only under
        its own id, so the topic names the sender)."""
        if self.config.kiosk(kiosk) is None:
            raise ProtocolError("unknown_kiosk", f"Ki-ốt {kiosk[:40]!r} không có trong cấu hình của trung "
                                "tâm (unknown kiosk).")

    def _reject(self, reply_topic: str, code: str, detail: str, payload: bytes) -> None:
        log.warning("rejected a message for %s: %s: %s", reply_topic, code, detail)
        self.link.publish(reply_topic, ErrorReply(error=code, detail=detail, **reply_ids(payload)))

    # -- after a commit ------------------------------------------------------------------------
    def publish_hall(self) -> None:
        """The hall's retained state again (a new wait forecast is ready)."""
        with self._lock:
            with self.queue.store.snapshot() as tx:
                hall = hall_state(tx, self.config, self.queue.forecast(tx.now))
            self._publish_hall(hall)

    def _publish_changes(self, outcome: Outcome) -> None:
        if not outcome.changed:
            return
        self.changed()
        self._publish_state(sorted(outcome.counters))
        for call in outcome.announcements:
            self.link.publish(self.topics.hall_announce, call)
        for event in outcome.events:
            self._publish_event(event)

    def _publish_state(self, counter_ids: list[int]) -> None:
        """These counters' retained states and the hall's, read in one snapshot."""
        with self.queue.store.snapshot() as tx:
            states = [counter_state(tx, counter_id) for counter_id in counter_ids]
            hall = hall_state(tx, self.config, self.queue.forecast(tx.now))
        for state in map(self._heard.stamp, states):
            self._publish_counter(state.counter, state.model_dump(mode="json"), state.encode())
        self._publish_hall(hall)

    def _publish_event(self, event: EventRow) -> None:
        """At least once: the newest event Mosquitto acknowledged is stored, and a restarted broker
        publishes every event after it again (consumers tell repeats apart by `seq`)."""
        info = self.link.publish(self.topics.event, event_message(event))
        with self._unacked_lock:
            self._unacked.append((event.seq, info))
        self._store_acknowledged()

    def _store_acknowledged(self) -> None:
        """Move the stored mark past the events Mosquitto has acknowledged, in order."""
        newest = 0
        with self._unacked_lock:
            while self._unacked and _acknowledged(self._unacked[0][1]):
                newest = self._unacked.popleft()[0]
            if self._unacked and _failed(self._unacked[0][1]):
                # Published while disconnected (the nightly job's changes at start): the catch-up
                # on connect sends it and everything after it again, from the stored mark.
                self._unacked.clear()
        if newest:
            with self.queue.store.transaction() as tx:
                tx.mark_published(newest)

    def flush_events(self, timeout: float = 2.0) -> None:
        """On a clean stop: wait briefly for the last acknowledgements and store them."""
        with self._unacked_lock:
            pending = [info for _, info in self._unacked]
        for info in pending:
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):  # not connected: nothing more will be acknowledged
                break
        self._store_acknowledged()

    def _catch_up_events(self) -> None:
        """Events committed but never acknowledged (a crash between commit and publish): publish
        them now, and speak again the calls among them that are still fresh (a hall display
        drops a call it already spoke, by call_id)."""
        with self.queue.store.snapshot() as tx:
            events = tx.events_after(tx.published_seq(), limit=CATCH_UP_LIMIT)
            now = tx.now
        for event in events:
            self._publish_event(event)
            if event.type in SPOKEN_CALLS and now - event.at <= FRESH_CALL and event.counter:
                self.link.publish(self.topics.hall_announce, announcement(
                    event, str(event.data.get("number", "")), event.counter,
                    int(event.data.get("repeat", 0))))
        if events:
            log.info("published %d events again that had not been acknowledged", len(events))

    def _publish_counter(self, counter_id: int, data: dict[str, object], payload: bytes) -> None:
        self.link.publish(self.topics.counter_state(counter_id), payload, retain=True)
        self.hub.publish(f"counter-{counter_id}", data)

    def _publish_hall(self, hall: HallState) -> None:
        self.link.publish(self.topics.hall_state, hall, retain=True)
        self.hub.publish("hall", hall.model_dump(mode="json"))
        self._publish_suggestions()

    def _publish_suggestions(self) -> None:
        """Retained on `suggestions` when they change (routing/suggest.py)."""
        with self.queue.store.snapshot() as tx:
            current = live.suggestions(tx, self.config)
        if current.suggestions != self._suggested:
            self._suggested = current.suggestions
            self.link.publish(self.topics.suggestions, current, retain=True)


def _failed(info: MQTTMessageInfo) -> bool:
    """paho refused the message (e.g. not connected): it will never say it was acknowledged."""
    return info.rc > MQTT_ERR_SUCCESS  # as `is_published` tells, by raising


def _acknowledged(info: MQTTMessageInfo) -> bool:
    return not _failed(info) and info.is_published()
