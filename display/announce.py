"""Announce each call once: the same message delivered twice, or again after a reconnect, is silent.

A recall reuses the call's `call_id` with a higher `repeat`, and must be heard again; anything not
newer than what was already announced for that call is a duplicate (or a late straggler).

With a `path`, what was admitted is kept on disk (written before the call is spoken), so a display
restarted after a crash does not speak again a call the MQTT broker redelivers to its session.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from xephang.protocol import Announcement

log = logging.getLogger(__name__)

REMEMBERED_CALLS = 512  # a busy center makes ~250 calls an hour; duplicates arrive within seconds


class AnnouncementGate:
    def __init__(self, capacity: int = REMEMBERED_CALLS, *, path: Path | None = None) -> None:
        self._capacity = capacity
        self._path = path
        self._last_repeat: OrderedDict[str, int] = _load(path) if path else OrderedDict()
        self._lock = threading.Lock()

    def admit(self, announcement: Announcement) -> bool:
        """True the first time a (call_id, repeat) newer than any seen for that call arrives."""
        with self._lock:
            previous = self._last_repeat.get(announcement.call_id)
            if previous is not None and announcement.repeat <= previous:
                return False
            self._last_repeat[announcement.call_id] = announcement.repeat
            self._last_repeat.move_to_end(announcement.call_id)
            while len(self._last_repeat) > self._capacity:
                self._last_repeat.popitem(last=False)
            self._save()
            return True

    def _save(self) -> None:
        if self._path is None:
            return
        temporary = self._path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(list(self._last_repeat.items())), encoding="utf-8")
            os.replace(temporary, self._path)  # atomic: a power cut leaves the old or the new file
        except OSError as exc:
            log.error("cannot keep the announced calls in %s: %s", self._path, exc)


def _load(path: Path) -> OrderedDict[str, int]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return OrderedDict((str(call), int(repeat)) for call, repeat in items)
    except FileNotFoundError:
        return OrderedDict()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignored an unreadable %s (%s): calls may be announced again once", path, exc)
        return OrderedDict()
