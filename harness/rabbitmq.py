"""A RabbitMQ cluster of three nodes on this machine (Debian's rabbitmq-server 3.10) for the city's
tests and bench: distinct node names and ports, its own epmd, its own Erlang cookie, the MQTT plugin
over TLS with the city's certificate, durable MQTT sessions in quorum queues, and the users and
topic rights `xephang city --make-credentials` writes (rabbitmq/definitions.json).

Nothing outlives `stop()`: the nodes get SIGTERM (then SIGKILL), epmd is our own child.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from xephang.mosquitto import free_ports

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
INSTALL_HINT = "RabbitMQ is not installed: run `make test` as root, or `apt-get install rabbitmq-server`"
BOOT_TIMEOUT_S = 120.0


def find_epmd() -> str:
    found = shutil.which("epmd")
    if not found:
        raise RuntimeError(INSTALL_HINT)
    return found


class RabbitNode:
    def __init__(self, cluster: RabbitCluster, index: int, mqtt_port: int, amqp_port: int,
                 dist_port: int) -> None:
        self.cluster, self.index = cluster, index
        self.name = f"xephang-{cluster.tag}-{index}@localhost"
        self.mqtt_port, self.amqp_port, self.dist_port = mqtt_port, amqp_port, dist_port
        self.folder = cluster.folder / f"node-{index}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.mqtt_port}"

    def environment(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.cluster.folder), "ERL_EPMD_PORT": str(self.cluster.epmd_port),
                "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.amqp_port),
                "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(self.folder / "db"),
                "RABBITMQ_LOG_BASE": str(self.folder / "log"), "RABBITMQ_PID_FILE": str(self.folder / "pid"),
                "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.cluster.folder / "enabled_plugins")}

    def write_config(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tls = self.cluster.tls_folder
        lines = [
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}",
            "mqtt.listeners.tcp = none",
            f"mqtt.listeners.ssl.default = 127.0.0.1:{self.mqtt_port}",
            f"ssl_options.cacertfile = {tls / 'ca.crt'}",
            f"ssl_options.certfile = {tls / 'server.crt'}",
            f"ssl_options.keyfile = {tls / 'server.key'}",
            "ssl_options.versions.1 = tlsv1.2",
            "ssl_options.versions.2 = tlsv1.3",
            "mqtt.allow_anonymous = false",
            "mqtt.vhost = /",
            "mqtt.exchange = amq.topic",
            # Durable MQTT sessions (clean session false) kept in replicated quorum queues.
            "mqtt.durable_queue_type = quorum",
            f"load_definitions = {self.cluster.definitions}",
            "cluster_formation.peer_discovery_backend = classic_config",
            *(f"cluster_formation.classic_config.nodes.{n.index} = {n.name}" for n in self.cluster.nodes),
            "log.console = false",
            "log.file.level = warning",
        ]
        (self.folder / "rabbitmq.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start(self) -> None:
        self.write_config()
        with (self.folder / "console.log").open("ab") as log_file:
            self.process = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.environment(),
                                            stdin=subprocess.DEVNULL, stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_listening(self, timeout: float = BOOT_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"RabbitMQ node {self.name} stopped at start; see {self.folder}")
            try:
                socket.create_connection(("127.0.0.1", self.mqtt_port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"RabbitMQ node {self.name} did not listen within {timeout} s"
                                       ) from None
                time.sleep(0.2)  # a port that is not open yet: nothing to wait on but the port

    def kill(self) -> None:
        """SIGKILL the node's Erlang VM and its script, as a machine crash would (they are a process
        group of their own)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM: the script stops the node cleanly; what is left after a minute is killed."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(60)
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


class RabbitCluster:
    """`start()` three nodes clustered by classic peer discovery; `ctl()` runs rabbitmqctl."""

    def __init__(self, folder: Path, tls_folder: Path, definitions: Path, size: int = 3) -> None:
        if not (RABBITMQ_BIN / "rabbitmq-server").exists():
            raise RuntimeError(INSTALL_HINT)
        self.folder, self.tls_folder, self.definitions = folder, tls_folder, definitions
        self.tag = secrets.token_hex(3)
        ports = free_ports(1 + 3 * size)
        self.epmd_port = ports[0]
        self.nodes = [RabbitNode(self, i + 1, *ports[1 + 3 * i: 4 + 3 * i]) for i in range(size)]
        self.epmd: subprocess.Popen[bytes] | None = None

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> RabbitCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        cookie = self.folder / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16), encoding="ascii")
        cookie.chmod(0o400)
        (self.folder / "enabled_plugins").write_text("[rabbitmq_mqtt].\n", encoding="ascii")
        self.epmd = subprocess.Popen([find_epmd(), "-port", str(self.epmd_port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.nodes[0].start()  # the seed: the others find it and join
            self.nodes[0].wait_listening()
            for node in self.nodes[1:]:
                node.start()
            for node in self.nodes[1:]:
                node.wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def ctl(self, *args: str, node: int = 0) -> str:
        tool = RABBITMQ_BIN / "rabbitmqctl"
        result = subprocess.run([str(tool), "-n", self.nodes[node].name, *args],
                                env=self.nodes[node].environment(), capture_output=True, text=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr or result.stdout}")
        return result.stdout

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        if self.epmd is not None:
            self.epmd.terminate()
            self.epmd.wait(10)
            self.epmd = None
