"""The city tier's ingest: how fast `xephang city` stores every center's events, and how soon a
center that was offline for a day is acknowledged again.

    .venv/bin/python bench/city.py [--centers 170] [--events 1500] [--backlog 10000]

Real processes on this machine: a throwaway PostgreSQL 15 cluster (durable settings: fsync and
synchronous commit on), a city Mosquitto secured as `xephang city --make-credentials` makes it,
and `xephang city` as its own process. Figures, each beside a same-run baseline:
- store: CityStore alone (staged COPY, insert, marks, commit) in batches of 5,000 — against a bare
  COPY of the same rows into a table with no key and no index;
- drain: centers × events already queued in the aggregator's persistent session, stored and
  acknowledged by a freshly started `xephang city` — against a bare MQTT subscriber draining the
  same queue (the transport's ceiling);
- live: the same events published while it runs (publisher, Mosquitto, aggregator and PostgreSQL
  sharing this machine's cores);
- converge: a center whose 10,000 events were never sent (its real uplink code, window 500)
  comes online — time until the city has acknowledged its last event; baseline one window (500).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broker.uplink import batches  # noqa: E402
from city.database import CityStore  # noqa: E402
from harness.city import CITY_MUTE, CITY_PROBE, CityTier, SimulatedCenter, wait_until  # noqa: E402
from harness.postgres import PostgresCluster  # noqa: E402
from xephang.mqtt import paho_client  # noqa: E402
from xephang.mqtt_access import MqttAccess  # noqa: E402
from xephang.protocol import Topics, UplinkEvent  # noqa: E402

BATCH = 5000
IN_FLIGHT = 20_000  # a publisher's messages awaiting Mosquitto's acknowledgement at most
DEEP_QUEUE = "max_queued_messages 2000000\n"  # the preloaded session holds every event
DAY = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội


def sites(count: int) -> list[str]:
    return [f"phuong-{n:03d}" for n in range(1, count + 1)]


def events(centers: list[str], per_center: int) -> Iterator[tuple[str, UplinkEvent]]:
    """A day of each center, interleaved as they would arrive."""
    epochs = {site: uuid.uuid4() for site in centers}
    kinds = ("ticket_issued", "ticket_called", "ticket_serving", "ticket_done", "ticket_rated")
    for seq in range(1, per_center + 1):
        for site in centers:
            yield site, UplinkEvent(epoch=epochs[site], seq=seq, at=DAY + timedelta(seconds=seq * 20),
                                    type=kinds[seq % 5], service="HT", counter=seq % 12 + 1,
                                    priority="none", wait_s=seq % 1800, service_s=seq % 900,
                                    rating="satisfied", account="canbo1")


def bench_store(postgres: PostgresCluster, batch: list[tuple[str, UplinkEvent]]) -> None:
    store = CityStore.connect(postgres.new_database())
    started = time.perf_counter()
    for start in range(0, len(batch), BATCH):
        store.store(batch[start:start + BATCH])
    ours = time.perf_counter() - started
    store.close()
    dsn = postgres.new_database()
    with psycopg.connect(dsn) as connection:
        connection.execute("CREATE TABLE bare (site text, epoch uuid, seq bigint, at timestamptz,"
                           " type text, service text, counter int, priority text, wait_s int,"
                           " service_s int, rating text, account text)")
        connection.commit()
        started = time.perf_counter()
        for start in range(0, len(batch), BATCH):
            with connection.cursor().copy("COPY bare FROM STDIN") as copy:
                for site, e in batch[start:start + BATCH]:
                    copy.write_row((site, e.epoch, e.seq, e.at, e.type, e.service, e.counter,
                                    e.priority, e.wait_s, e.service_s, e.rating, e.account))
            connection.commit()
        bare = time.perf_counter() - started
    print(f"store ({len(batch):,} events, batches of {BATCH:,}): {len(batch) / ours:,.0f} events/s; "
          f"baseline bare COPY {len(batch) / bare:,.0f} events/s ({ours / bare:.1f}x its time)",
          flush=True)


def publish_all(access: MqttAccess, payloads: list[tuple[str, bytes]]) -> None:
    """Publish QoS 1 as fast as Mosquitto acknowledges; return when it has every one."""
    from xephang.config import parse_mqtt_url

    client = paho_client(access, persistent=False)
    client.max_inflight_messages_set(1000)
    client.connect(*parse_mqtt_url(access.url))
    client.loop_start()
    for start in range(0, len(payloads), IN_FLIGHT):  # MQTT message ids are 16 bits
        infos = [client.publish(topic, payload, qos=1)
                 for topic, payload in payloads[start:start + IN_FLIGHT]]
        for info in infos:
            info.wait_for_publish(120)
    client.disconnect()
    client.loop_stop()


def encoded(batch: list[tuple[str, UplinkEvent]]) -> list[tuple[str, bytes]]:
    """Each center's events packed as its uplink packs them (`UplinkBatch`es in seq order), the
    centers' messages interleaved as they would arrive."""
    own: dict[str, list[UplinkEvent]] = {}
    for site, event in batch:
        own.setdefault(site, []).append(event)
    packed = {site: [b.encode() for b in batches(events)] for site, events in own.items()}
    rounds = max(len(messages) for messages in packed.values())
    return [(Topics(site).uplink_event, messages[n])
            for n in range(rounds) for site, messages in packed.items() if n < len(messages)]


def all_stored(dsn: str, count: int, centers: int, last: int) -> bool:
    """Every center acknowledged up to `last`, then (counted once, not at every poll: a count of
    the whole table would compete with the aggregator) every event stored once."""
    with psycopg.connect(dsn) as connection:
        marked = connection.execute("SELECT count(*) FROM center_marks WHERE acked_seq = %s",
                                    (last,)).fetchone()
        if marked is None or marked[0] != centers:
            return False
        stored = connection.execute("SELECT count(*) FROM city_events").fetchone()
    assert stored is not None and stored[0] == count, f"{stored} events stored, not {count}"
    return True


def bench_drain(folder: Path, postgres: PostgresCluster, centers: list[str], per_center: int,
                payloads: list[tuple[str, bytes]]) -> None:
    dsn = postgres.new_database()
    city = CityTier(folder, dsn, centers, extra_conf=DEEP_QUEUE)
    try:
        city.aggregator.start()  # makes its persistent session, then leaves it
        city.aggregator.stop()
        publish_all(city.login(CITY_PROBE.device_id), payloads)
        started = time.perf_counter()
        city.aggregator.spawn()
        wait_until(lambda: all_stored(dsn, len(centers) * per_center, len(centers), per_center), 900,
                   "the drain")
        took = time.perf_counter() - started
        baseline = bare_drain(city, payloads)
    finally:
        city.close()
    count = len(centers) * per_center
    print(f"drain {len(centers)} centers x {per_center:,} queued events ({len(payloads):,} uplink "
          f"messages): {count / took:,.0f} events/s stored and acknowledged ({took:.1f} s from "
          f"process start); baseline bare MQTT subscriber {len(payloads) / baseline:,.0f} msgs/s = "
          f"{count / baseline:,.0f} events/s (target >= 20,000 events/s)", flush=True)


def bare_drain(city: CityTier, payloads: list[tuple[str, bytes]]) -> float:
    """A subscriber that only counts (the tests' `city-mute` login), on a preloaded persistent
    session of its own."""
    from xephang.config import parse_mqtt_url

    mute = city.login(CITY_MUTE.device_id)
    received = threading.Event()
    count = [0]

    def on_message(*_: object) -> None:
        count[0] += 1
        if count[0] == len(payloads):
            received.set()

    client = paho_client(mute, persistent=True)
    client.connect(*parse_mqtt_url(mute.url))
    client.subscribe("xephang/v1/+/uplink/event", qos=1)
    for _ in range(20):
        client.loop(0.1)
    client.disconnect()
    publish_all(city.login(CITY_PROBE.device_id), payloads)
    client.on_message = on_message
    started = time.perf_counter()
    client.reconnect()
    client.loop_start()
    received.wait(600)
    took = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    return took


def live_publisher(access: MqttAccess, payloads: list[tuple[str, bytes]]) -> None:
    publish_all(access, payloads)


def bench_live(folder: Path, postgres: PostgresCluster, centers: list[str], per_center: int,
               payloads: list[tuple[str, bytes]]) -> None:
    dsn = postgres.new_database()
    city = CityTier(folder, dsn, centers, extra_conf=DEEP_QUEUE)
    try:
        city.aggregator.start()
        publisher = multiprocessing.Process(target=live_publisher,
                                            args=(city.login(CITY_PROBE.device_id), payloads))
        started = time.perf_counter()
        publisher.start()
        wait_until(lambda: all_stored(dsn, len(centers) * per_center, len(centers), per_center), 900,
                   "live")
        took = time.perf_counter() - started
        publisher.join()
    finally:
        city.close()
    print(f"live {len(centers)} centers x {per_center:,} events published while it runs: "
          f"{len(centers) * per_center / took:,.0f} events/s end to end ({took:.1f} s)", flush=True)


def converge(folder: Path, postgres: PostgresCluster, backlog: int) -> float:
    """Seconds from an offline center's start until the city acknowledged all of `backlog`."""
    city = CityTier(folder, postgres.new_database(), ["ba-dinh"])
    try:
        city.aggregator.start()
        center = SimulatedCenter("ba-dinh", folder / "ba-dinh.db", city.login("bridge-ba-dinh"))
        center.add_events(backlog)
        city.centers["ba-dinh"] = center
        started = time.perf_counter()
        center.start()
        wait_until(lambda: center.acked() == backlog, 600, "convergence")
        return time.perf_counter() - started
    finally:
        city.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--centers", type=int, default=170)
    parser.add_argument("--events", type=int, default=1500, help="events per center")
    parser.add_argument("--backlog", type=int, default=10_000)
    args = parser.parse_args()
    centers = sites(args.centers)
    batch = list(events(centers, args.events))
    payloads = encoded(batch)
    postgres = PostgresCluster(durable=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="xephang-city-bench-") as folder:
            work = Path(folder)
            bench_store(postgres, batch)
            bench_drain(work / "drain", postgres, centers, args.events, payloads)
            bench_live(work / "live", postgres, centers, args.events, payloads)
            single = converge(work / "one-window", postgres, 500)
            took = converge(work / "backlog", postgres, args.backlog)
            print(f"converge after a {args.backlog:,}-event backlog: {took:.1f} s (target <= 30 s); "
                  f"baseline one window (500 events) {single:.1f} s", flush=True)
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
