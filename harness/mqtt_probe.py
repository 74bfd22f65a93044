"""A test's (or a benchmark's) own MQTT client: publish like a device, and wait for what arrives
(never sleep). It logs in like any device; `OBSERVERS` are users of its own for the private Mosquitto."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from xephang.config import parse_mqtt_url
from xephang.mqtt import paho_client
from xephang.mqtt_access import MqttAccess

# The tests' own MQTT users: the broker's rights, in the test Mosquitto only (never in a center's
# ACL: `xephang credentials` has no way to add them). One per client connected at the same time,
# since a client id is its username.
OBSERVERS = ("probe", "probe-2", "probe-3")


class Probe:
    """Logs in as `access` (over TLS for mqtts://) and fails the test if Mosquitto refuses it."""

    def __init__(self, access: MqttAccess) -> None:
        host, port = parse_mqtt_url(access.url)
        self._messages: dict[str, queue.Queue[tuple[str, bytes]]] = {}
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.granted: list[int] = []
        self.client = paho_client(access, persistent=False)
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.connect(host, port)
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

    def topics_received(self, topic_filter: str) -> list[str]:
        """The topics of everything queued on a filter so far (emptying its queue)."""
        out = []
        q = self._messages[topic_filter]
        while not q.empty():
            out.append(q.get_nowait()[0])
        return out

    def drain(self, topic_filter: str) -> list[dict[str, Any]]:
        out = []
        q = self._messages[topic_filter]
        while not q.empty():
            out.append(json.loads(q.get_nowait()[1]))
        return out

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: list[Any],
                      properties: Any) -> None:
        self.granted = [reason.value for reason in reasons]
        self._subscribed.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            targets = [q for f, q in self._messages.items()
                       if paho.topic_matches_sub(f, message.topic)]
        for target in targets:
            target.put((message.topic, message.payload))


def login_result(url: str, ca_file: Path | None, username: str | None = None,
                 password: str | None = None, client_id: str = "") -> str:
    """What Mosquitto answers a login: "Success", "Not authorized", … or the connection error."""
    host, port = parse_mqtt_url(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if ca_file is not None:
        client.tls_set(ca_certs=str(ca_file))
    if username is not None:
        client.username_pw_set(username, password)
    answered: queue.Queue[str] = queue.Queue()
    client.on_connect = lambda c, u, f, reason, p: answered.put(str(reason))
    try:
        client.connect(host, port)
    except OSError as exc:  # TLS refused: the server's certificate is not from this CA
        return type(exc).__name__
    client.loop_start()
    try:
        return answered.get(timeout=5)
    finally:
        client.disconnect()
        client.loop_stop()
