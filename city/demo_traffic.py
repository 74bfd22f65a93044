"""The demo city's citizens and staff: one center's day played over MQTT at a demo's pace.

Citizens take tickets on the first kiosk's request topic; at each of the first counters a member of
staff calls the next ticket, serves for a while, finishes, and most citizens rate. The broker does
the rest as it would for real devices (its events go up to the city through the uplink).
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass

from xephang.config import SiteConfig
from xephang.mqtt import MqttLink
from xephang.mqtt_access import MqttAccess
from xephang.protocol import RATINGS, CounterCommand, RateArgs, TicketRequest, Topics

TICK_S = 1.0
ARRIVAL_S = (4.0, 9.0)  # between two citizens taking a ticket
SERVICE_S = (15.0, 60.0)  # a demo's service, much shorter than a real one
BREATH_S = (2.0, 12.0)  # between a finished citizen and the next call
STAFFED = 6  # counters with someone at them
RATED = 0.6


@dataclass
class _Desk:
    counter: int
    serving: bool = False
    next_at: float = 0.0


class Traffic:
    def __init__(self, config: SiteConfig, access: MqttAccess, seed: int | None = None) -> None:
        self.config = config
        self.topics = Topics(config.site.id)
        self.link = MqttLink(access, persistent=False)
        self.random = random.Random(seed)
        self.kiosk = config.kiosks[0].id if config.kiosks else "kiosk-1"
        self.desks = [_Desk(c.id) for c in config.counters[:STAFFED]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"traffic-{config.site.id}", daemon=True)

    def start(self) -> Traffic:
        self.link.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.link.stop()

    def _run(self) -> None:
        clock, next_ticket = 0.0, 0.0
        while not self._stop.wait(TICK_S):
            clock += TICK_S
            if clock >= next_ticket:
                self._ticket()
                next_ticket = clock + self.random.uniform(*ARRIVAL_S)
            for desk in self.desks:
                if clock >= desk.next_at:
                    self._step(desk, clock)

    def _ticket(self) -> None:
        service = self.random.choice(self.config.services).code
        self.link.publish(self.topics.kiosk_request(self.kiosk),
                          TicketRequest(request_id=uuid.uuid4(), service=service))

    def _step(self, desk: _Desk, clock: float) -> None:
        """Finish the citizen at the desk (and maybe rate), or call the next one."""
        if desk.serving:
            self._command(desk.counter, CounterCommand.of(uuid.uuid4(), "done"))
            if self.random.random() < RATED:
                rating = self.random.choices(RATINGS, weights=(6, 3, 1))[0]
                self._command(desk.counter, CounterCommand.of(uuid.uuid4(), "rate", RateArgs(rating=rating)))
            desk.serving, desk.next_at = False, clock + self.random.uniform(*BREATH_S)
        else:
            self._command(desk.counter, CounterCommand.of(uuid.uuid4(), "call_next"))
            desk.serving, desk.next_at = True, clock + self.random.uniform(*SERVICE_S)

    def _command(self, counter: int, command: CounterCommand) -> None:
        self.link.publish(self.topics.counter_command(counter), command)
