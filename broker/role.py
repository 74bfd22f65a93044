"""`xephang broker`: the store, the MQTT service and the web pages, started and stopped together."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from broker.devices import Devices, Incidents
from broker.forecaster import Forecaster
from broker.queue.tickets import Outcome, Queue
from broker.reports.nightly import Nightly
from broker.reports.pool import ReportPool
from broker.service import BrokerService
from broker.store.db import Clock, EventRow, Store, Tx, utc_now
from broker.uplink import Uplink
from broker.web.app import create_app
from xephang.config import SiteConfig
from xephang.mqtt_access import MqttAccess
from xephang.protocol import BROKER_ID, Topics
from xephang.runtime import Runtime

log = logging.getLogger(__name__)
CONNECT_WAIT_S = 5.0
# How often Python hands the interpreter lock between threads (default 5 ms): a counter's command
# arriving while a web thread builds a year's report waits for it this long at each hand-over;
# 1 ms keeps the command close to its idle latency (bench/history.py).
SWITCH_INTERVAL_S = 0.001
STORE_STUCK_S = 10.0  # a store held this long by one change is stuck (the watchdog restarts us)


class BrokerRole:
    def __init__(self, config: SiteConfig, *, mqtt: MqttAccess, db_path: Path,
                 http: tuple[str, int] | None, clock: Clock = utc_now) -> None:
        self.config = config
        self.store = Store(Path(db_path), clock)
        self.queue = Queue(config, self.store)
        # A fixed client id with a persistent session: QoS 1 requests sent while we are down wait
        # in Mosquitto and arrive when we return.
        self.runtime = Runtime(config, device_id=BROKER_ID, mqtt=mqtt, persistent=True,
                               clock_wrong=self.queue.clock_problem)
        self.link, self.hub = self.runtime.link, self.runtime.hub
        self.problems, self.clock = self.runtime.problems, self.runtime.clock
        self.service = BrokerService(config, self.queue, self.link, self.hub)
        self.forecaster = Forecaster(self.store, lambda: self.queue.config, self.service.publish_hall)
        self.queue.forecast = self.forecaster.latest
        self.service.changed = self.forecaster.changed
        self.nightly = Nightly(self.store, config, clock, self.service.end_past_days)
        self.reports = ReportPool(Path(db_path))  # workers start with the first long report
        self.incidents = Incidents(config.devices, self._record)
        self.devices = Devices(incidents=self.incidents)
        self.uplink = (Uplink(config.uplink, self.store, self.link, Topics(config.site.id))
                       if config.uplink.enabled else None)
        self._http = http

    @property
    def http_url(self) -> str | None:
        return self.runtime.http_url

    def start(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.nightly.start()
        self.forecaster.start()
        self.service.attach()
        with self.store.snapshot() as tx:
            self.incidents.load(tx)
        self.devices.attach(self.link, self.service.topics)
        self.incidents.start()
        if self.uplink is not None:
            self.uplink.attach()
        self.runtime.connect(CONNECT_WAIT_S)
        if self._http is not None:
            app = create_app(self.service, self.devices, reports=self.reports)
            log.info("staff pages at %s", self.runtime.serve(app, self._http))

    def _record(self, change: Callable[[Tx], EventRow | None]) -> None:
        """A device incident's change, committed, then its event published like any other."""
        def operation() -> Outcome:
            with self.store.transaction() as tx:
                event = change(tx)
            return Outcome(None, [event] if event is not None else [])
        self.service.run(operation)

    def alive(self) -> bool:
        """Messages flow and the store answers: what the systemd watchdog asks before each ping."""
        return self.runtime.alive() and self.store.responsive(STORE_STUCK_S)

    def stop(self) -> None:
        self.runtime.close_pages()
        self.reports.stop()
        self.incidents.stop()
        self.service.flush_events()
        if self.uplink is not None:
            self.uplink.stop()
        self.runtime.disconnect()
        self.nightly.stop()
        self.forecaster.stop()
        self.store.close()
