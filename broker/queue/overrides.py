"""Counter settings a manager changed at run time, laid over the site file's.

The site file says which services each counter serves; a manager may change that during the day.
The change is stored (`counter_services`), so a restarted broker keeps it, and the effective config
is the file's with those counters replaced.
"""

from __future__ import annotations

from broker.store.db import Store
from xephang.config import SiteConfig


def with_services(config: SiteConfig, changes: dict[int, list[str]]) -> SiteConfig:
    """The config with these counters' services replaced. `model_copy` does not validate, so the
    codes are checked here: unknown ones are dropped, and a counter left with none keeps the file's."""
    known = {s.code for s in config.services}
    counters = [c.model_copy(update={"services": [s for s in changes[c.id] if s in known]})
                if c.id in changes and any(s in known for s in changes[c.id]) else c
                for c in config.counters]
    return config.model_copy(update={"counters": counters})


def apply_overrides(config: SiteConfig, store: Store) -> SiteConfig:
    with store.snapshot() as tx:
        changes = tx.assigned_services()
    return with_services(config, changes) if changes else config
