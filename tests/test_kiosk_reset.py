"""The kiosk for the next citizen: no priority left over from the last one, and a service the
center cannot serve now shown unavailable with the reason, never a ticket for it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.queue.manager import Desk
from broker.queue.tickets import Outcome
from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from kiosk.core import Issued, Kiosk, KioskStatus
from kiosk.role import KioskRole
from tests.support.broker import running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import TicketRequest

VX_COUNTERS = (3, 8, 9, 12)


class SilentServer:
    def __init__(self) -> None:
        self.sent: list[TicketRequest] = []

    def send(self, request: TicketRequest) -> None:
        self.sent.append(request)

    def is_connected(self) -> bool:
        return True


def test_outside_opening_hours_the_kiosk_refuses_by_its_own_clock(config: SiteConfig) -> None:
    config = config.model_copy(update={"site": config.site.model_copy(
        update={"issue_outside_hours": False})})
    statuses: queue.Queue[KioskStatus] = queue.Queue()
    server = SilentServer()
    printed: list[Issued] = []
    kiosk = Kiosk(config, server, lambda issued: printed.append(issued) or None, statuses.put,
                  wall_clock=lambda: datetime(2026, 11, 27, 11, 30, tzinfo=UTC))  # 18:30
    assert kiosk.press("HT") == "unavailable"
    status = statuses.get(timeout=1)
    assert status.state == "error"
    assert status.message.startswith("Ngoài giờ cấp số (07:30–16:30)")  # until the last ticket
    assert set(kiosk.availability()) == {s.code for s in config.services}
    assert server.sent == [] and printed == []


@pytest.fixture
def center(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, mock_pins: Any,
           tmp_path: Path) -> Iterator[tuple[BrokerRole, KioskRole]]:
    # A held broker below answers late, never so late that the kiosk gives up and issues offline.
    kiosks = [k.model_copy(update={"reply_timeout_s": 30.0}) for k in config.kiosks]
    config = config.model_copy(update={"kiosks": kiosks, "scan": config.scan.model_copy(
        update={"choice_timeout_s": 2.0})})
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe) as broker:
        kiosk = KioskRole(config, kiosk_id="kiosk-1", mqtt=mosquitto.access("kiosk-1"),
                          http=("127.0.0.1", 0), output_dir=tmp_path / "tickets",
                          state_dir=tmp_path / "state")
        kiosk.start()
        assert kiosk.link.wait_connected(5)
        yield broker, kiosk
        kiosk.stop()


PRESSED = "[...document.querySelectorAll('button.priority')].filter(b => b.ariaPressed === 'true')"


def test_the_priority_choice_clears_after_each_ticket_and_after_a_quiet_while(
    browser: Any, center: tuple[BrokerRole, KioskRole], screenshot_dir: Path
) -> None:
    _, kiosk = center
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(str(kiosk.http_url))
        page.click("button.priority[data-priority='elderly']")
        assert page.evaluate(f"{PRESSED}.length") == 1
        page.click("button.service[data-code='HT']")
        page.wait_for_function("document.querySelector('#status .number') !== null")
        assert "Ưu tiên: Người cao tuổi" in page.inner_text("#status")
        assert page.evaluate(f"{PRESSED}.length") == 0  # the next citizen starts with no choice
        page.click("button.service[data-code='CT']")
        # The ticket itself: "waiting" shows the service's name too, before its ticket is issued.
        page.wait_for_function("document.querySelector('#status').dataset.state === 'ticket'"
                               " && document.querySelector('#status .service-name')?.textContent"
                               " === 'Chứng thực'")
        assert "Ưu tiên" not in page.inner_text("#status")
        page.click("button.priority[data-priority='disabled']")
        assert page.evaluate(f"{PRESSED}.length") == 1
        page.wait_for_function(f"{PRESSED}.length === 0", timeout=6000)  # nobody pressed: forgotten
    finally:
        page.close()


def test_a_choice_made_while_the_last_ticket_is_coming_stays_for_the_next_citizen(
    browser: Any, center: tuple[BrokerRole, KioskRole]
) -> None:
    broker, kiosk = center
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    release = threading.Event()

    def busy() -> Outcome:
        release.wait(30)
        return Outcome(None)

    holding = threading.Thread(target=broker.service.run, args=(busy,))
    try:
        page.goto(str(kiosk.http_url))
        page.evaluate(f"""() => events.addEventListener("kiosk", e => {{
            if (JSON.parse(e.data).state === "ticket") window.choiceAtTicket = {PRESSED}.length;
        }})""")  # read as the ticket is shown, before the quiet while can forget the choice
        holding.start()  # the broker busy: the ticket comes only after the next choice
        page.click("button.service[data-code='CT']")
        page.wait_for_function("document.querySelector('#status').dataset.state === 'waiting'")
        page.click("button.priority[data-priority='disabled']")
        release.set()
        page.wait_for_function("window.choiceAtTicket !== undefined")
        assert page.evaluate("window.choiceAtTicket") == 1
        assert "Ưu tiên" not in page.inner_text("#status")  # nor did it go on that ticket
    finally:
        release.set()
        if holding.is_alive():
            holding.join()
        page.close()


def test_a_service_with_every_counter_closed_is_shown_unavailable_and_takes_no_ticket(
    browser: Any, center: tuple[BrokerRole, KioskRole], screenshot_dir: Path
) -> None:
    broker, kiosk = center
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(str(kiosk.http_url))
        for counter in VX_COUNTERS:
            broker.service.run(lambda c=counter: Desk(broker.queue).close(c, None))
        page.wait_for_function("document.querySelector(\"button[data-code='VX']\").disabled")
        reason = page.inner_text("button[data-code='VX'] .reason")
        assert reason.startswith("Hiện chưa có quầy nào mở cho dịch vụ này")
        assert not page.is_disabled("button[data-code='HT']")
        page.screenshot(path=str(screenshot_dir / "kiosk-service-unavailable.png"))
        broker.service.run(lambda: Desk(broker.queue).open(3, None))
        page.wait_for_function("!document.querySelector(\"button[data-code='VX']\").disabled")
    finally:
        page.close()
