"""Which counter's current call a hall display has said, so staff know their citizen heard it.

A hall display reports each sentence it said on `device/{id}/announced`; the broker stamps the
counter's state with `announced_at` while that counter still holds the ticket. Kept in memory: after
a broker restart a call already said simply shows no stamp.
"""

from __future__ import annotations

import threading
from datetime import datetime

from xephang.protocol import CounterState, SpokenCall


class Heard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._said: dict[int, tuple[str, datetime]] = {}  # counter -> (number, first said at)

    def note(self, call: SpokenCall, at: datetime) -> bool:
        """Remember that `call` was said; True the first time for that counter's ticket."""
        with self._lock:
            known = self._said.get(call.counter)
            if known is not None and known[0] == call.number:
                return False
            self._said[call.counter] = (call.number, at)
            return True

    def stamp(self, state: CounterState) -> CounterState:
        """The state with `announced_at` when its ticket's call was said."""
        with self._lock:
            known = self._said.get(state.counter)
        if known is None or state.ticket is None or state.ticket.number != known[0]:
            return state
        return state.model_copy(update={"announced_at": known[1]})
