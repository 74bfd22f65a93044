"""The broker's pages: counter staff pages, a citizen's ticket status page, and a small JSON API.

A staff page's buttons post to `/api/counter/<id>/command`, which runs the same command handler as
MQTT; the page follows its counter and the queue live through server-sent events.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request

from broker.service import BrokerService
from broker.views import counter_state, hall_state, ticket_status
from xephang.errors import ProtocolError
from xephang.protocol import CounterCommand, decode

COUNTER_STATUS_VI = {"idle": "Đang rảnh", "calling": "Đang gọi số", "serving": "Đang phục vụ",
                     "paused": "Tạm dừng", "closed": "Đóng quầy"}
TICKET_STATUS_VI = {"waiting": "Đang chờ đến lượt", "called": "Đã được gọi", "done": "Đã phục vụ xong",
                    "no_show": "Đã qua lượt (vắng mặt)"}


def create_app(service: BrokerService) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["xephang_broker"] = service
    app.register_blueprint(staff)
    app.register_blueprint(citizen)
    app.register_blueprint(api)
    return app


def _service() -> BrokerService:
    service: BrokerService = current_app.extensions["xephang_broker"]
    return service


def _error(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify({"v": 1, "ok": False, "error": code, "detail": detail}), status


# -- staff ---------------------------------------------------------------------------------------
staff = Blueprint("staff", __name__)


@staff.get("/")
def index() -> str:
    service = _service()
    return render_template("index.html", site=service.config.site, counters=service.config.counters)


@staff.get("/counter/<int:counter_id>")
def counter_page(counter_id: int) -> str:
    service = _service()
    counter = service.config.counter(counter_id)
    if counter is None:
        abort(404, f"Không có quầy số {counter_id}.")
    with service.queue.store.snapshot() as tx:
        state = counter_state(tx, counter_id).model_dump(mode="json")
        waiting = hall_state(tx, service.config).waiting
    names = {s.code: s.name for s in service.config.services}
    return render_template("counter.html", site=service.config.site, counter=counter, state=state,
                           waiting=waiting, names=names, statuses=COUNTER_STATUS_VI,
                           services=service.config.services)


@staff.get("/counter/<int:counter_id>/events")
def counter_events(counter_id: int) -> Response:
    if _service().config.counter(counter_id) is None:
        abort(404)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(_service().hub.stream(), mimetype="text/event-stream", headers=headers)


# -- citizens ------------------------------------------------------------------------------------
citizen = Blueprint("citizen", __name__)


@citizen.get("/ticket/<ticket_id>")
def ticket_page(ticket_id: str) -> str | tuple[str, int]:
    service = _service()
    with service.queue.store.snapshot() as tx:
        status = ticket_status(tx, service.config, ticket_id)
    if status is None:
        return render_template("ticket.html", site=service.config.site, status=None), 404
    return render_template("ticket.html", site=service.config.site, status=status,
                           label=TICKET_STATUS_VI.get(status.status, status.status))


# -- JSON API ------------------------------------------------------------------------------------
api = Blueprint("api", __name__)


@api.get("/healthz")
def healthz() -> Response:
    return jsonify({"ok": True, "mqtt": _service().link.connected.is_set()})


@api.get("/api/state")
def state() -> Response:
    service = _service()
    with service.queue.store.snapshot() as tx:
        hall = hall_state(tx, service.config).model_dump(mode="json")
        counters = [counter_state(tx, c.id).model_dump(mode="json") for c in service.config.counters]
    return jsonify({"hall": hall, "counters": counters})


@api.post("/api/counter/<int:counter_id>/command")
def command(counter_id: int) -> Response | tuple[Response, int]:
    service = _service()
    if service.config.counter(counter_id) is None:
        return _error(404, "unknown_counter", f"Không có quầy số {counter_id} (unknown counter).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_json", "Nội dung phải là một đối tượng JSON (JSON object).")
    try:
        parsed = decode(CounterCommand, _with_version(body))
    except ProtocolError as exc:
        return _error(400, exc.code, exc.detail)
    reply = service.command(counter_id, parsed)
    return jsonify(reply.model_dump(mode="json"))


def _with_version(body: dict[str, Any]) -> bytes:
    """The page need not know the protocol version; MQTT senders must say it."""
    return json.dumps({"v": 1, **body}).encode("utf-8")
