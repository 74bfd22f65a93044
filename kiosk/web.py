"""The kiosk's touch page: one large button per service, the issued number shown large.

Nothing to type. A press POSTs to `/press/<code>`; the result arrives over server-sent events
(`/events`), the same way for a touch, a physical button or a press from another page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, abort, jsonify, render_template, send_from_directory

from xephang.config import SiteConfig
from xephang.web import EventHub


def create_app(config: SiteConfig, kiosk_id: str, *, press: Callable[[str], None], hub: EventHub,
               tickets_dir: Path | None) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Vietnamese stays readable

    @app.get("/")
    def page() -> str:
        return render_template("kiosk.html", site=config.site, services=config.services,
                               kiosk_id=kiosk_id)

    @app.post("/press/<code>")
    def press_service(code: str) -> tuple[Response, int]:
        if config.service(code) is None:
            valid = ", ".join(f"{s.code} ({s.name})" for s in config.services)
            return jsonify(ok=False, error="unknown_service",
                           detail=f"Không có dịch vụ mã {code!r}. Các dịch vụ: {valid}"), 404
        press(code)
        return jsonify(ok=True, service=code), 202

    @app.get("/events")
    def events() -> Response:
        return Response(hub.stream(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/tickets/<name>")
    def ticket_png(name: str) -> Response:
        if tickets_dir is None or not name.endswith(".png"):
            abort(404)
        return send_from_directory(tickets_dir.resolve(), name, mimetype="image/png")

    return app
