"""The site file tests and benchmarks run against: the repository's example (config/site.toml) with
`issue_outside_hours = true`, so tickets are issued at whatever hour they run. The example itself
keeps a real center's default (tickets only between opens and closes)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

EXAMPLE_SITE = Path(__file__).resolve().parents[1] / "config" / "site.toml"


def any_hour_site(source: Path = EXAMPLE_SITE) -> Path:
    """A copy of `source` that issues tickets at any hour, in the temporary folder (made once per
    content; written whole and renamed, so processes starting together never read half of it)."""
    text = re.sub(r"(?m)^issue_outside_hours\s*=.*\n", "", source.read_text(encoding="utf-8"))
    text, found = re.subn(r"(?m)^\[site\][ \t]*$", "[site]\nissue_outside_hours = true", text,
                          count=1)
    assert found, f"{source}: no [site] section"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"xephang-any-hour-{digest}" / "site.toml"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"site.toml.{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    return target


ANY_HOUR_SITE = any_hour_site()
