"""Announce each call once: the same message delivered twice, or again after a reconnect, is silent.

A recall reuses the call's `call_id` with a higher `repeat`, and must be heard again; anything not
newer than what was already announced for that call is a duplicate (or a late straggler).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from xephang.protocol import Announcement

REMEMBERED_CALLS = 512  # a busy center makes ~250 calls an hour; duplicates arrive within seconds


class AnnouncementGate:
    def __init__(self, capacity: int = REMEMBERED_CALLS) -> None:
        self._capacity = capacity
        self._last_repeat: OrderedDict[str, int] = OrderedDict()
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
            return True
