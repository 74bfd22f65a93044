"""Time from a staff press (the staff page's "Gọi số tiếp" POST) to the hall page's event stream
delivering that call, through real processes: mosquitto, `xephang broker`, `xephang display`.

    .venv/bin/python bench/call_latency.py [--calls 500]

Prints median, p90, p99 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import report  # noqa: E402
from harness.event_stream import EventStream  # noqa: E402
from harness.role_process import RoleProcess  # noqa: E402
from harness.site_file import ANY_HOUR_SITE  # noqa: E402
from harness.web_session import WebSession, get_json, staff_session  # noqa: E402
from xephang.config import load_config  # noqa: E402
from xephang.mosquitto import Mosquitto  # noqa: E402
from xephang.mqtt import MqttLink  # noqa: E402
from xephang.mqtt_access import MqttAccess  # noqa: E402
from xephang.protocol import TicketRequest, Topics  # noqa: E402

SITE = ANY_HOUR_SITE  # config/site.toml, issuing at any hour


def issue_tickets(kiosk: MqttAccess, count: int, broker_url: str) -> None:
    topics = Topics(load_config(SITE).site.id)
    link = MqttLink(kiosk, persistent=False)  # publishes as kiosk-1 would
    link.start()
    assert link.wait_connected(10)
    for _ in range(count):
        request = TicketRequest(request_id=uuid.uuid4(), service="HT")
        link.publish(topics.kiosk_request("kiosk-1"), request)
    deadline = time.monotonic() + 60
    while sum(get_json(broker_url + "/api/state")["hall"]["waiting"].values()) < count:
        if time.monotonic() > deadline:
            raise SystemExit("the broker did not issue the tickets in time")
        time.sleep(0.2)
    link.stop()


def measure(calls: int, staff: WebSession, hall: EventStream) -> list[float]:
    counters = [1, 2, 3, 4, 8]  # the counters serving HT
    samples = []
    for index in range(calls):
        counter = counters[index % len(counters)]
        started = time.perf_counter()
        _, reply = staff.post_json(f"/api/counter/{counter}/command",
                                   {"command_id": str(uuid.uuid4()), "action": "call_next"})
        number = reply["ticket"]["number"]
        hall.wait_for("state", lambda s, n=number, c=counter: s["current"] is not None
                      and s["current"]["number"] == n and s["current"]["counter"] == c)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xephang-bench-"))
    mosquitto = Mosquitto(folder / "mosquitto", load_config(SITE)).start()
    broker = RoleProcess("broker", mosquitto.access("broker"), folder, "--db",
                         str(folder / "q.db")).start()
    display = RoleProcess("display", mosquitto.access("hall-1"), folder, "--id", "hall-1").start()
    try:
        issue_tickets(mosquitto.access("kiosk-1"), args.calls, broker.url)
        hall = EventStream(display.url + "/events")
        # The staff API needs a signed-in session of an account bound to the counters it presses.
        staff = staff_session(broker.url, folder / "q.db", counters=(1, 2, 3, 4, 8))
        samples = measure(args.calls, staff, hall)
        hall.close()
    finally:
        display.stop()
        broker.stop()
        mosquitto.stop()
    report("staff press -> hall page event", samples)


if __name__ == "__main__":
    main()
