"""The display's pages: `/` (the screen), `/events` (SSE), `/api/state`, and `POST /press/<action>`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Flask, Response, jsonify, render_template

from display.labels import ACTIONS, MQTT_LOST, NO_BUTTONS, WEEKDAYS
from display.screen import Screen
from xephang.config import SiteConfig
from xephang.web import EventHub, error_body, event_stream, web_app

log = logging.getLogger(__name__)

_PRESS_STATUS = {"sent": 202, "busy": 409, "offline": 503, "unknown_action": 400,
                 "not_configured": 409, "no_ticket": 409, "already_rated": 409}


def create_app(screen: Screen, hub: EventHub, config: SiteConfig) -> Flask:
    app = web_app(__name__)

    @app.get("/")
    def page() -> str:
        return render_template(screen.template, state=screen.snapshot(),
                               **page_context(config))

    @app.get("/events")
    def events() -> Response:
        return event_stream(hub)

    @app.get("/api/state")
    def state() -> Response:
        return jsonify(screen.snapshot())

    @app.post("/press/<action>")
    def press(action: str) -> tuple[Response, int]:
        outcome = screen.press(action)
        if outcome is None:
            return error_body(404, "not_found", NO_BUTTONS)
        body = {"ok": outcome.ok, "code": outcome.code, "detail": outcome.detail,
                "command_id": outcome.command_id}
        return jsonify(body), _PRESS_STATUS[outcome.code]

    return app


def page_context(config: SiteConfig) -> dict[str, Any]:
    """Values rendered into the page itself, so it is right before its script runs."""
    now = datetime.now(config.site.zone)
    return {
        "site": config.site,
        "services": config.services,
        "actions": ACTIONS,
        "mqtt_lost": MQTT_LOST,
        "weekdays": list(WEEKDAYS),
        "today": f"{WEEKDAYS[now.weekday()]}, {now:%d/%m/%Y}",
        "clock": f"{now:%H:%M}",
    }
