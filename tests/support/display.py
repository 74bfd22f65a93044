"""The displays from a test's side: the broker's messages they are shown (retained hall and counter
states, announcements), and a counter unit started as in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from display.guard import PressGuard
from display.role import DisplayRole
from harness.mqtt_probe import Probe
from xephang.config import SiteConfig
from xephang.protocol import Topics

AT = "2025-03-04T02:41:00+00:00"


def hall_state(*calls: tuple[str, int], waiting: dict[str, int] | None = None,
               eta: dict[str, int] | None = None) -> dict[str, Any]:
    """The hall's state with the recent calls `(number, counter)`, newest first."""
    return {"v": 1, "recent_calls": [{"number": n, "counter": c, "at": AT} for n, c in calls],
            "waiting": waiting or {}, "eta_s": eta or {}}


def counter_state(status: str, number: str | None = None, counter: int = 5) -> dict[str, Any]:
    """A counter's state; with `number`, the ticket it calls or serves (a CT ticket)."""
    ticket = None if number is None else {"id": f"t-{number}", "number": number, "service": "CT",
                                          "issued_at": AT, "ahead": 0, "eta_s": 0}
    return {"v": 1, "counter": counter, "status": status, "ticket": ticket, "since": AT}


def announce(call_id: str, number: str, counter: int, repeat: int = 0) -> dict[str, Any]:
    return {"v": 1, "call_id": call_id, "number": number, "counter": counter, "repeat": repeat,
            "text": f"Mời công dân có số thứ tự {number} đến quầy số {counter}"}


@contextmanager
def counter_unit(config: SiteConfig, mqtt_url: str, probe: Probe, state: dict[str, Any],
                 guard: PressGuard | None = None) -> Iterator[DisplayRole]:
    """Counter unit 5, started after the broker published `state` (as in production); the probe
    listens to its commands."""
    topics = Topics(config.site.id)
    probe.publish(topics.counter_state(5), state, retain=True)
    probe.subscribe(topics.counter_command(5))
    role = DisplayRole(config, display_id="counter-5", mqtt_url=mqtt_url, http=("127.0.0.1", 0),
                       guard=guard)
    role.start()
    try:
        yield role
    finally:
        role.stop()
