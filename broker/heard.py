"""Which counter's current call a hall display has said, so staff know their citizen heard it.

A hall display reports each sentence it said on `device/{id}/announced`; the broker stamps the
counter's state with `announced_at` while that counter still holds the ticket. Kept in the store
too (one small setting, written when a call is first said), so a restarted broker still shows the
stamp of a call said before it stopped, and staff do not call the citizen again for nothing.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from broker.store.db import Store
from xephang.protocol import CounterState, SpokenCall

# How far a hall display's clock may be behind the broker's and its stamp still count.
CLOCK_SKEW = timedelta(hours=1)


class Heard:
    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._store = store
        with store.snapshot() as tx:
            # counter -> (number, first said at)
            self._said: dict[int, tuple[str, datetime]] = tx.heard_calls()

    def note(self, call: SpokenCall, at: datetime) -> bool:
        """Remember that `call` was said; True the first time for that counter's ticket."""
        with self._lock:
            known = self._said.get(call.counter)
            if known is not None and known[0] == call.number:
                return False
            self._said[call.counter] = (call.number, at)
            said = dict(self._said)
        # Outside our lock: `stamp` is called with the store's lock held (no lock-order inversion).
        with self._store.transaction() as tx:
            tx.keep_heard_calls(said)
        return True

    def stamp(self, state: CounterState) -> CounterState:
        """The state with `announced_at` when its ticket's call was said."""
        with self._lock:
            known = self._said.get(state.counter)
        if (known is None or state.ticket is None or state.ticket.number != known[0]
                or known[1] < state.since - CLOCK_SKEW):  # the same number on an earlier day
            return state
        return state.model_copy(update={"announced_at": known[1]})
