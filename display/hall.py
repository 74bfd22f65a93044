"""The waiting-hall screen: the latest hall state, counter states and announcements, pushed to pages.

Everything it shows arrives over MQTT; `hall/state` and `counter/+/state` are retained, so a display
that reboots after a power cut shows the right calls as soon as it reconnects.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from display.announce import REMEMBERED_CALLS, AnnouncementGate
from display.labels import NO_CALL_YET, NOBODY_CALLED, wait_minutes, wait_text
from display.screen import PressOutcome
from xephang.config import SiteConfig
from xephang.labels import CLOSING_NOTE, counter_status
from xephang.mqtt import MqttLink
from xephang.protocol import (
    Announced,
    Announcement,
    CounterState,
    HallState,
    RecentCall,
    SpokenCall,
    Topics,
    decode_or_drop,
)
from xephang.web import EventHub

log = logging.getLogger(__name__)

RECENT_CALLS = 8  # the hall's list of calls, each number once (the big box's call aside)
Announcer = Callable[[Announcement], None]


class HallScreen:
    template = "hall.html"

    def __init__(self, config: SiteConfig, hub: EventHub, *, announcer: Announcer | None = None,
                 gate: AnnouncementGate | None = None, zone: list[int] | None = None,
                 display_id: str = "hall") -> None:
        self._config = config
        self._display_id = display_id
        self._topics: Topics | None = None
        self._hub = hub
        self._announcer = announcer
        self._gate = gate or AnnouncementGate()
        self._zone = frozenset(zone or ())  # the counters this hall announces; empty = all
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._state: HallState | None = None
        self._counters: dict[int, CounterState] = {}
        self._arrivals = itertools.count()  # MQTT delivers in order: a message's place in it
        self._state_arrived: dict[int, int] = {}  # counter -> place of its latest state
        self._call_arrived: dict[str, int] = {}  # call_id -> place of its announcement
        self._speaking: list[str] = []  # call ids being said now
        self._link: MqttLink | None = None
        self.ready = threading.Event()  # set once a hall state has arrived

    def announce_with(self, announcer: Announcer) -> None:
        self._announcer = announcer

    def subscribe(self, link: MqttLink, topics: Topics) -> None:
        self._link = link
        self._topics = topics
        link.subscribe(topics.hall_state, self._on_hall_state)
        link.subscribe(topics.hall_announce, self._on_announce)
        link.subscribe(topics.counter_state("+"), self._on_counter_state)

    def connection_changed(self) -> None:
        self._push()

    def press(self, action: str) -> PressOutcome | None:
        return None  # a hall screen has no buttons

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state, counters = self._state, dict(self._counters)
        connected = self._link is not None and self._link.connected.is_set()
        return hall_view(self._config, state, counters, connected, self._zone)

    def _on_hall_state(self, topic: str, payload: bytes) -> None:
        state = decode_or_drop(HallState, topic, payload)
        if state is None:
            return
        with self._lock:
            self._state = state
        self.ready.set()
        self._push()

    def _on_counter_state(self, topic: str, payload: bytes) -> None:
        state = decode_or_drop(CounterState, topic, payload)
        if state is None:
            return
        with self._lock:
            self._counters[state.counter] = state
            self._state_arrived[state.counter] = next(self._arrivals)
        self._push()

    def in_zone(self, counter: int) -> bool:
        return not self._zone or counter in self._zone

    def is_current(self, call: Announcement) -> bool:
        """Is the call still to be said: its counter has not since finished, moved or replaced it.

        The counter's state is newer than the call when its `since` is not before the call's `at`
        (or, from a broker that does not send `at`, when it arrived after the call).
        """
        with self._lock:
            state = self._counters.get(call.counter)
            state_place = self._state_arrived.get(call.counter, -1)
            call_place = self._call_arrived.get(call.call_id, -1)
        if state is None or (state.ticket is not None and state.ticket.number == call.number):
            return True
        newer = state.since >= call.at if call.at is not None else state_place > call_place
        return not newer

    def speaking(self, calls: list[Announcement]) -> None:
        """The announcer starts (or, with no calls, ends) a sound: the page highlights them."""
        with self._lock:
            self._speaking = [call.call_id for call in calls]
        views = [announce_view(self._config, call) for call in calls]
        self._hub.publish("speaking", {"calls": views})

    def spoken(self, calls: list[Announcement]) -> None:
        """The calls were said: tell the broker, so staff see that their citizen was called."""
        log.info("spoken: %s", ", ".join(f"{c.call_id} ({c.number})" for c in calls))
        if self._link is None or self._topics is None:
            return
        fact = Announced(calls=[SpokenCall(call_id=c.call_id, number=c.number, counter=c.counter)
                                for c in calls], at=datetime.now(UTC))
        self._link.publish(self._topics.device_announced(self._display_id), fact)

    def _on_announce(self, topic: str, payload: bytes) -> None:
        announcement = decode_or_drop(Announcement, topic, payload)
        if announcement is None or not self.in_zone(announcement.counter):
            return
        with self._lock:
            self._call_arrived[announcement.call_id] = next(self._arrivals)
            if len(self._call_arrived) > REMEMBERED_CALLS:
                self._call_arrived.pop(next(iter(self._call_arrived)))
        if not self._gate.admit(announcement):
            log.info("duplicate announcement %s (repeat %d) not repeated",
                     announcement.call_id, announcement.repeat)
            return
        log.info("announce %s → counter %d (repeat %d): %s", announcement.number,
                 announcement.counter, announcement.repeat, announcement.text)
        self._hub.publish("announce", announce_view(self._config, announcement), keep=False)
        if self._announcer is not None:
            self._announcer(announcement)

    def _push(self) -> None:
        # Snapshot and send as one step: the MQTT thread and the connection watch both push, and an
        # older snapshot must never be sent after a newer one.
        with self._push_lock:
            self._hub.publish("state", self.snapshot())


def hall_view(config: SiteConfig, state: HallState | None, counters: dict[int, CounterState],
              connected: bool, zone: frozenset[int] = frozenset()) -> dict[str, Any]:
    """What a hall page shows, as JSON: the same shape for `/api/state` and the `state` event.

    The big box holds the newest call while its counter still holds that ticket, and is cleared
    once it is finished or moved; the list below holds the other recent calls, each number once.
    """
    in_zone = [call for call in (state.recent_calls if state else [])
               if not zone or call.counter in zone]
    distinct = [call for i, call in enumerate(in_zone)
                if all(other.number != call.number for other in in_zone[:i])]
    current = distinct[0] if distinct and _still_called(distinct[0], counters) else None
    previous = [call for call in distinct if call is not current][:RECENT_CALLS]
    return {
        "kind": "hall",
        "site": config.site.name,
        "mqtt_connected": connected,
        "has_state": state is not None,
        "current": _call_view(config, current) if current else None,
        "idle_text": NOBODY_CALLED if distinct else NO_CALL_YET,  # the big box without a call
        "previous": [_call_view(config, call) for call in previous],
        "services": _services_view(config, state),
        "counters": [_counter_view(config, counters[c]) for c in sorted(counters)
                     if not zone or c in zone],
        "notices": list(config.site.notices),
    }


def _still_called(call: RecentCall, counters: dict[int, CounterState]) -> bool:
    state = counters.get(call.counter)
    if state is None or state.since <= call.at:
        return True  # nothing newer known about that counter
    return state.ticket is not None and state.ticket.number == call.number


def announce_view(config: SiteConfig, announcement: Announcement) -> dict[str, Any]:
    return {
        "call_id": announcement.call_id,
        "number": announcement.number,
        "counter": announcement.counter,
        "counter_label": config.counter_label(announcement.counter),
        "text": announcement.text,
        "repeat": announcement.repeat,
    }


def _call_view(config: SiteConfig, call: RecentCall) -> dict[str, Any]:
    return {
        "number": call.number,
        "counter": call.counter,
        "counter_label": config.counter_label(call.counter),
        "at": call.at.isoformat(),
        "time": _local_hhmm(config, call.at),
    }


def _services_view(config: SiteConfig, state: HallState | None) -> list[dict[str, Any]]:
    waiting = state.waiting if state else {}
    eta = state.eta_s if state else {}
    forecast = state.wait if state else {}
    return [
        {
            "code": service.code,
            "name": service.name,
            "waiting": waiting.get(service.code, 0),
            "eta_min": wait_minutes(eta.get(service.code)) if waiting.get(service.code) else None,
            "wait_text": wait_text(waiting.get(service.code, 0), eta.get(service.code),
                                   forecast.get(service.code), config.routing.eta_round_min),
        }
        for service in config.services
    ]


def _counter_view(config: SiteConfig, state: CounterState) -> dict[str, Any]:
    return {
        "id": state.counter,
        "label": config.counter_label(state.counter),
        "status": state.status,
        "status_label": counter_status(state.status, state.closing),
        "closing_note": CLOSING_NOTE if state.closing else "",
        "number": state.ticket.number if state.ticket else None,
    }


def _local_hhmm(config: SiteConfig, at: datetime) -> str:
    local = at.astimezone(config.site.zone) if at.tzinfo else at
    return local.strftime("%H:%M")
