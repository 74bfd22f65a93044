"""The broker's pages: sign-in, counter staff pages, a citizen's ticket page and a small JSON API;
the manager's office is in `admin.py`.

A staff page's buttons post to `/api/counter/<id>/command` (signed-in staff, CSRF token), which runs
the same command handler as MQTT with the account recorded in the events; the page follows its
counter and the queue live through server-sent events: one stream per browser for all its staff
pages (`/events`, see `staff_stream.py`), one for all its ticket pages (`/tickets/events`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request

from broker.accounts.registry import Accounts
from broker.devices import Devices
from broker.errors import Rejected
from broker.queue import live
from broker.queue.manager import Desk
from broker.queue.messages import counter_state, hall_state
from broker.queue.tickets import Outcome
from broker.reports.formats import clock, minutes
from broker.reports.pool import ReportFailed, ReportPool
from broker.service import BrokerService
from broker.store.db import EventRow, TicketRow
from broker.store.events import Transfer
from broker.web.admin import admin
from broker.web.auth import current, init_auth, refuse, refuse_audited, require, still_signed_in
from broker.web.board import Presence
from broker.web.context import broker, desk, presence
from broker.web.labels import FORBIDDEN, HEARD, NOT_FOUND, REPORT_FAILED
from broker.web.plan_page import plan_page
from broker.web.plans import Plans
from broker.web.staff_stream import asked_counters, staff_stream
from broker.web.ticket_page import (
    asked_tickets,
    release_slot,
    stream_slot,
    ticket_view,
    tickets_stream,
)
from xephang.config import Counter
from xephang.errors import ProtocolError
from xephang.labels import (
    ACTION_RESULTS,
    CLOSING_AFTER_CURRENT,
    COUNTER_STATUS,
    NOBODY_WAITING,
    PRIORITY_NAMES,
    TICKET_RESULTS,
    WITHDRAWN_RESULT,
)
from xephang.protocol import CounterCommand, validate
from xephang.web import STREAM_HEADERS, error_body, web_app


def create_app(service: BrokerService, devices: Devices | None = None,
               reports: ReportPool | None = None) -> Flask:
    """The pages; `reports` builds long reports in worker processes (its owner stops it)."""
    app = web_app(__name__)
    if reports is None:
        reports = ReportPool(service.queue.store.path)
    if devices is None:
        devices = Devices()
        devices.attach(service.link, service.topics)
    app.extensions.update(xephang_broker=service, xephang_devices=devices,
                          xephang_presence=Presence(), xephang_desk=Desk(service.queue),
                          xephang_plans=Plans(), xephang_reports=reports)
    accounts = Accounts(service.queue.store)
    init_auth(app, accounts, service.config.web, service.queue.store,
              lambda event: publish_events(service, [event]))
    for blueprint in (staff, citizen, api, admin, plan_page):
        app.register_blueprint(blueprint)
    app.register_error_handler(403, lambda _: refuse_audited(403, "forbidden", FORBIDDEN))
    app.register_error_handler(404, lambda _: refuse(404, "not_found", NOT_FOUND))
    app.register_error_handler(ReportFailed,
                               lambda _: refuse(503, "report_failed", REPORT_FAILED))
    return app


def publish_events(service: BrokerService, events: list[EventRow]) -> None:
    """Put already-committed audit events on the MQTT event stream, like every other change."""
    service.run(lambda: Outcome(None, events))


def _counter_for_staff(counter_id: int) -> Counter:
    """The counter, if it exists and this account may work it (staff: only the counters bound to
    the account; an account bound to none works none)."""
    counter = broker().config.counter(counter_id)
    if counter is None:
        abort(404, f"Không có quầy số {counter_id}.")
    account = current()
    if account is None or not account.operates(counter_id):
        abort(403)
    return counter


# -- staff ---------------------------------------------------------------------------------------
staff = Blueprint("staff", __name__)


@staff.get("/")
@require("staff")
def index() -> str:
    service, account = broker(), current()
    assert account is not None
    mine = [c for c in service.config.counters if account.operates(c.id)]
    return render_template("index.html", site=service.config.site, counters=mine)


@staff.get("/counter/<int:counter_id>")
@require("staff")
def counter_page(counter_id: int) -> str:
    service, counter = broker(), _counter_for_staff(counter_id)
    account = current()
    assert account is not None
    with service.queue.store.snapshot() as tx:
        state = service.heard(counter_state(tx, counter_id)).model_dump(mode="json")
    presence().seen(counter_id, account.label, datetime.now(UTC))
    return render_template("counter.html", site=service.config.site, counter=counter, state=state,
                           statuses=COUNTER_STATUS, services=service.config.services,
                           results=ACTION_RESULTS, ticket_results=TICKET_RESULTS,
                           nobody_waiting=NOBODY_WAITING, withdrawn_result=WITHDRAWN_RESULT,
                           heard_label=HEARD, closing_label=CLOSING_AFTER_CURRENT,
                           counters=service.config.counters, queue=_queue(counter))


@staff.get("/counter/<int:counter_id>/queue.json")
@require("staff")
def counter_queue(counter_id: int) -> Response:
    return jsonify(_queue(_counter_for_staff(counter_id)))


def _queue(counter: Counter) -> dict[str, Any]:
    """What waits for this counter: per service the count and the oldest wait; every waiting
    ticket in call order; the ticket at the counter; the citizens away fetching a paper."""
    service = broker()
    zone = service.config.site.zone
    with service.queue.store.snapshot() as tx:
        waiting, now = tx.waiting(), tx.now
        returning = tx.returning()
        order = live.call_sequence(tx, service.config, counter)
        current = tx.ticket(tx.counter(counter.id).ticket)
        moved = tx.transfers([t.id for t in order] + ([current.id] if current else []))
    lines = []
    for code in counter.services:
        line = [t for t in waiting if t.service == code and t.counter in (None, counter.id)]
        oldest = (now - line[0].issued_at).total_seconds() if line else None
        lines.append({"code": code, "name": _name(code), "waiting": len(line),
                      "oldest_min": minutes(oldest)})
    return {"lines": lines, "total": len(order),
            "tickets": [_ticket_line(t, moved, now) for t in order],
            "current": _ticket_line(current, moved, current.called_at or now) if current else None,
            "returning": [{"id": t.id, "number": t.number, "service": _name(t.service),
                           "since": clock(t.issued_at, zone)} for t in returning
                          if t.service in counter.services]}


def _ticket_line(ticket: TicketRow, moved: dict[str, Transfer], until: datetime) -> dict[str, Any]:
    """A ticket as the staff page lists it: number, service, priority, flags and its wait."""
    flags = []
    if ticket.id in moved:
        flags.append(_moved_from(moved[ticket.id]))
    if ticket.returned_at is not None:
        flags.append("Đã quay lại sau khi bổ sung giấy tờ")
    return {"id": ticket.id, "number": ticket.number, "service": _name(ticket.service),
            "priority": PRIORITY_NAMES.get(ticket.priority, ""),  # type: ignore[call-overload]
            "flags": flags, "waited_min": minutes((until - ticket.issued_at).total_seconds()),
            "served_since": ticket.served_at.isoformat() if ticket.served_at else None}


def _moved_from(transfer: Transfer) -> str:
    """"Chuyển từ Quầy 1" when a counter sent it to this one ("Chuyển từ Quầy 1 – Chứng thực"
    if it also changed service), "Chuyển từ <the service it left>" when sent to a service's line."""
    if transfer.to_counter is None or transfer.from_counter is None:
        return f"Chuyển từ {_name(transfer.from_service)}"
    counter = broker().config.counter_label(transfer.from_counter)
    if transfer.from_service == transfer.to_service:
        return f"Chuyển từ {counter}"
    return f"Chuyển từ {counter} – {_name(transfer.from_service)}"


def _name(code: str) -> str:
    found = broker().config.service(code)
    return found.name if found else code


@staff.get("/events")
@require("staff")
def live_events() -> Response:
    """One browser's live stream for all its staff pages: the hall and the asked counters (`?counter=3`,
    repeated) that this account operates; a counter it may not operate is simply not carried."""
    service, account = broker(), current()
    assert account is not None
    counters = {c for c in asked_counters(request.args.getlist("counter"))
                if service.config.counter(c) is not None and account.operates(c)}
    frames = staff_stream(service.hub.stream(), counters, still_signed_in())
    return Response(frames, mimetype="text/event-stream", headers=STREAM_HEADERS)


# -- citizens ------------------------------------------------------------------------------------
citizen = Blueprint("citizen", __name__)


@citizen.get("/ticket/<ticket_id>")
def ticket_page(ticket_id: str) -> str | tuple[str, int]:
    service = broker()
    view = ticket_view(service, ticket_id)
    return render_template("ticket.html", site=service.config.site, view=view), (
        200 if view else 404)


@citizen.get("/ticket/<ticket_id>.json")
def ticket_json(ticket_id: str) -> Response | tuple[Response, int]:
    view = ticket_view(broker(), ticket_id)
    return jsonify(view) if view else (jsonify(None), 404)


@citizen.get("/tickets/events")
def ticket_events() -> Response | tuple[Response, int]:
    """The ticket pages open in one browser (`?ticket=<id>`, repeated), on one stream."""
    service = broker()  # the stream runs outside the request's application context
    ticket_ids = asked_tickets(request.args.getlist("ticket"))
    if ticket_ids is None:
        return error_body(400, "bad_request", "Yêu cầu không hợp lệ.")
    if not stream_slot():
        return Response("", status=503)  # the pages poll the JSON view instead
    response = Response(tickets_stream(service, ticket_ids), mimetype="text/event-stream",
                        headers=STREAM_HEADERS)
    response.call_on_close(release_slot)  # however the stream ends, even before it started
    return response


# -- JSON API ------------------------------------------------------------------------------------
api = Blueprint("api", __name__)


@api.get("/healthz")
def healthz() -> Response:
    return jsonify({"ok": True, "mqtt": broker().link.connected.is_set()})


@api.get("/api/state")
def state() -> Response:
    service = broker()
    with service.queue.store.snapshot() as tx:
        hall = hall_state(tx, service.config).model_dump(mode="json")
        counters = [counter_state(tx, c.id).model_dump(mode="json") for c in service.config.counters]
        suggestions = live.suggestions(tx, service.config).model_dump(mode="json")["suggestions"]
    return jsonify({"hall": hall, "counters": counters, "suggestions": suggestions})


@api.post("/api/counter/<int:counter_id>/command")
@require("staff")
def command(counter_id: int) -> Any:
    service = broker()
    if service.config.counter(counter_id) is None:
        return error_body(404, "unknown_counter", f"Không có quầy số {counter_id}.")
    _counter_for_staff(counter_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_body(400, "invalid_json", "Nội dung phải là một đối tượng JSON (JSON object).")
    try:  # the page need not know the protocol version; MQTT senders must say it
        parsed = validate(CounterCommand, {**body, "v": 1})
    except ProtocolError as exc:
        return error_body(400, exc.code, exc.detail)
    account = current()
    assert account is not None
    reply = service.command(counter_id, parsed, account.username)
    presence().seen(counter_id, account.label, datetime.now(UTC))
    return jsonify(reply.model_dump(mode="json"))


@api.post("/api/counter/<int:counter_id>/set-aside")
@require("staff")
def set_aside(counter_id: int) -> Any:
    _counter_for_staff(counter_id)
    return _desk_change(lambda by: desk().set_aside(counter_id, by))


@api.post("/api/counter/<int:counter_id>/came-back")
@require("staff")
def came_back(counter_id: int) -> Any:
    _counter_for_staff(counter_id)
    body = request.get_json(silent=True) or {}
    ticket_id = str(body.get("ticket", "")) if isinstance(body, dict) else ""
    return _desk_change(lambda by: desk().came_back(counter_id, ticket_id, by))


def _desk_change(change: Any) -> Any:
    account = current()
    assert account is not None
    try:
        broker().run(lambda: change(account.username))
    except Rejected as exc:
        return refuse(409, exc.code, exc.detail)
    return jsonify({"v": 1, "ok": True})
