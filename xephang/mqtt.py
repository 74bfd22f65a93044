"""A small publish/subscribe/stop face over paho-mqtt, shared by every role.

Subscriptions are remembered and made again in the on-connect callback, so they survive reconnects.
A handler that raises is logged and the message dropped: no role dies of one bad message. The
device's retained `device/{id}/status` is `online` while connected and `offline` via the last will.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from xephang import __version__
from xephang.config import parse_mqtt_url
from xephang.errors import XephangError
from xephang.mqtt_access import MqttAccess
from xephang.protocol import DeviceStatus, Message, Topics

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]
QOS = 1
# A message handler still running after this long is stuck (a deadlock, a hung device call): the
# whole network loop waits behind it, so the role reports itself not alive (xephang.notify).
STUCK_HANDLER_S = 20.0
FIRST_ATTEMPT_S = 5.0  # start() waits this long for Mosquitto to accept or refuse the login
REFUSED_LOGIN = (134, 135)  # "bad user name or password", "not authorized"


class MqttRefused(XephangError, PermissionError):
    """Mosquitto refused this device's username or password."""


class MqttLink:
    def __init__(
        self,
        access: MqttAccess,
        *,
        topics: Topics | None = None,
        device_id: str | None = None,
        persistent: bool = True,
    ) -> None:
        self.access = access
        self.host, self.port = parse_mqtt_url(access.url)
        self.connected = threading.Event()
        self.refused: str | None = None
        self._first_outcome = threading.Event()
        self._handlers: list[tuple[str, Handler]] = []
        self._on_connect_hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._handling_since: float | None = None
        self._client = paho_client(access, persistent=persistent)
        self._status_topic: str | None = None
        self._status_detail = ""
        if topics is not None and device_id is not None:
            self._status_topic = topics.device_status(device_id)
            offline = DeviceStatus(status="offline", version=__version__).encode()
            self._client.will_set(self._status_topic, offline, qos=QOS, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        with self._lock:
            self._handlers.append((topic_filter, handler))
        if self.connected.is_set():
            self._client.subscribe(topic_filter, qos=QOS)

    def on_connect(self, hook: Callable[[], None]) -> None:
        """Run `hook` after every (re)connection, once subscriptions are made."""
        self._on_connect_hooks.append(hook)

    def publish(self, topic: str, payload: Message | bytes, *,
                retain: bool = False) -> paho.MQTTMessageInfo:
        """Queue a QoS 1 message (kept while disconnected); `.is_published()` on the result turns
        true once Mosquitto has acknowledged it."""
        data = payload.encode() if isinstance(payload, Message) else payload
        info = self._client.publish(topic, data, qos=QOS, retain=retain)
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            log.warning("publish to %s failed: %s", topic, paho.error_string(info.rc))
        return info

    def publish_status(self, detail: str | None = None) -> None:
        """Say this device is online; `detail` (e.g. `paper_out`, "" when fine) is remembered and
        said again after every reconnect, so a problem is never forgotten by a reconnect."""
        if detail is not None:
            self._status_detail = detail
        if self._status_topic:
            status = DeviceStatus(status="online", version=__version__, detail=self._status_detail)
            self.publish(self._status_topic, status, retain=True)

    def start(self) -> None:
        """Connect in the background; raise MqttRefused at once if Mosquitto refuses the login (an
        unreachable Mosquitto is not an error: the link keeps trying)."""
        self._client.connect_async(self.host, self.port, keepalive=15)
        self._client.loop_start()
        self._first_outcome.wait(FIRST_ATTEMPT_S)
        if self.refused is not None:
            self._client.disconnect()
            self._client.loop_stop()
            raise MqttRefused(self.refused)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def alive(self) -> bool:
        """The network loop runs and no handler is stuck in it (for the systemd watchdog)."""
        since = self._handling_since
        if since is not None and time.monotonic() - since > STUCK_HANDLER_S:
            return False
        # paho keeps its loop thread private; it is None before start() and after stop().
        thread: threading.Thread | None = getattr(self._client, "_thread", None)
        return thread is not None and thread.is_alive()

    def stop(self) -> None:
        """Leave cleanly: say offline (a clean disconnect does not fire the will), then go."""
        if self._status_topic and self.connected.is_set():
            offline = DeviceStatus(status="offline", version=__version__).encode()
            self._client.publish(self._status_topic, offline, qos=QOS, retain=True).wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            if reason.value in REFUSED_LOGIN:
                self.refused = (f"{self.access.url} refused the login of {self.access.username} "
                                f"({reason}): check the password in {self.access.where} against "
                                "the server's `xephang credentials` output")
            log.error("MQTT %s:%s refused the connection: %s", self.host, self.port,
                      self.refused or reason)
            self._first_outcome.set()
            return
        self._first_outcome.set()
        log.info("connected to MQTT %s:%s", self.host, self.port)
        with self._lock:
            filters = sorted({f for f, _ in self._handlers})
        for topic_filter in filters:
            client.subscribe(topic_filter, qos=QOS)
        self.publish_status()
        self.connected.set()
        for hook in self._on_connect_hooks:
            _run_safely(hook)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        if not self._first_outcome.is_set():
            tls = f", or the CA file {self.access.ca_file} is not the center's" if self.access.tls else ""
            log.error("cannot connect to %s (Mosquitto not running or unreachable%s); retrying",
                      self.access.url, tls)
        self._first_outcome.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        log.warning("disconnected from MQTT %s:%s: %s", self.host, self.port, reason)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            handlers = [h for f, h in self._handlers if paho.topic_matches_sub(f, message.topic)]
        self._handling_since = time.monotonic()
        try:
            for handler in handlers:
                _run_safely(handler, message.topic, message.payload)
        finally:
            self._handling_since = None


def paho_client(access: MqttAccess, *, persistent: bool) -> paho.Client:
    """A paho client logged in as `access.username` (also its client id), over TLS for mqtts://."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=access.username,
                         clean_session=not persistent, protocol=paho.MQTTv311)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    client.username_pw_set(access.username, access.password)
    if access.ca_file is not None:
        client.tls_set(ca_certs=str(access.ca_file))
    client.on_socket_open = _no_delay
    return client


def _no_delay(client: paho.Client, userdata: Any, sock: Any) -> None:
    """Small messages (a press, a call) go out at once instead of waiting for Nagle's algorithm."""
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _run_safely(function: Callable[..., None], *args: Any) -> None:
    try:
        function(*args)
    except Exception:  # a bug in one handler must not stop the network loop for all the others
        log.exception("handler %s failed", getattr(function, "__qualname__", function))
