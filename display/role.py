"""`xephang display --id hall-1 | counter-5`: a hall screen or a counter unit, as one process.

It talks only MQTT to the broker and serves its own page for the Pi's kiosk-mode browser. On start it
waits briefly for the retained state, so that the first page after a power cut is already right.

A hall display keeps a persistent MQTT session: a call made during a network blip is queued by the
MQTT broker and still spoken; the calls already spoken are remembered on disk, so a redelivery after
a crash is not spoken twice. A counter unit's session is clean: a stale command reply is worthless.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from display.counter import CounterScreen
from display.errors import DisplayError
from display.guard import PressGuard
from display.hall import HallScreen
from display.panel import CounterPanel
from display.resolve import resolve_display
from display.speech import Speech, build_speech
from display.watch import ConnectionWatch
from display.web import create_app
from xephang.config import SiteConfig
from xephang.mqtt_access import MqttAccess
from xephang.runtime import Runtime

log = logging.getLogger(__name__)

DEFAULT_HTTP = ("127.0.0.1", 8002)  # where the Pi's browser looks when --http is not given
CONNECT_WAIT_S = 3.0
STATE_WAIT_S = 2.0
SPEECH_DRAIN_S = 10.0


class DisplayRole:
    def __init__(self, config: SiteConfig, *, display_id: str, mqtt: MqttAccess,
                 http: tuple[str, int] | None, pin_factory: Any = None,
                 guard: PressGuard | None = None, audio_dir: Path | None = None,
                 state_dir: Path | None = None) -> None:
        self.display = resolve_display(config, display_id)
        self._config = config
        self._http = http or DEFAULT_HTTP
        hall = self.display.kind == "hall"
        self.runtime = Runtime(config, device_id=self.display.id, mqtt=mqtt, persistent=hall)
        self._link, self._hub = self.runtime.link, self.runtime.hub
        self.problems, self.clock = self.runtime.problems, self.runtime.clock
        self.speech: Speech | None = None
        self.screen: HallScreen | CounterScreen
        if hall:
            self.speech = build_speech(self.display, audio_dir=audio_dir, folder=state_dir,
                                       on_problem=lambda p: self.problems.set("speaker", p))
            if self.speech.problem:
                self.problems.set("speaker", self.speech.problem)
            hall_screen = HallScreen(config, self._hub, gate=self.speech.gate,
                                     zone=self.display.announces, display_id=self.display.id)
            announcer = self.speech.announce(is_current=hall_screen.is_current,
                                             on_speaking=hall_screen.speaking,
                                             on_spoken=hall_screen.spoken)
            if announcer is not None:
                hall_screen.announce_with(announcer.submit)
            self.screen = hall_screen
        else:
            self.screen = CounterScreen(config, self.display, self._hub, guard=guard)
        self.screen.subscribe(self._link, self.runtime.topics)
        self._watch = ConnectionWatch(self._link.connected, self.screen.connection_changed)
        self._link.on_connect(self._watch.wake)
        self._panel = CounterPanel(self.display, pin_factory)

    @property
    def http_url(self) -> str | None:
        return self.runtime.http_url

    def start(self) -> None:
        app = create_app(self.screen, self._hub, self._config)
        try:
            self.runtime.serve(app, self._http)
        except OSError as exc:
            host, port = self._http
            raise DisplayError(f"cannot serve the page on {host}:{port}: {exc.strerror or exc}") from exc
        if self.speech is not None and self.speech.announcer is not None:
            self.speech.announcer.start()
        self.runtime.connect()
        self._watch.start()
        if isinstance(self.screen, CounterScreen):
            self._panel.start(self.screen, self.problems)
        self._await_state()
        log.info("display %s (%s) serving %s", self.display.id, self.display.kind, self.http_url)

    def alive(self) -> bool:
        """The MQTT loop runs with no handler stuck (the systemd watchdog's check)."""
        return self.runtime.alive()

    def stop(self) -> None:
        self._panel.close()
        self._watch.stop()
        self.runtime.disconnect()
        if self.speech is not None and self.speech.announcer is not None:
            self.speech.announcer.wait_idle(SPEECH_DRAIN_S)  # finish the sentence being spoken
            self.speech.announcer.stop()
        self.runtime.close_pages()

    def _await_state(self) -> None:
        if not self._link.wait_connected(CONNECT_WAIT_S):
            log.warning("MQTT %s not reachable yet; the screen says so and keeps retrying",
                        self._link.access.url)
            return
        if not self.screen.ready.wait(STATE_WAIT_S):
            log.info("no retained state yet; the screen fills in when the broker publishes it")
