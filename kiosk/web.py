"""The kiosk's touch page: one large button per service, the issued number shown large.

Nothing to type. A press POSTs to `/press/<code>` (with `?priority=` when the citizen chose one on
the page); the result arrives over server-sent events (`/events`), the same way for a touch, a
physical button, a QR scan or a press from another page. `/qr/<ticket_id>.svg` is the QR code of a
ticket's status page, shown on screen when the printer failed so the citizen can photograph it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast

import qrcode
import qrcode.image.svg
from flask import Flask, Response, abort, jsonify, render_template, request, send_from_directory

from kiosk.ticket_text import PRIORITY_NAMES, status_url
from xephang.config import SiteConfig
from xephang.protocol import Priority
from xephang.web import EventHub, error_body, event_stream, web_app

# What a citizen may declare on the page; appointment priority comes only from a scanned booking.
DECLARABLE: tuple[Priority, ...] = ("elderly", "disabled", "pregnant", "merit")
_TICKET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def create_app(config: SiteConfig, kiosk_id: str, *,
               press: Callable[[str, Priority | None], None], hub: EventHub,
               tickets_dir: Path | None,
               availability: Callable[[], dict[str, dict[str, str]]] = dict) -> Flask:
    app = web_app(__name__)

    @app.get("/")
    def page() -> str:
        priorities = [(code, PRIORITY_NAMES[code]) for code in DECLARABLE]
        return render_template("kiosk.html", site=config.site, services=config.services,
                               kiosk_id=kiosk_id, priorities=priorities,
                               unavailable=availability(),
                               choice_ms=int(config.scan.choice_timeout_s * 1000))

    @app.get("/services")
    def services() -> Response:
        """The services taking no ticket now and why; the page asks each half minute (hours)."""
        return jsonify(availability())

    @app.post("/press/<code>")
    def press_service(code: str) -> tuple[Response, int]:
        if config.service(code) is None:
            valid = ", ".join(f"{s.code} ({s.name})" for s in config.services)
            return error_body(404, "unknown_service",
                              f"Không có dịch vụ mã {code!r}. Các dịch vụ: {valid}")
        chosen = request.args.get("priority", "none")
        if chosen != "none" and chosen not in DECLARABLE:
            return error_body(400, "unknown_priority", f"Không có diện ưu tiên {chosen!r}.")
        press(code, cast(Priority, chosen) if chosen != "none" else None)
        return jsonify(ok=True, service=code), 202

    app.add_url_rule("/qr/<ticket_id>.svg", "ticket_qr", partial(ticket_qr, config))

    @app.get("/events")
    def events() -> Response:
        return event_stream(hub)

    app.add_url_rule("/tickets/<name>", "ticket_png", partial(ticket_png, tickets_dir))
    return app


def ticket_png(tickets_dir: Path | None, name: str) -> Response:
    """A printed ticket's PNG from the fake printer's folder (the demo's paper-out view)."""
    if tickets_dir is None or not name.endswith(".png"):
        abort(404)
    return send_from_directory(tickets_dir.resolve(), name, mimetype="image/png")


def ticket_qr(config: SiteConfig, ticket_id: str) -> Response:
    """The QR code of a ticket's status page, shown when the printer failed."""
    if not _TICKET_ID.match(ticket_id):
        abort(404)
    image = qrcode.make(status_url(config, ticket_id), image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml")
