"""`xephang broker`: the store, the MQTT service and the web pages, started and stopped together."""

from __future__ import annotations

import logging
from pathlib import Path

from broker.queue.tickets import Queue
from broker.service import BrokerService
from broker.store.db import Clock, Store, utc_now
from broker.web.app import create_app
from xephang.config import SiteConfig
from xephang.health import ClockWatch, DeviceProblems
from xephang.mqtt import MqttLink
from xephang.protocol import Topics
from xephang.web import EventHub, WebServer

log = logging.getLogger(__name__)
CONNECT_WAIT_S = 5.0
STORE_STUCK_S = 10.0  # a store held this long by one change is stuck (the watchdog restarts us)


class BrokerRole:
    def __init__(self, config: SiteConfig, *, mqtt_url: str, db_path: Path,
                 http: tuple[str, int] | None, clock: Clock = utc_now) -> None:
        self.config = config
        self.store = Store(Path(db_path), clock)
        self.queue = Queue(config, self.store)
        self.hub = EventHub()
        site = config.site.id
        # A fixed client id with a persistent session: QoS 1 requests sent while we are down wait
        # in Mosquitto and arrive when we return.
        self.link = MqttLink(mqtt_url, f"xephang-broker-{site}", topics=Topics(site),
                             device_id="broker", persistent=True, username=config.mqtt.username)
        self.service = BrokerService(config, self.queue, self.link, self.hub)
        self.problems = DeviceProblems(self.link)
        self.clock = ClockWatch(self.problems, behind=self.queue.clock_behind)
        self._http = http
        self._web: WebServer | None = None

    @property
    def http_url(self) -> str | None:
        return self._web.url if self._web else None

    def start(self) -> None:
        self.service.attach()
        self.link.start()
        self.clock.start()
        if not self.link.wait_connected(CONNECT_WAIT_S):
            log.warning("MQTT not reachable yet; retrying in the background")
        if self._http is not None:
            self._web = WebServer(create_app(self.service), *self._http).start()
            log.info("staff pages at %s", self._web.url)

    def alive(self) -> bool:
        """Messages flow and the store answers: what the systemd watchdog asks before each ping."""
        return self.link.alive() and self.store.responsive(STORE_STUCK_S)

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
        self.hub.close()
        self.clock.stop()
        self.service.flush_events()
        self.link.stop()
        self.store.close()
