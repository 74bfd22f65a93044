"""The kiosk's rules without MQTT or GPIO: double presses, retries, refusals, printer failures."""

from __future__ import annotations

import threading

from hardware.errors import PrinterUnavailable
from kiosk.core import NO_ANSWER, REFUSALS, Issued
from tests.support.kiosk import TICKET, FakeServer, Harness, ok
from xephang.config import SiteConfig
from xephang.protocol import TicketReply, TicketRequest


def test_a_press_prints_the_ticket_the_server_issued(config: SiteConfig) -> None:
    server = FakeServer(ok)
    harness = Harness(config, server)

    assert harness.kiosk.press("HT") == "accepted"

    status = harness.outcome()
    assert (status.state, status.number, status.png) == ("ticket", "1023", "1023.png")
    assert status.service_name == "Tư pháp – Hộ tịch"
    assert "Phía trước còn 4 người" in status.message
    assert harness.printed == [TICKET]
    assert [(r.service, r.source) for r in server.sent] == [("HT", "button")]


def test_the_same_service_again_within_a_second_is_ignored(config: SiteConfig) -> None:
    harness = Harness(config, FakeServer(ok))
    harness.kiosk.press("HT")
    harness.outcome()

    harness.clock.advance(seconds=0.5)
    assert harness.kiosk.press("HT") == "repeat"
    assert harness.kiosk.press("CT") == "accepted"
    harness.outcome()
    harness.clock.advance(seconds=1.0)
    assert harness.kiosk.press("HT") == "accepted"
    harness.outcome()
    assert len(harness.printed) == 3


def test_a_press_while_a_request_is_in_flight_is_ignored(config: SiteConfig) -> None:
    release = threading.Event()
    arrived = threading.Event()

    def slow(request: TicketRequest) -> None:
        arrived.set()
        release.wait(5)

    harness = Harness(config, FakeServer(slow))
    assert harness.kiosk.press("HT") == "accepted"
    assert arrived.wait(5)
    assert harness.kiosk.press("CT") == "busy"
    assert harness.kiosk.press("HT") == "busy"
    release.set()
    harness.outcome()


def test_silence_is_retried_once_with_the_same_id_then_reported(config: SiteConfig) -> None:
    server = FakeServer(lambda request: None)
    harness = Harness(config, server)

    harness.kiosk.press("HT")

    status = harness.outcome()
    assert (status.state, status.message) == ("error", NO_ANSWER)
    assert len(server.sent) == 2
    assert server.sent[0].request_id == server.sent[1].request_id
    assert harness.printed == []


def test_without_a_connection_nothing_is_sent_and_the_citizen_is_told(config: SiteConfig) -> None:
    server = FakeServer(ok, connected=False)
    harness = Harness(config, server)
    harness.kiosk.press("HT")
    assert harness.outcome().message == NO_ANSWER
    assert server.sent == []


def test_a_refusal_is_explained_in_vietnamese(config: SiteConfig) -> None:
    def exhausted(request: TicketRequest) -> TicketReply:
        return TicketReply(request_id=request.request_id, ok=False, error="numbers_exhausted",
                           detail="Dịch vụ DD đã cấp hết số hôm nay (last = 799).")

    harness = Harness(config, FakeServer(exhausted))
    harness.kiosk.press("DD")
    status = harness.outcome()
    assert (status.state, status.message) == ("error", REFUSALS["numbers_exhausted"])
    assert "last = 799" in status.detail


def test_a_broken_printer_still_tells_the_citizen_the_number(config: SiteConfig) -> None:
    def jammed(issued: Issued) -> None:
        raise PrinterUnavailable("paper out")

    harness = Harness(config, FakeServer(ok), output=jammed)
    harness.kiosk.press("HT")
    status = harness.outcome()
    assert status.state == "error"
    assert status.number == "1023"
    assert "Đã cấp số 1023 nhưng máy in đang gặp sự cố" in status.message


def test_malformed_and_stray_replies_are_dropped(config: SiteConfig) -> None:
    harness = Harness(config, FakeServer(ok))
    harness.kiosk.handle_reply(b"not json")
    harness.kiosk.handle_reply(b'{"v": 1, "ok": true}')
    harness.kiosk.handle_reply(ok(TicketRequest(request_id="5b0c8a6e-0000-4000-8000-000000000000",
                                                service="HT")).encode())
    assert harness.kiosk.press("HT") == "accepted"
    assert harness.outcome().state == "ticket"
    assert harness.kiosk.press("XX") == "unknown"
