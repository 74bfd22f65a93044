"""Auto-call: when the center enables it, an idle counter calls a ticket it can serve at once.

Runs inside the transaction of the change that made it possible (a new ticket, a counter finishing),
through the same call_next action a staff press runs, so the call rule and the events are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from broker.queue.actions import Step, call_next
from broker.store.db import Tx
from xephang.config import SiteConfig

if TYPE_CHECKING:
    from broker.queue.tickets import Outcome


def auto_call(tx: Tx, config: SiteConfig, outcome: Outcome) -> None:
    """Add to `outcome` the calls of every idle counter that has a ticket waiting for it."""
    if not config.routing.auto_call or (outcome.reply is not None and not outcome.reply.ok):
        return
    for counter in config.counters:
        if not tx.waiting():
            return
        if tx.counter(counter.id).status != "idle":
            continue
        step = Step(tx, config, counter, {})
        call_next(step)
        if step.events:
            outcome.events.extend(step.events)
            outcome.counters.add(counter.id)
            outcome.announcements.extend(step.announcements)
