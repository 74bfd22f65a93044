"""`xephang kiosk`: wires the kiosk's logic to MQTT, the printer, the buttons, the QR camera, the
offline outbox and its touch page."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from hardware.buttons import ServiceButtons
from hardware.camera import Camera, CameraError, FakeCamera, open_camera
from hardware.errors import ButtonsUnavailable, PrinterUnavailable
from hardware.printer import FakePrinter, describe, make_printer, problem
from kiosk.core import Issued, Kiosk, KioskStatus
from kiosk.offline import OfflineIssuer
from kiosk.outbox import Outbox, OutboxSender
from kiosk.scanner import QrScanner
from kiosk.ticket import print_ticket_parts, ticket_parts
from kiosk.web import create_app
from xephang.config import Kiosk as KioskSection
from xephang.config import SiteConfig
from xephang.errors import ConfigError
from xephang.mqtt import MqttLink
from xephang.mqtt_access import MqttAccess
from xephang.protocol import (
    HallState,
    OfflineTicket,
    Priority,
    TicketReply,
    TicketRequest,
    decode_or_drop,
)
from xephang.runtime import Runtime

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0


def kiosk_section(config: SiteConfig, kiosk_id: str) -> KioskSection:
    section = config.kiosk(kiosk_id)
    if section is None:
        valid = ", ".join(k.id for k in config.kiosks) or "(none: add a [[kiosks]] section)"
        raise ConfigError(f"no kiosk {kiosk_id!r} in the site file; valid ids: {valid}")
    return section


class MqttTransport:
    """The kiosk's requests go to `kiosk/{id}/request`."""

    def __init__(self, link: MqttLink, topic: str) -> None:
        self._link = link
        self._topic = topic

    def send(self, request: TicketRequest) -> None:
        self._link.publish(self._topic, request)

    def is_connected(self) -> bool:
        return self._link.connected.is_set()


class KioskRole:
    def __init__(self, config: SiteConfig, *, kiosk_id: str, mqtt: MqttAccess,
                 http: tuple[str, int] | None, output_dir: Path | None,
                 state_dir: Path | None = None, camera: Camera | None = None) -> None:
        self.config = config
        self.section = kiosk_section(config, kiosk_id)
        self.http = http
        self.runtime = Runtime(config, device_id=kiosk_id, mqtt=mqtt, persistent=True)
        self.topics, self.link, self.hub = self.runtime.topics, self.runtime.link, self.runtime.hub
        self.problems, self.clock = self.runtime.problems, self.runtime.clock
        self.printer = make_printer(self.section.printer, output_dir)
        self.tickets_dir = output_dir if isinstance(self.printer, FakePrinter) else None
        self.outbox = self._open_outbox(state_dir)
        self.sender = self._make_sender()
        self.offline = (OfflineIssuer(config, self.section.offline, self.outbox,
                                      on_issued=self.sender.wake)
                        if self.outbox and self.section.offline and self.sender else None)
        self.kiosk = Kiosk(config, MqttTransport(self.link, self.topics.kiosk_request(kiosk_id)),
                           self._print, self._show, reply_timeout_s=self.section.reply_timeout_s,
                           offline=self.offline)
        self.camera = camera
        self.scanner: QrScanner | None = None
        self.buttons: ServiceButtons | None = None

    def _open_outbox(self, state_dir: Path | None) -> Outbox | None:
        if self.section.offline is None:
            log.info("no offline number block for %s: no tickets while the server is away",
                     self.section.id)
            return None
        folder = state_dir or Path(os.environ.get("XEPHANG_STATE_DIR", "/var/lib/xephang"))
        try:
            return Outbox(folder / f"outbox-{self.section.id}.sqlite3")
        except (OSError, sqlite3.Error) as exc:
            # Online issuing still works; say loudly that the offline fallback is gone.
            log.error("offline issuing disabled: cannot open the outbox in %s: %s (use --state-dir "
                      "or XEPHANG_STATE_DIR)", folder, exc)
            return None

    def _make_sender(self) -> OutboxSender | None:
        if self.outbox is None:
            return None
        topic = self.topics.kiosk_offline_issued(self.section.id)
        def send(ticket: OfflineTicket) -> None:
            self.link.publish(topic, ticket)

        return OutboxSender(self.outbox, send, self.link.connected.is_set,
                            reply_timeout_s=max(2.0, self.section.reply_timeout_s))

    @property
    def http_url(self) -> str | None:
        return self.runtime.http_url

    def start(self) -> None:
        log.info("kiosk %s printing on %s", self.section.id, describe(self.printer))
        self.link.subscribe(self.topics.kiosk_reply(self.section.id), self._on_reply)
        self.link.subscribe(self.topics.hall_state, self._on_hall)
        if self.sender is not None:
            self.link.on_connect(self.sender.wake)
            self.sender.start()
        self.runtime.connect()
        self.buttons = self._make_buttons()
        self.scanner = self._make_scanner()
        self._show(KioskStatus("idle"))
        if self.http is not None:
            app = create_app(self.config, self.section.id, press=self.press, hub=self.hub,
                             tickets_dir=self.tickets_dir, availability=self.availability)
            log.info("kiosk page at %s", self.runtime.serve(app, self.http))

    def alive(self) -> bool:
        """The MQTT loop runs with no handler stuck (the systemd watchdog's check)."""
        return self.runtime.alive()

    def stop(self) -> None:
        self.runtime.close_pages()
        if self.buttons is not None:
            self.buttons.close()
        if self.scanner is not None:
            self.scanner.stop()
        self.kiosk.wait_idle(STOP_TIMEOUT_S)
        if self.sender is not None:
            self.sender.stop()
        self.runtime.disconnect()
        if self.outbox is not None:
            self.outbox.close()

    def press(self, service: str, priority: Priority | None = None) -> None:
        """A press on the touch page: through the GPIO button when it is a mock pin (so the demo
        exercises the real button path), straight to the kiosk otherwise. A priority chosen on the
        page goes straight to the kiosk (a GPIO button carries none)."""
        if (priority in (None, "none") and self.buttons is not None and self.buttons.is_mock
                and self.buttons.press(service)):
            return
        self.kiosk.press(service, priority)

    def _on_reply(self, topic: str, payload: bytes) -> None:
        """Replies to offline tickets go to the outbox sender; the rest to the kiosk."""
        reply = decode_or_drop(TicketReply, topic, payload)
        if reply is None:
            return
        if self.sender is None or not self.sender.handle_reply(reply):
            self.kiosk.answer(reply)

    def _on_hall(self, topic: str, payload: bytes) -> None:
        hall = decode_or_drop(HallState, topic, payload)
        if hall is None:
            return
        if self.offline is not None:
            self.offline.note_hall(hall)
        self.kiosk.note_hall(hall)
        self.hub.publish("services", self.availability())

    def availability(self) -> dict[str, dict[str, str]]:
        """The services the page shows as unavailable, with the reason in Vietnamese."""
        return {code: why.model_dump() for code, why in self.kiosk.availability().items()}

    def _make_scanner(self) -> QrScanner | None:
        camera = self.camera
        if camera is None and self.section.camera is not None:
            try:
                camera = _open_camera(self.section.camera)
            except CameraError as exc:
                log.error("QR camera disabled: %s", exc)
                self.problems.set("camera", "camera_unavailable")
                return None
        if camera is None:
            return None
        scanner = QrScanner(camera, self.kiosk.scan)
        scanner.start()
        return scanner

    def _make_buttons(self) -> ServiceButtons | None:
        if not self.section.buttons:
            return None
        try:
            return ServiceButtons(self.section.buttons, self.kiosk.press)
        except ButtonsUnavailable as exc:
            # The touch page still issues tickets; say loudly that the buttons are dead.
            log.error("physical buttons disabled: %s", exc)
            self.problems.set("buttons", "buttons_unavailable")
            return None

    def _print(self, issued: Issued) -> str | None:
        ticket = issued.ticket
        parts = ticket_parts(self.config, ticket, self.section.printer.width_dots,
                             offline=issued.offline, reprint=issued.reprint)
        try:
            print_ticket_parts(self.printer, parts, label=ticket.number)
        except PrinterUnavailable as exc:
            self.problems.set("printer", problem(exc))
            raise
        self.problems.set("printer", "")
        if isinstance(self.printer, FakePrinter) and self.printer.printed:
            return self.printer.printed[-1].name
        return None

    def _show(self, status: KioskStatus) -> None:
        self.hub.publish("kiosk", status.as_dict())


def _open_camera(source: int | str) -> Camera:
    """`camera` from config: an index, a /dev path, or `fake:PATH` (a folder or an image file)."""
    if isinstance(source, str) and source.startswith("fake:"):
        return FakeCamera([source.removeprefix("fake:")])
    return open_camera(source)
