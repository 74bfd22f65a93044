"""The manager's live board: every counter, every service line and every device, as plain data."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from broker.devices import Devices
from broker.queue import live
from broker.queue.messages import hall_state
from broker.reports.formats import clock, duration_vi, minutes
from broker.service import BrokerService
from broker.store.db import EventRow
from broker.web.labels import NO_PROBLEM, PROBLEMS, SPEAKER_PROBLEM
from xephang.labels import DEVICE_PROBLEM_NAMES, counter_status
from xephang.protocol import DEVICE_OK, DEVICE_PROBLEM, DEVICE_PROBLEMS


def describe_problems(detail: str) -> str:
    """A device's `;`-separated problem codes in Vietnamese, for the manager's board."""
    parts = [part.strip() for part in detail.split(";") if part.strip()]
    if not parts:
        return NO_PROBLEM
    return "; ".join(_problem_vi(part) for part in parts)


def _problem_vi(code: str) -> str:
    if code.startswith("speaker:"):
        return SPEAKER_PROBLEM + code.removeprefix("speaker:")
    return PROBLEMS.get(code, code)


class Presence:
    """Who last worked each counter's page (the staff member "on" it), in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on: dict[int, tuple[str, datetime]] = {}

    def seen(self, counter_id: int, who: str, at: datetime) -> None:
        with self._lock:
            self._on[counter_id] = (who, at)

    def who(self, counter_id: int) -> str:
        with self._lock:
            return self._on.get(counter_id, ("", datetime.min))[0]


def board_data(service: BrokerService, devices: Devices, presence: Presence) -> dict[str, Any]:
    config, zone = service.config, service.config.site.zone
    with service.queue.store.snapshot() as tx:
        now = tx.now
        counters = tx.counters()
        tickets = {row.id: tx.ticket(row.ticket) for row in counters}
        waiting = tx.waiting()
        hall = hall_state(tx, config)
        advice = [suggestion.text for suggestion in live.suggestions(tx, config).suggestions]
        device_events = tx.recent_events((DEVICE_PROBLEM, DEVICE_OK), RECENT_INCIDENT_EVENTS)
    names = {s.code: s.name for s in config.services}
    rows = {row.id: row for row in counters}
    out_counters = []
    for counter in config.counters:
        row = rows.get(counter.id)
        ticket = tickets.get(counter.id)
        status = row.status if row else "idle"
        closing = row is not None and row.closing is not None
        out_counters.append({
            "id": counter.id, "label": counter.label, "status": status, "closing": closing,
            "status_vi": counter_status(status, closing),
            "ticket": ticket.number if ticket else None, "since": clock(row.since if row else None, zone),
            "who": presence.who(counter.id), "services": [names.get(c, c) for c in counter.services],
            "codes": list(counter.services)})
    out_services = []
    for svc in config.services:
        line = [t for t in waiting if t.service == svc.code]
        oldest_s = (now - min(t.issued_at for t in line)).total_seconds() if line else None
        eta_s = hall.eta_s.get(svc.code, 0)
        late = max(oldest_s or 0, eta_s) > svc.target_wait_min * 60
        out_services.append({"code": svc.code, "name": svc.name, "waiting": len(line),
                             "oldest_min": minutes(oldest_s), "eta_min": minutes(eta_s),
                             "target_min": svc.target_wait_min, "late": late})
    out_devices = [{"id": d.id, "online": d.online, "version": d.version,
                    "detail": describe_problems(d.detail), "problem": bool(d.detail.strip()),
                    "seen": clock(d.seen, zone)} for d in devices.all()]
    return {"at": clock(now, zone), "counters": out_counters, "services": out_services,
            "devices": out_devices, "suggestions": advice,
            "incidents": incidents_today(device_events, now, zone)}


RECENT_INCIDENT_EVENTS = 400
STILL_OPEN = "Chưa khắc phục"


def incidents_today(events: list[EventRow], now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The device incidents open now or ended today (local day), newest first, from their
    `device_problem` / `device_ok` events (newest first)."""
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    names: dict[str, str] = {kind: DEVICE_PROBLEM_NAMES[kind] for kind in DEVICE_PROBLEMS}
    ended: dict[tuple[str, str, str], datetime] = {}
    rows = []
    for event in events:
        key = (str(event.data.get("device")), str(event.data.get("problem")),
               str(event.data.get("since")))
        if event.type == DEVICE_OK:
            ended[key] = datetime.fromisoformat(str(event.data.get("until") or event.at.isoformat()))
            continue
        since, until = datetime.fromisoformat(key[2]), ended.get(key)
        if until is not None and until < midnight:
            continue
        rows.append({"device": key[0], "problem": names.get(key[1], key[1]),
                     "since": _when(since, midnight, zone),
                     "until": STILL_OPEN if until is None else clock(until, zone),
                     "down": duration_vi(((until or now) - max(since, midnight)).total_seconds()),
                     "open": until is None})
    return rows


def _when(moment: datetime, midnight: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.strftime("%H:%M") if local >= midnight else local.strftime("%H:%M %d/%m")
