"""A test's own MQTT client: publish like a device, and wait for what arrives (never sleep)."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


class Probe:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("mqtt://").rsplit(":", 1)
        self._messages: dict[str, queue.Queue[tuple[str, bytes]]] = {}
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.connect(host, int(port))
        self.client.loop_start()

    def subscribe(self, topic_filter: str) -> None:
        """Subscribe and wait until the broker has granted it."""
        with self._lock:
            self._messages.setdefault(topic_filter, queue.Queue())
        self._subscribed.clear()
        self.client.subscribe(topic_filter, qos=1)
        assert self._subscribed.wait(5), f"subscription to {topic_filter} not granted"

    def publish(self, topic: str, payload: dict[str, Any] | bytes, retain: bool = False) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, data, qos=1, retain=retain).wait_for_publish(5)

    def next(self, topic_filter: str, timeout: float = 5.0) -> tuple[str, dict[str, Any]]:
        """The next message on a subscribed filter, decoded; fails the test after `timeout`."""
        try:
            topic, payload = self._messages[topic_filter].get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing arrived on {topic_filter} within {timeout} s") from None
        return topic, json.loads(payload)

    def wait_for(self, topic_filter: str, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Skip messages until one satisfies `predicate`."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching message on {topic_filter} within {timeout} s")
            _, data = self.next(topic_filter, remaining)
            if predicate(data):
                return data

    def drain(self, topic_filter: str) -> list[dict[str, Any]]:
        out = []
        q = self._messages[topic_filter]
        while not q.empty():
            out.append(json.loads(q.get_nowait()[1]))
        return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            targets = [q for f, q in self._messages.items()
                       if paho.topic_matches_sub(f, message.topic)]
        for target in targets:
            target.put((message.topic, message.payload))
