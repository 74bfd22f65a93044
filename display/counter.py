"""The counter unit: the counter's current ticket and status, and the staff's call buttons.

A press (physical or on the page) becomes one `CounterCommand` on `counter/{id}/command`; the
PressGuard turns a double press into one command. The broker answers on `counter/{id}/reply` and
publishes the new retained `counter/{id}/state`, which is what the screen shows.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from display import labels
from display.guard import REPLY_TIMEOUT_S, PressGuard
from display.labels import ACTIONS, BUTTONS_BROKEN, MQTT_LOST
from display.screen import PressOutcome
from xephang.config import Display, SiteConfig
from xephang.errors import ConfigError
from xephang.labels import (
    ACTION_RESULTS,
    CLOSING_AFTER_CURRENT,
    NOBODY_WAITING,
    RATING_NAMES,
    TICKET_RESULTS,
    WITHDRAWN_RESULT,
    counter_status,
)
from xephang.mqtt import MqttLink
from xephang.protocol import (
    ActionArgs,
    CounterAction,
    CounterCommand,
    CounterReply,
    CounterState,
    HallState,
    RateArgs,
    Topics,
    TransferArgs,
    decode_or_drop,
)
from xephang.web import EventHub

log = logging.getLogger(__name__)


class CounterScreen:
    template = "counter.html"

    def __init__(self, config: SiteConfig, display: Display, hub: EventHub, *,
                 guard: PressGuard | None = None) -> None:
        if display.counter is None:
            raise ConfigError(f"display {display.id}: a counter display needs `counter`")
        self.counter_id: int = display.counter
        self._label = config.counter_label(self.counter_id)
        self._config = config
        self._hub = hub
        self._guard = guard or PressGuard()
        self._rating_guard = PressGuard()  # the citizen's buttons never block the staff's
        self._transfer_service = display.transfer_service
        self.keypad = dict(display.keypad)
        self._link: MqttLink | None = None
        self._command_topic = ""
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._state: CounterState | None = None
        self._pending: dict[str, CounterAction] = {}  # command_id -> action, for the reply's message
        self._message: dict[str, Any] | None = None
        self._buttons_error: str | None = None
        self._last_ticket: str | None = None  # the ticket a rating is for, once service has ended
        self._rated: set[str] = set()  # tickets this unit saw rated: one rating per served ticket
        self._rating_of: dict[str, str] = {}  # command_id -> ticket id, for a rating in flight
        self.ready = threading.Event()  # set once this counter's state has arrived
        self._waiting: int | None = None  # people waiting for this counter's services

    def subscribe(self, link: MqttLink, topics: Topics) -> None:
        self._link = link
        self._command_topic = topics.counter_command(self.counter_id)
        link.subscribe(topics.counter_state(self.counter_id), self._on_state)
        link.subscribe(topics.counter_reply(self.counter_id), self._on_reply)
        link.subscribe(topics.hall_state, self._on_hall)

    def _on_hall(self, topic: str, payload: bytes) -> None:
        """The waiting count of this counter's services, from the hall's retained state."""
        hall = decode_or_drop(HallState, topic, payload)
        counter = self._config.counter(self.counter_id)
        if hall is None or counter is None:
            return
        with self._lock:
            self._waiting = sum(hall.waiting.get(code, 0) for code in counter.services)
        self._push()

    def connection_changed(self) -> None:
        self._push()

    def set_buttons_broken(self, detail: str) -> None:
        with self._lock:
            self._buttons_error = f"{BUTTONS_BROKEN} ({detail})"
        self._push()

    def press(self, action: str) -> PressOutcome:
        """Send `action` (a staff action or a rating) as one command, unless it is unknown, we are
        offline, it cannot apply, or it is a double press."""
        if action in RATING_NAMES:
            return self._rate(RateArgs.model_validate({"rating": action}))
        staff = next((known for known in ACTIONS if known == action), None)
        if staff is None:
            return PressOutcome("unknown_action", labels.UNKNOWN_ACTION.format(action=action))
        args: ActionArgs | None = None
        if staff == "transfer":
            if self._transfer_service is None:
                return PressOutcome("not_configured", labels.NOT_CONFIGURED)
            args = TransferArgs(service=self._transfer_service)
        return self._send(staff, args, self._guard, ACTIONS[staff])

    def _rate(self, args: RateArgs) -> PressOutcome:
        with self._lock:
            ticket = self._rating_ticket()
        if ticket is None:
            return PressOutcome("no_ticket", labels.NOTHING_TO_RATE)
        if ticket in self._rated:
            return PressOutcome("already_rated", labels.ALREADY_RATED)
        outcome = self._send("rate", args.model_copy(update={"ticket": ticket}), self._rating_guard,
                             RATING_NAMES[args.rating])
        if outcome.command_id is not None:
            with self._lock:
                self._rating_of[outcome.command_id] = ticket
        return outcome

    def _rating_ticket(self) -> str | None:
        """The ticket being served, else the one just served (ratings come at the end)."""
        current = self._state.ticket if self._state is not None else None
        return current.id if current is not None else self._last_ticket

    def _send(self, action: CounterAction, args: ActionArgs | None, guard: PressGuard,
              label: str) -> PressOutcome:
        if self._link is None or not self._link.connected.is_set():
            # Refused rather than queued: a command sent minutes later would surprise everyone.
            return PressOutcome("offline", MQTT_LOST)
        command = CounterCommand.of(uuid.uuid4(), action, args)
        command_id = str(command.command_id)
        if not guard.try_begin(command_id):
            log.info("ignored %s: double press or still waiting for the last reply", action)
            return PressOutcome("busy", labels.BUSY)
        self._remember(command_id, action)
        self._link.publish(self._command_topic, command)
        log.info("sent %s as command %s", action, command_id)
        _start_reply_timer(self._reply_overdue, command_id)
        return PressOutcome("sent", labels.SENT.format(label=label), command_id)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state = self._state
            pending = next((a for a in self._pending.values() if a != "rate"), None)
            message, buttons_error = self._message, self._buttons_error
            waiting = self._waiting
        connected = self._link is not None and self._link.connected.is_set()
        ticket = state.ticket if state else None
        service = self._config.service(ticket.service) if ticket else None
        return {
            "kind": "counter",
            "counter": self.counter_id,
            "label": self._label,
            "mqtt_connected": connected,
            "has_state": state is not None,
            "status": state.status if state else None,
            "closing": bool(state and state.closing),
            "status_label": CLOSING_AFTER_CURRENT if state and state.closing
            else counter_status(state.status if state else None)
            + (labels.HEARD if ticket and state and state.announced_at else ""),
            "number": ticket.number if ticket else None,
            "service": service.name if service else None,
            "since": state.since.isoformat() if state else None,
            "pending": pending,
            "waiting": None if waiting is None else labels.WAITING.format(count=waiting),
            "message": message,
            "buttons_error": buttons_error,
            "keypad": self.keypad,
        }

    def _on_state(self, topic: str, payload: bytes) -> None:
        state = decode_or_drop(CounterState, topic, payload)
        if state is None:
            return
        if state.counter != self.counter_id:
            log.warning("dropped a state for counter %d on %s", state.counter, topic)
            return
        with self._lock:
            previous = self._state.ticket if self._state is not None else None
            if previous is not None and (state.ticket is None or state.ticket.id != previous.id):
                self._last_ticket = previous.id
            self._state = state
        self.ready.set()
        self._push()

    def _on_reply(self, topic: str, payload: bytes) -> None:
        reply = decode_or_drop(CounterReply, topic, payload)
        if reply is None:
            return
        command_id = str(reply.command_id)
        self._guard.settle(command_id)
        self._rating_guard.settle(command_id)
        with self._lock:
            action = self._pending.pop(command_id, None)
            if action is None:
                return  # a reply to the staff page's command, not to ours
            rated = self._rating_of.pop(command_id, None)
            if rated is not None and (reply.ok or reply.error == "already_rated"):
                self._rated.add(rated)
            self._message = _reply_message(action, reply)
        self._push()

    def _reply_overdue(self, command_id: str) -> None:
        with self._lock:
            self._rating_of.pop(command_id, None)
            if self._pending.pop(command_id, None) is None:
                return
            self._message = {"ok": False, "text": labels.NO_REPLY}
        log.warning("no reply to command %s within %.0f s", command_id, REPLY_TIMEOUT_S)
        self._push()

    def _remember(self, command_id: str, action: CounterAction) -> None:
        with self._lock:
            self._pending[command_id] = action
            self._message = None
        self._push()

    def _push(self) -> None:
        # Snapshot and send as one step: the MQTT thread and the connection watch both push, and an
        # older snapshot must never be sent after a newer one.
        with self._push_lock:
            self._hub.publish("state", self.snapshot())


def _reply_message(action: CounterAction, reply: CounterReply) -> dict[str, Any]:
    if action == "rate":
        if reply.ok or reply.error == "already_rated":
            return {"ok": True, "text": labels.THANKS_FOR_RATING}
        return {"ok": False, "text": labels.RATING_FAILED.format(reason=reply.detail or reply.error)}
    name = ACTIONS[action]
    if not reply.ok:
        reason = reply.detail or reply.error or labels.NO_REASON
        return {"ok": False, "text": labels.ACTION_FAILED.format(action=name, reason=reason)}
    if reply.ticket is not None and action in TICKET_RESULTS:
        text = TICKET_RESULTS[action].format(number=reply.ticket.number)
    elif action == "call_next":
        text = NOBODY_WAITING
    else:
        text = ACTION_RESULTS.get(action, name)
    if reply.withdrawn:  # the call just made went back to the line, uncounted
        text = f"{WITHDRAWN_RESULT.format(number=reply.withdrawn)} {text}"
    return {"ok": True, "text": text}


def _start_reply_timer(callback: Callable[[str], None], command_id: str) -> None:
    timer = threading.Timer(REPLY_TIMEOUT_S, callback, args=(command_id,))
    timer.daemon = True
    timer.start()
