"""The kiosk from a test's side: its page's events, a queue server played by the test, its buttons,
and the kiosk's rules driven without MQTT or GPIO."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harness.event_stream import EventStream
from harness.mqtt_probe import Probe
from kiosk.core import Issued, Kiosk, KioskStatus
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig
from xephang.protocol import Ticket, TicketReply, TicketRequest, Topics

ISSUED_AT = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)
TICKET = Ticket(id="t-1", number="1023", service="HT", ahead=4, eta_s=1000, issued_at=ISSUED_AT)


class KioskPage:
    """The kiosk page's server-sent events (`kiosk` events, each the page's status)."""

    def __init__(self, base_url: str) -> None:
        self.stream = EventStream(base_url + "/events")

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool],
                 timeout: float = 10.0) -> dict[str, Any]:
        status: dict[str, Any] = self.stream.wait_for("kiosk", predicate, timeout)
        return status

    def outcome(self) -> dict[str, Any]:
        return self.wait_for(lambda s: s["state"] in ("ticket", "error"))

    def close(self) -> None:
        self.stream.close()


def press(mock_pins: Any, pin: int) -> None:
    """A push on a button wired to `pin` (gpiozero mock pins)."""
    mock_pins.pin(pin).drive_low()
    mock_pins.pin(pin).drive_high()


def with_kiosk(config: SiteConfig, **changes: Any) -> SiteConfig:
    """The site with kiosk-1's settings changed."""
    kiosks = [k.model_copy(update=changes) if k.id == "kiosk-1" else k for k in config.kiosks]
    return config.model_copy(update={"kiosks": kiosks})


class FakeQueueServer:
    """The test plays the queue server: it takes `kiosk/+/request` and answers as the broker does."""

    def __init__(self, probe: Probe, topics: Topics) -> None:
        self.probe = probe
        self.topics = topics
        self.requests = f"{topics.root}/kiosk/+/request"
        probe.subscribe(self.requests)

    def next_request(self, timeout: float = 5.0) -> tuple[str, dict[str, Any]]:
        topic, request = self.probe.next(self.requests, timeout)
        return topic.split("/")[-2], request

    def answer(self, kiosk_id: str, request: dict[str, Any], number: str, ahead: int = 4) -> Ticket:
        ticket = Ticket(id=f"t-{number}", number=number, service=request["service"], ahead=ahead,
                        eta_s=ahead * 250, issued_at=ISSUED_AT)
        self.probe.publish(self.topics.kiosk_reply(kiosk_id), {
            "v": 1, "request_id": request["request_id"], "ok": True,
            "ticket": json.loads(ticket.model_dump_json())})
        return ticket


class FakeServer:
    """A transport whose server answers each request with `answer(request)` (None: silence)."""

    def __init__(self, answer: Callable[[TicketRequest], TicketReply | None],
                 connected: bool = True) -> None:
        self.answer = answer
        self.connected = connected
        self.sent: list[TicketRequest] = []
        self.kiosk: Kiosk | None = None

    def send(self, request: TicketRequest) -> None:
        self.sent.append(request)
        reply = self.answer(request)
        if reply is not None and self.kiosk is not None:
            self.kiosk.handle_reply(reply.encode())

    def is_connected(self) -> bool:
        return self.connected


class Harness:
    """The kiosk's rules (`kiosk.core.Kiosk`) on a fake clock, printing into a list."""

    def __init__(self, config: SiteConfig, server: FakeServer,
                 output: Callable[[Issued], str | None] | None = None) -> None:
        self.clock = FakeClock()
        self.statuses: queue.Queue[KioskStatus] = queue.Queue()
        self.printed: list[Ticket] = []
        self.kiosk = Kiosk(config, server, output or self._print, self.statuses.put,
                           reply_timeout_s=0.4, clock=self.clock.monotonic)
        server.kiosk = self.kiosk

    def _print(self, issued: Issued) -> str:
        ticket = issued.ticket
        self.printed.append(ticket)
        return f"{ticket.number}.png"

    def outcome(self) -> KioskStatus:
        while True:
            status = self.statuses.get(timeout=5)
            if status.state != "waiting":
                return status


def ok(request: TicketRequest) -> TicketReply:
    return TicketReply(request_id=request.request_id, ok=True, ticket=TICKET)
