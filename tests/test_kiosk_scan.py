"""What a scan does at the kiosk: priority by age from a CCCD (sent only as a keyed hash), a booking's
appointment priority inside its window, a dossier to the results service, one live number per
citizen, and no scanned input that can crash the kiosk or reach the server raw."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardware.camera import FakeCamera
from harness.mqtt_probe import Probe
from harness.web_session import post_json
from kiosk.core import KioskStatus
from kiosk.qr_payload import ID_HASH_KEY_ENV, MSG_BAD_CCCD, classify, id_hash, sign_booking
from kiosk.role import KioskRole
from kiosk.scan_rules import MSG_OTHER_SITE, MSG_OUT_OF_WINDOW
from tests.support.broker import running_broker
from tests.support.kiosk import FakeServer, Harness, KioskPage, ok
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

NOW = datetime(2026, 11, 23, 9, 0)  # local time at the center
ID_NUMBER = "001045012345"
ELDER = f"{ID_NUMBER}|012345678|Nguyễn Văn An|15031945|Nam|Số 12 Phố Huế, Hà Nội|20042021"
YOUNG = "001095054321|012345679|Trần Thị Bình|01011995|Nữ|Số 3 Phố Huế, Hà Nội|20042021"
BOOKING_KEY = "test-booking-key"

MALFORMED: list[str | bytes] = [
    "", "   ", "\x00\x01\x02", "001095012345|", "001095012345|012345678|Nguyễn Văn An",
    "001095012345;012345678;Nguyễn Văn An;15031995;Nam;Hà Nội;20042021",
    "001095012345|012345678|Nguyễn Văn An|31021995|Nam|Hà Nội|20042021",
    "A" * 100_000, bytes(range(256)) * 20, b"\xff\xfe\x00garbage",
    "<script>alert('x')</script>", "'; DROP TABLE tickets; --", "${jndi:ldap://x/a}",
    "XH1.B.", "XH1.B.phuong-ba-dinh.HT.202611230900.abc.0000000000000000",
    "XH1.B.phuong-ba-dinh.HT.2026112309.abc.0000000000000000", "\u202eXH1.T.abc",
    "https://example.com/?code=", "H01.22-999999-0001", "XH1.T.", "ticket/../../etc/passwd",
]


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ID_HASH_KEY_ENV, "test-id-hash-key")
    monkeypatch.setenv("XEPHANG_BOOKING_KEY", BOOKING_KEY)


def harness(config: SiteConfig, server: FakeServer | None = None) -> Harness:
    h = Harness(config, server or FakeServer(ok))
    h.kiosk._wall_clock = lambda: NOW  # the booking window is judged on the center's clock
    return h


def next_status(h: Harness) -> KioskStatus:
    return h.statuses.get(timeout=5)


@pytest.mark.parametrize("sample", MALFORMED, ids=lambda s: repr(s)[:40])
def test_no_malformed_scan_crashes_the_kiosk_or_reaches_the_server(
        config: SiteConfig, sample: str | bytes, caplog: pytest.LogCaptureFixture) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(sample))
    status = next_status(h)
    assert status.state == "error"
    assert status.message and unicodedata.normalize("NFC", status.message) == status.message
    assert any(ch in status.message for ch in "ãáàạảêếềệôốồộơớờưứừđ")  # Vietnamese, in words
    assert server.sent == []
    assert h.kiosk.press("HT") == "accepted"  # and the kiosk still works
    assert h.outcome().state == "ticket"


def test_an_elderly_citizens_card_gives_priority_and_only_a_hash_leaves(
        config: SiteConfig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(ELDER))
    status = next_status(h)
    assert (status.state, status.priority) == ("choice", "Người cao tuổi")
    assert "Mời chọn dịch vụ" in status.message

    h.kiosk.press("HT")
    h.outcome()
    request = server.sent[0]
    assert (request.priority, request.source) == ("elderly", "cccd")
    assert request.id_hash == id_hash(ID_NUMBER)
    wire = request.encode().decode()
    for secret in (ID_NUMBER, "Nguyễn Văn An", "Phố Huế", "012345678"):
        assert secret not in wire and secret not in caplog.text


def test_a_younger_citizen_gets_no_age_priority_and_the_choice_is_used_once(
        config: SiteConfig) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(YOUNG))
    assert next_status(h).priority == ""
    h.kiosk.press("HT")
    h.outcome()
    h.clock.advance(seconds=5)
    h.kiosk.press("CT")
    h.outcome()
    assert [(r.priority, r.source, r.id_hash is not None) for r in server.sent] == [
        ("none", "cccd", True), ("none", "button", False)]


@pytest.mark.parametrize("text", [
    "\ufeff" + ELDER.replace("|", " | "),
    f"{ID_NUMBER}|Nguyễn Văn An|15/03/1945|Nam|Số 12 Phố Huế, Hà Nội|20/04/2021",
    ELDER.replace("|012345678|", "|0123456789|"),
], ids=["bom-and-spaces", "six-fields", "ten-digit-old-id"])
def test_cards_seen_in_the_wild_give_priority_and_their_hash(config: SiteConfig, text: str) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(text))
    assert (next_status(h).state, h.kiosk.press("HT")) == ("choice", "accepted")
    h.outcome()
    assert (server.sent[0].priority, server.sent[0].id_hash) == ("elderly", id_hash(ID_NUMBER))


def test_an_unreadable_card_is_told_as_a_card_and_nothing_leaves(config: SiteConfig) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(ELDER.replace("15031945", "31021945")))
    status = next_status(h)
    assert status.state == "error" and status.message == MSG_BAD_CCCD
    h.kiosk.press("HT")
    h.outcome()
    assert (server.sent[0].source, server.sent[0].id_hash) == ("button", None)


def booking(slot: datetime, site: str = "phuong-ba-dinh", service: str = "DD") -> str:
    return sign_booking(site, service, slot, "bk-42", BOOKING_KEY)


@pytest.mark.parametrize(("slot", "priority", "note"), [
    (NOW + timedelta(minutes=20), "appointment", ""),
    (NOW - timedelta(minutes=10), "appointment", ""),
    (NOW + timedelta(hours=2), "none", MSG_OUT_OF_WINDOW),
    (NOW - timedelta(hours=1), "none", MSG_OUT_OF_WINDOW),
])
def test_a_booking_takes_a_number_with_priority_inside_its_window(
        config: SiteConfig, slot: datetime, priority: str, note: str) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(booking(slot)))
    status = h.outcome()
    request = server.sent[0]
    assert (request.service, request.priority, request.source) == ("DD", priority, "booking")
    assert request.booking_code == "bk-42"
    assert note in status.message


def test_a_booking_for_another_center_is_refused(config: SiteConfig) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify(booking(NOW, site="phuong-khac")))
    assert next_status(h).message == MSG_OTHER_SITE
    assert server.sent == []


def test_a_dossier_receipt_goes_to_the_results_service(config: SiteConfig) -> None:
    server = FakeServer(ok)
    h = harness(config, server)
    h.kiosk.scan(classify("https://dichvucong.gov.vn/tra-cuu?code=H01.22-261123-0042"))
    h.outcome()
    request = server.sent[0]
    assert (request.service, request.source, request.dossier_code) == (
        "TKQ", "dossier", "H01.22-261123-0042")


# -- with the real queue server: camera frame → scan → request → one live number -----------------


def qr_frame(text: str) -> Any:
    import numpy as np
    import qrcode

    image = qrcode.make(text, box_size=8, border=4).convert("RGB")
    return np.array(image)[:, :, ::-1].copy()  # RGB → BGR, as OpenCV gives frames


@pytest.fixture
def center(config: SiteConfig, mosquitto: Mosquitto, mock_pins: Any, tmp_path: Path,
           probe: Probe) -> Iterator[tuple[KioskRole, FakeCamera]]:
    camera = FakeCamera()
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe):
        role = KioskRole(config, kiosk_id="kiosk-1", mqtt=mosquitto.access("kiosk-1"),
                         http=("127.0.0.1", 0), output_dir=tmp_path / "tickets",
                         state_dir=tmp_path / "state", camera=camera)
        role.kiosk.repeat_guard_s = 0
        role.start()
        assert role.link.wait_connected(5)
        yield role, camera
        role.stop()


def test_a_citizen_scanning_again_gets_the_same_ticket_reprinted(
        center: tuple[KioskRole, FakeCamera], probe: Probe, topics: Topics) -> None:
    role, camera = center
    assert role.http_url is not None
    page = KioskPage(role.http_url)
    probe.subscribe(topics.kiosk_request("kiosk-1"))

    camera.push(qr_frame(ELDER))
    assert page.wait_for(lambda s: s["state"] == "choice")["priority"] == "Người cao tuổi"
    post_json(role.http_url + "/press/HT")
    first = page.outcome()
    role.kiosk.scan(classify(ELDER))  # the same card again, past the camera's repeat window
    page.wait_for(lambda s: s["state"] == "choice")
    post_json(role.http_url + "/press/HT")
    second = page.outcome()

    assert second["number"] == first["number"] and second["ticket_id"] == first["ticket_id"]
    assert "phiếu được in lại" in second["message"]
    sent = [probe.next(topics.kiosk_request("kiosk-1"))[1] for _ in "12"]
    assert all(r["id_hash"] == sent[0]["id_hash"] and ID_NUMBER not in json.dumps(r) for r in sent)
    post_json(role.http_url + "/press/CT")  # another service is another live number
    assert page.outcome()["number"] == "2001"

