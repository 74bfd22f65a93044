"""python-escpos parses its printer capability file (about 1 MB of JSON) when first imported and
caches the result as a pickle in ESCPOS_CAPABILITIES_PICKLE_DIR, by default a new temporary folder
on every start (so never reused, and one more folder left behind each time). Pointing it at a
folder that lasts makes every start after the first load the pickle instead.

Imports nothing from escpos: it must run before escpos is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def keep_capabilities(state_dir: Path | None = None) -> Path | None:
    """Use the first writable folder among the kiosk's state folder, XEPHANG_STATE_DIR,
    /var/lib/xephang and ~/.cache/xephang (each with `escpos/` inside); None if none is, or if
    the variable is already set."""
    if os.environ.get(ENV):
        return None
    candidates = [state_dir, Path(os.environ["XEPHANG_STATE_DIR"])
                  if os.environ.get("XEPHANG_STATE_DIR") else None,
                  Path("/var/lib/xephang"), Path.home() / ".cache" / "xephang"]
    for base in candidates:
        if base is None:
            continue
        folder = base / "escpos"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            os.environ[ENV] = str(folder)
            return folder
    return None
