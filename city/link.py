"""The aggregator's MQTT connection to the city's cluster: one explicit client id with a persistent
session (the cluster keeps its subscription and queued events while it is away), QoS 1, and the
cluster's nodes tried in turn, so losing one node only moves the aggregator to the next.
"""

from __future__ import annotations

import itertools
import logging
import queue
import socket
import threading
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from city import CityError
from city.config import MqttSection
from xephang.config import parse_mqtt_url

log = logging.getLogger(__name__)

EVENTS = "xephang/v1/+/uplink/event"
QOS = 1
FIRST_ATTEMPT_S = 5.0
INBOX_WAIT_S = 5.0  # a full inbox holds the network loop this long (the cluster queues meanwhile)
REFUSED_LOGIN = (134, 135)  # "bad user name or password", "not authorized"
LISTENING = f"listening for {EVENTS}"  # logged once the subscription is granted

Received = tuple[str, bytes]


class CityMqttRefused(CityError, PermissionError):
    """The city's MQTT cluster refused the aggregator's login."""


class CityLink:
    """Delivers `(topic, payload)` of every uplink event into `inbox`; publishes acks."""

    def __init__(self, section: MqttSection, password: str, inbox: queue.Queue[Received]) -> None:
        self.section = section
        self.inbox = inbox
        self.connected = threading.Event()
        self.connections = 0  # how many times it has (re)connected
        self.refused: str | None = None
        self._first_outcome = threading.Event()
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=section.client_id,
                                   clean_session=False, protocol=paho.MQTTv311)
        self._client.max_queued_messages_set(0)
        self._client.username_pw_set(section.login, password)
        if section.ca_file is not None:
            self._client.tls_set(ca_certs=str(section.ca_file))
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._client.on_socket_open = _no_delay
        self._client.on_connect_fail = self._on_connect_fail
        self._nodes = itertools.cycle(section.urls)

    def start(self) -> None:
        """Connect in the background; CityMqttRefused at once if the cluster refuses the login."""
        self._client.reconnect_delay_set(min_delay=1, max_delay=5)
        self._next_node()
        self._client.connect_async(self._client.host, self._client.port, keepalive=15)
        self._client.loop_start()  # paho's own thread: publishing from ours only queues
        self._first_outcome.wait(FIRST_ATTEMPT_S)
        if self.refused is not None:
            self.stop()
            raise CityMqttRefused(self.refused)

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def alive(self) -> bool:
        thread: threading.Thread | None = getattr(self._client, "_thread", None)
        return thread is not None and thread.is_alive()

    def publish(self, topic: str, payload: bytes, *, retain: bool) -> None:
        info = self._client.publish(topic, payload, qos=QOS, retain=retain)
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            log.warning("publish to %s failed: %s", topic, paho.error_string(info.rc))

    def _next_node(self) -> None:
        """Point the client at the next node of the cluster (paho reconnects to it)."""
        host, port = parse_mqtt_url(next(self._nodes))
        try:
            self._client.host, self._client.port = host, port
        except RuntimeError:
            # paho refuses the setter while it is between reconnect attempts (its state is not
            # "closed" yet), though no socket is open: its reconnect() reads these two fields.
            self._client._host, self._client._port = host, port

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode,
                    properties: Properties | None) -> None:
        if reason.is_failure:
            if reason.value in REFUSED_LOGIN:
                self.refused = (f"the city MQTT cluster refused the login of {self.section.login} "
                                f"({reason}): check {self.section.password_file}")
            log.error("the city MQTT node refused the connection: %s", reason)
            self._first_outcome.set()
            return
        client.subscribe(EVENTS, qos=QOS)
        self.connections += 1
        self.connected.set()
        self._first_outcome.set()
        log.info("connected to the city MQTT cluster at %s:%s (session kept: %s)",
                 client.host, client.port, flags.session_present)

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int,
                      reasons: list[ReasonCode], properties: Properties | None) -> None:
        if any(reason.is_failure for reason in reasons):
            log.error("the city MQTT cluster refused the subscription to %s: check the ACL of %s",
                      EVENTS, self.section.login)
        else:
            log.info("%s", LISTENING)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        log.warning("cannot connect to the city MQTT node %s:%s; trying the next", client.host,
                    client.port)
        self._first_outcome.set()
        self._next_node()

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode,
                       properties: Properties | None) -> None:
        self.connected.clear()
        log.warning("disconnected from the city MQTT node %s:%s: %s", client.host, client.port, reason)
        self._next_node()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            self.inbox.put((message.topic, bytes(message.payload)), timeout=INBOX_WAIT_S)
        except queue.Full:
            # Nothing is lost for good: the center sends it again while its mark does not move.
            log.warning("the store is behind: dropped an event on %s (its center will resend it)",
                        message.topic)


def _no_delay(client: paho.Client, userdata: Any, sock: Any) -> None:
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
