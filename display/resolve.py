"""Which display this process is: from `[[displays]]`, or by the `hall-N` / `counter-N` convention."""

from __future__ import annotations

import re

from xephang.config import Display, SiteConfig
from xephang.errors import ConfigError

_CONVENTION = re.compile(r"^(?P<kind>hall|counter)-(?P<n>[1-9][0-9]?)$")


def resolve_display(config: SiteConfig, display_id: str) -> Display:
    """The configured display, or one implied by its id; otherwise a ConfigError listing valid ids."""
    configured = config.display(display_id)
    if configured is not None:
        return configured
    match = _CONVENTION.match(display_id)
    if match and match["kind"] == "hall":
        return Display(id=display_id, kind="hall")
    if match and config.counter(int(match["n"])) is not None:
        return Display(id=display_id, kind="counter", counter=int(match["n"]))
    raise ConfigError(f"no display {display_id!r}: valid ids are {_valid_ids(config)}")


def _valid_ids(config: SiteConfig) -> str:
    named = [d.id for d in config.displays]
    counters = sorted(c.id for c in config.counters)
    implied = ["hall-N (any N from 1 to 99)",
               f"counter-N for a configured counter ({', '.join(map(str, counters))})"]
    return ", ".join(named + implied)
