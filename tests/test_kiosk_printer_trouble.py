"""Paper out at the kiosk: reported on the device status topic, and the number with its QR code on
screen, so nobody leaves without a number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hardware.printer import FakePrinter
from kiosk.role import KioskRole
from tests.probe import Probe
from tests.test_kiosk_flow import (  # noqa: F401  # fixtures
    HT_PIN,
    FakeQueueServer,
    PageEvents,
    get,
    press,
    server,
    start_kiosk,
)
from xephang.config import SiteConfig
from xephang.protocol import Topics


def test_paper_out_is_reported_and_the_number_and_qr_are_shown(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, probe: Probe, topics: Topics, mock_pins: Any) -> None:
    role = start_kiosk(config)
    assert role.http_url is not None and isinstance(role.printer, FakePrinter)
    page = PageEvents(role.http_url)
    probe.subscribe(topics.device_status("kiosk-1"))
    role.printer.simulate(paper_out=True)

    press(mock_pins, HT_PIN)
    kiosk_id, request = server.next_request()
    ticket = server.answer(kiosk_id, request, "1023")

    status = page.outcome()
    assert (status["state"], status["number"], status["ticket_id"]) == ("error", "1023", ticket.id)
    assert "chụp mã QR" in status["message"]
    probe.wait_for(topics.device_status("kiosk-1"), lambda s: s["detail"] == "paper_out")
    content_type, svg = get(f"{role.http_url}/qr/{ticket.id}.svg")
    assert content_type.startswith("image/svg+xml") and b"<svg" in svg

    role.printer.simulate()  # paper loaded: the next ticket prints and the problem is cleared
    role.kiosk.repeat_guard_s = 0
    press(mock_pins, HT_PIN)
    _, again = server.next_request()
    server.answer(kiosk_id, again, "1024")
    assert page.outcome()["state"] == "ticket"
    probe.wait_for(topics.device_status("kiosk-1"), lambda s: s["detail"] == "")
