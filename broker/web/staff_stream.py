"""The staff pages' one live stream (`/events?counter=1&counter=3`): the hall state and the states of
the counters asked for that the signed-in account operates, nothing else of the broker's hub.

A browser opens one such stream for all its pages (static/live-worker.js asks for the counters of
every open page at once), so a person may keep any number of live pages open: over HTTP/1.1 a
browser holds at most six connections to one server, and a stream per page would starve the rest.
The stream ends when its session ends (a sign-out anywhere), so a browser's shared stream never
outlives the account that opened it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

# A counter id in a query is ASCII digits, like in an MQTT topic (xephang/protocol.py).
MAX_COUNTER_DIGITS = 6


def asked_counters(values: Iterable[str]) -> set[int]:
    """The counter ids a query names (`counter=3`), ignoring anything that is not one."""
    return {int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= MAX_COUNTER_DIGITS}


def staff_stream(frames: Iterator[str], counters: set[int],
                 signed_in: Callable[[], bool]) -> Iterator[str]:
    """The hub's `frames` a staff page of `counters` may see: `hall` and `counter-<id>` events,
    comments (the keepalive) and the retry hint; ends at a keepalive once `signed_in()` is false."""
    carried = ("event: hall\n", *(f"event: counter-{c}\n" for c in sorted(counters)))
    for frame in frames:
        if frame.startswith(":"):
            if not signed_in():
                return
            yield frame
        elif frame.startswith(("retry:", *carried)):
            yield frame
