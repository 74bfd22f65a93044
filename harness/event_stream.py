"""A role's server-sent events (`/events`) as a page sees them, for the tests and the benchmarks.

A thread reads the stream and queues each complete event, so callers wait with a timeout instead of
blocking on a socket read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.client import HTTPConnection
from typing import Any

log = logging.getLogger(__name__)

Event = tuple[str, Any]
READ_TIMEOUT_S = 30.0  # longer than the server's 15 s keepalive


class EventStream:
    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        self._connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                          timeout=READ_TIMEOUT_S)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._connection.request("GET", target,
                                 headers={"Accept": "text/event-stream", **(headers or {})})
        self._socket = self._connection.sock  # kept: shutting it down is what wakes the reader
        self._response = self._connection.getresponse()
        if self._response.status != 200:
            raise AssertionError(f"GET {url} answered {self._response.status}")
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, name="event-stream", daemon=True)
        self._thread.start()

    def next(self, timeout: float = 5.0) -> Event:
        """The next event as (name, decoded data); AssertionError if none within `timeout`."""
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no server-sent event within {timeout} s") from None
        if event is None:
            raise AssertionError("the event stream ended")
        return event

    def wait_for(self, name: str, predicate: Callable[[Any], bool] = lambda _: True,
                 timeout: float = 5.0) -> Any:
        """Skip events until one called `name` whose data satisfies `predicate`; return its data."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching {name!r} event within {timeout} s")
            event, data = self.next(remaining)
            if event == name and predicate(data):
                return data

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):  # the server may have closed it already
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._connection.close()

    def _read(self) -> None:
        name, data = "message", list[str]()
        try:
            for raw in self._response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        self._events.put((name, json.loads("\n".join(data))))
                    name, data = "message", []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        except (OSError, ValueError) as exc:  # closed, timed out or garbled: reported as "ended"
            log.debug("event stream ended: %s", exc)
        finally:
            self._events.put(None)
