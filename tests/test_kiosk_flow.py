"""The kiosk end to end: a real mosquitto, mock GPIO pins, real HTTP, and a tiny fake queue server.

The fake server is the test's probe: it takes requests on `kiosk/+/request` and answers on the
kiosk's reply topic, as the broker does. The page's server-sent events are read over HTTP.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hardware.printer import FakePrinter
from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from harness.web_session import post_json
from kiosk.core import NO_ANSWER
from kiosk.role import KioskRole
from kiosk.ticket import render_ticket
from tests.support.kiosk import FakeQueueServer, KioskPage, press, with_kiosk
from xephang.config import PrinterSection, SiteConfig
from xephang.errors import ConfigError
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

ROOT = Path(__file__).resolve().parent.parent
HT_PIN, CT_PIN = 5, 6  # kiosk-1 in config/site.toml


@pytest.fixture
def server(probe: Probe, topics: Topics) -> FakeQueueServer:
    return FakeQueueServer(probe, topics)


@pytest.fixture
def start_kiosk(mosquitto: Mosquitto, mock_pins: Any,
                tmp_path: Path) -> Iterator[Callable[[SiteConfig], KioskRole]]:
    roles: list[KioskRole] = []

    def start(config: SiteConfig) -> KioskRole:
        role = KioskRole(config, kiosk_id="kiosk-1", mqtt=mosquitto.access("kiosk-1"),
                         http=("127.0.0.1", 0), output_dir=tmp_path / "tickets",
                         state_dir=tmp_path / "state")
        roles.append(role)
        role.start()
        assert role.link.wait_connected(5)
        return role

    yield start
    for role in roles:
        role.stop()


def pngs(role: KioskRole) -> list[str]:
    assert role.tickets_dir is not None
    return sorted(p.name for p in role.tickets_dir.glob("*.png"))


def test_a_button_press_prints_the_ticket_the_server_issued(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, mock_pins: Any) -> None:
    role = start_kiosk(config)
    assert role.http_url is not None
    page = KioskPage(role.http_url)

    press(mock_pins, HT_PIN)

    kiosk_id, request = server.next_request()
    assert kiosk_id == "kiosk-1"
    assert (request["v"], request["service"], request["source"]) == (1, "HT", "button")
    ticket = server.answer(kiosk_id, request, "1023")
    status = page.outcome()
    assert (status["state"], status["number"], status["png"]) == ("ticket", "1023", "0001-1023.png")
    assert role.tickets_dir is not None
    printed = Image.open(role.tickets_dir / "0001-1023.png")
    assert printed.tobytes() == render_ticket(config, ticket, 576).tobytes()


def test_a_double_press_asks_for_one_ticket(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, mock_pins: Any) -> None:
    role = start_kiosk(config)
    assert role.http_url is not None
    page = KioskPage(role.http_url)

    press(mock_pins, HT_PIN)
    press(mock_pins, HT_PIN)  # while the first request is in flight
    kiosk_id, request = server.next_request()
    server.answer(kiosk_id, request, "1023")
    assert page.outcome()["number"] == "1023"
    press(mock_pins, HT_PIN)  # right after the ticket came out
    press(mock_pins, CT_PIN)

    _, following = server.next_request()
    assert following["service"] == "CT"  # the extra HT presses never became requests
    server.answer(kiosk_id, following, "2001")
    assert page.outcome()["number"] == "2001"
    assert pngs(role) == ["0001-1023.png", "0002-2001.png"]


def test_no_answer_without_an_offline_block_shows_an_error_and_prints_nothing(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, mock_pins: Any) -> None:
    role = start_kiosk(with_kiosk(config, reply_timeout_s=1.0, offline=None))
    assert role.http_url is not None
    page = KioskPage(role.http_url)

    press(mock_pins, HT_PIN)

    kiosk_id, first = server.next_request()
    _, again = server.next_request()
    assert again["request_id"] == first["request_id"]  # sent once more, same id
    status = page.outcome()
    assert (status["state"], status["message"]) == ("error", NO_ANSWER)
    server.answer(kiosk_id, first, "1099")  # too late: the citizen was told to press again
    press(mock_pins, CT_PIN)
    _, request = server.next_request()
    server.answer(kiosk_id, request, "2001")
    assert page.outcome()["number"] == "2001"
    assert pngs(role) == ["0001-2001.png"]


def get(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.headers["Content-Type"]), bytes(response.read())


def test_the_touch_page_issues_a_ticket(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer) -> None:
    role = start_kiosk(config)
    url = role.http_url
    assert url is not None
    _, html = get(url + "/")
    assert "Tư pháp – Hộ tịch" in html.decode()
    assert "Khai sinh, kết hôn, khai tử" in html.decode()
    page = KioskPage(url)

    assert post_json(url + "/press/HT")[0] == 202

    kiosk_id, request = server.next_request()
    assert request["service"] == "HT"
    server.answer(kiosk_id, request, "1023")
    status = page.outcome()
    assert status["number"] == "1023"
    content_type, png = get(f"{url}/tickets/{status['png']}")
    assert content_type == "image/png"
    assert role.tickets_dir is not None
    assert png == (role.tickets_dir / status["png"]).read_bytes()


def test_the_touch_page_names_the_services_for_an_unknown_one(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole]) -> None:
    role = start_kiosk(config)
    code, body = post_json(f"{role.http_url}/press/XX")
    assert code == 404
    assert "XX" in body["detail"]
    assert "HT (Tư pháp – Hộ tịch)" in body["detail"]


def test_a_broken_printer_is_shown_and_reported(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, probe: Probe, topics: Topics, mock_pins: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    printer = PrinterSection(kind="network", host="127.0.0.1", port=port)
    role = start_kiosk(with_kiosk(config, printer=printer))  # an offline printer: still starts
    assert role.http_url is not None
    page = KioskPage(role.http_url)
    probe.subscribe(topics.device_status("kiosk-1"))

    press(mock_pins, HT_PIN)
    kiosk_id, request = server.next_request()
    server.answer(kiosk_id, request, "1023")

    status = page.outcome()
    assert status["state"] == "error"
    assert "Đã cấp số 1023 nhưng máy in đang gặp sự cố" in status["message"]
    probe.wait_for(topics.device_status("kiosk-1"), lambda s: s["detail"] == "printer_unavailable")


def test_paper_out_is_reported_and_the_number_and_qr_are_shown(
        config: SiteConfig, start_kiosk: Callable[[SiteConfig], KioskRole],
        server: FakeQueueServer, probe: Probe, topics: Topics, mock_pins: Any) -> None:
    role = start_kiosk(config)
    assert role.http_url is not None and isinstance(role.printer, FakePrinter)
    page = KioskPage(role.http_url)
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


def test_an_unknown_kiosk_id_names_the_valid_ones(config: SiteConfig, mosquitto: Mosquitto) -> None:
    with pytest.raises(ConfigError, match="kiosk-1, kiosk-2"):
        KioskRole(config, kiosk_id="kiosk-9", mqtt=mosquitto.access("kiosk-1"), http=None, output_dir=None)


def test_xephang_kiosk_runs_as_its_own_process(
        mosquitto: Mosquitto, server: FakeQueueServer, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets"
    kiosk = RoleProcess("kiosk", mosquitto.access("kiosk-2"), tmp_path, "--id", "kiosk-2",
                        "--output", str(tickets), "--state-dir", str(tmp_path / "state"))
    try:
        page = KioskPage(kiosk.start().url)
        page.wait_for(lambda s: s["state"] == "idle")
        assert post_json(kiosk.url + "/press/CT")[0] == 202
        kiosk_id, request = server.next_request(timeout=10)
        assert kiosk_id == "kiosk-2"
        server.answer(kiosk_id, request, "2001")
        assert page.outcome()["png"] == "0001-2001.png"
        assert (tickets / "0001-2001.png").is_file()
    finally:
        assert kiosk.stop() == 0, kiosk.log()
