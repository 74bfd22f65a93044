"""The displays from a test's side: the broker's messages they are shown (retained hall and counter
states, announcements), a counter unit started as in production, and the page check that no text
is clipped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from display.guard import PressGuard
from display.role import DisplayRole
from harness.mqtt_probe import Probe
from xephang.config import SiteConfig
from xephang.mqtt_access import MqttAccess
from xephang.protocol import Topics

AT = "2025-03-04T02:41:00+00:00"

# Every visible piece of text must lie inside the window and inside any box that clips it.
CLIPPED_TEXT = """() => {
  const out = [];
  const W = window.innerWidth, H = window.innerHeight;
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth || doc.scrollHeight > doc.clientHeight) out.push("page scrolls");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest("[hidden]") || el.tagName === "SCRIPT") continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();  // the text itself, not its (narrower) box
    if (r.width === 0) continue;
    const v = 1 + 0.12 * r.height;  // a font's line box is taller than its digits and letters
    if (r.left < -1 || r.right > W + 1 || r.top < -v || r.bottom > H + v) {
      out.push(`${el.className} "${node.textContent.trim().slice(0, 30)}" outside the window`);
      continue;
    }
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflow === "visible") continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - v || r.bottom > b.bottom + v) {
        out.push(`${el.className} "${node.textContent.trim().slice(0, 30)}" clipped by ${a.className}`);
        break;
      }
    }
  }
  return out;
}"""


def hall_state(*calls: tuple[str, int], waiting: dict[str, int] | None = None,
               eta: dict[str, int] | None = None) -> dict[str, Any]:
    """The hall's state with the recent calls `(number, counter)`, newest first."""
    return {"v": 1, "recent_calls": [{"number": n, "counter": c, "at": AT} for n, c in calls],
            "waiting": waiting or {}, "eta_s": eta or {}}


def counter_state(status: str, number: str | None = None, counter: int = 5, *, service: str = "CT",
                  since: str = AT) -> dict[str, Any]:
    """A counter's state; with `number`, the ticket it calls or serves."""
    ticket = None if number is None else {"id": f"t-{number}", "number": number, "service": service,
                                          "issued_at": AT, "ahead": 0, "eta_s": 0}
    return {"v": 1, "counter": counter, "status": status, "ticket": ticket, "since": since}


def announce(call_id: str, number: str, counter: int, repeat: int = 0,
             at: str | None = None) -> dict[str, Any]:
    """A call to announce; `at`, when the call was made (left out: the message has none)."""
    return {"v": 1, "call_id": call_id, "number": number, "counter": counter, "repeat": repeat,
            "text": f"Mời công dân có số thứ tự {number} đến quầy số {counter}",
            **({"at": at} if at is not None else {})}


@contextmanager
def counter_unit(config: SiteConfig, mqtt: MqttAccess, probe: Probe, state: dict[str, Any],
                 guard: PressGuard | None = None) -> Iterator[DisplayRole]:
    """Counter unit 5, started after the broker published `state` (as in production); the probe
    listens to its commands."""
    topics = Topics(config.site.id)
    probe.publish(topics.counter_state(5), state, retain=True)
    probe.subscribe(topics.counter_command(5))
    role = DisplayRole(config, display_id="counter-5", mqtt=mqtt, http=("127.0.0.1", 0),
                       guard=guard)
    role.start()
    try:
        yield role
    finally:
        role.stop()
