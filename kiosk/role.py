"""`xephang kiosk`: wires the kiosk's logic to MQTT, the printer, the buttons and its touch page."""

from __future__ import annotations

import logging
from pathlib import Path

from hardware.buttons import ServiceButtons
from hardware.errors import ButtonsUnavailable, PrinterUnavailable
from hardware.printer import FakePrinter, describe, make_printer
from kiosk.core import Kiosk, KioskStatus
from kiosk.ticket import print_ticket, render_ticket
from kiosk.web import create_app
from xephang.config import Kiosk as KioskSection
from xephang.config import SiteConfig
from xephang.errors import ConfigError
from xephang.mqtt import MqttLink
from xephang.protocol import Ticket, TicketRequest, Topics
from xephang.web import EventHub, WebServer

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
    def __init__(self, config: SiteConfig, *, kiosk_id: str, mqtt_url: str,
                 http: tuple[str, int] | None, output_dir: Path | None) -> None:
        self.config = config
        self.section = kiosk_section(config, kiosk_id)
        self.topics = Topics(config.site.id)
        self.http = http
        self.hub = EventHub()
        self.printer = make_printer(self.section.printer, output_dir)
        self.tickets_dir = output_dir if isinstance(self.printer, FakePrinter) else None
        self.link = MqttLink(mqtt_url, f"xephang-kiosk-{kiosk_id}", topics=self.topics,
                             device_id=kiosk_id, persistent=True, username=config.mqtt.username)
        self.kiosk = Kiosk(config, MqttTransport(self.link, self.topics.kiosk_request(kiosk_id)),
                           self._print, self._show, reply_timeout_s=self.section.reply_timeout_s)
        self.buttons: ServiceButtons | None = None
        self._web: WebServer | None = None
        self._printer_ok = True

    @property
    def http_url(self) -> str | None:
        return self._web.url if self._web else None

    def start(self) -> None:
        log.info("kiosk %s printing on %s", self.section.id, describe(self.printer))
        self.link.subscribe(self.topics.kiosk_reply(self.section.id),
                            lambda _topic, payload: self.kiosk.handle_reply(payload))
        self.link.start()
        self.buttons = self._make_buttons()
        self._show(KioskStatus("idle"))
        if self.http is not None:
            app = create_app(self.config, self.section.id, press=self.press, hub=self.hub,
                             tickets_dir=self.tickets_dir)
            self._web = WebServer(app, *self.http).start()
            log.info("kiosk page at %s", self._web.url)

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
        self.hub.close()
        if self.buttons is not None:
            self.buttons.close()
        self.kiosk.wait_idle(STOP_TIMEOUT_S)
        self.link.stop()

    def press(self, service: str) -> None:
        """A press on the touch page: through the GPIO button when it is a mock pin (so the demo
        exercises the real button path), straight to the kiosk otherwise."""
        if self.buttons is not None and self.buttons.is_mock and self.buttons.press(service):
            return
        self.kiosk.press(service)

    def _make_buttons(self) -> ServiceButtons | None:
        if not self.section.buttons:
            return None
        try:
            return ServiceButtons(self.section.buttons, self.kiosk.press)
        except ButtonsUnavailable as exc:
            # The touch page still issues tickets; say loudly that the buttons are dead.
            log.error("physical buttons disabled: %s", exc)
            self.link.publish_status("buttons_unavailable")
            return None

    def _print(self, ticket: Ticket) -> str | None:
        image = render_ticket(self.config, ticket, self.section.printer.width_dots)
        try:
            print_ticket(self.printer, image, label=ticket.number)
        except PrinterUnavailable:
            self._printer_ok = False
            self.link.publish_status("printer_unavailable")
            raise
        if not self._printer_ok:
            self._printer_ok = True
            self.link.publish_status("")
        if isinstance(self.printer, FakePrinter) and self.printer.printed:
            return self.printer.printed[-1].name
        return None

    def _show(self, status: KioskStatus) -> None:
        self.hub.publish("kiosk", status.as_dict())
