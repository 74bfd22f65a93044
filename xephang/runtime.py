"""What every role process runs beside its own logic, started and stopped the same way by the
broker, a kiosk and a display: its MQTT link with the device's status and problems, the watch on its
clock, the hub of its pages' event streams and the server of those pages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from xephang.config import SiteConfig
from xephang.health import ClockWatch, DeviceProblems
from xephang.mqtt import MqttLink
from xephang.mqtt_access import MqttAccess
from xephang.protocol import Topics
from xephang.web import EventHub, WebServer

log = logging.getLogger(__name__)

STREAMS_CLOSE_S = 1.0


class Runtime:
    """A role's MQTT link (logged in as `mqtt.username`, the device id, which is also its client
    id; reporting on `device/{device}/status`), its problems and clock watch, its event hub and its
    page server.

    `persistent`: a fixed session that Mosquitto keeps while the role is down, so QoS 1 messages
    sent meanwhile arrive when it returns. `clock_wrong` (the broker's) says what is wrong with the
    clock by what the role itself already recorded ("" if nothing)."""

    def __init__(self, config: SiteConfig, *, device_id: str, mqtt: MqttAccess, persistent: bool,
                 clock_wrong: Callable[[], str] = lambda: "") -> None:
        self.topics = Topics(config.site.id)
        self.link = MqttLink(mqtt, topics=self.topics, device_id=device_id, persistent=persistent)
        self.problems = DeviceProblems(self.link)
        trusted = (lambda: True) if config.devices.clock_trusted else None
        self.clock = ClockWatch(self.problems, synced=trusted, wrong=clock_wrong)
        self.hub = EventHub()
        self._web: WebServer | None = None

    @property
    def http_url(self) -> str | None:
        return self._web.url if self._web is not None else None

    def connect(self, wait_s: float = 0.0) -> bool:
        """Start the link and the clock watch, and wait up to `wait_s` for the first connection;
        False means it keeps trying in the background (the role runs on, and says so on its page)."""
        self.link.start()
        self.clock.start()
        if wait_s <= 0:
            return self.link.connected.is_set()
        connected = self.link.wait_connected(wait_s)
        if not connected:
            log.warning("MQTT %s:%s not reachable yet; retrying in the background",
                        self.link.host, self.link.port)
        return connected

    def serve(self, app: Any, http: tuple[str, int]) -> str:
        """Serve `app` on (host, port); port 0 picks a free one. Returns the pages' URL."""
        self._web = WebServer(app, *http).start()
        return self._web.url

    def close_pages(self) -> None:
        """End the pages' event streams, then the server: closing it under open streams makes
        waitress log errors, and a page's browser reconnects to the next process anyway."""
        self.hub.close()
        deadline = time.monotonic() + STREAMS_CLOSE_S
        while self.hub.client_count and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._web is not None:
            self._web.stop()

    def alive(self) -> bool:
        """The MQTT loop runs with no handler stuck (what the systemd watchdog asks)."""
        return self.link.alive()

    def disconnect(self) -> None:
        """Stop the clock watch, say `offline` on the device status and leave MQTT."""
        self.clock.stop()
        self.link.stop()
