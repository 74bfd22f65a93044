"""Time from a kiosk button press (a gpiozero mock pin driven low) to the first byte written to the
printer's transport, with a real mosquitto and the real queue server (in this process).

    .venv/bin/python bench/kiosk_print.py [--presses 300]

What is measured: the GPIO callback, the request over MQTT, the broker's durable SQLite commit and
reply, rendering the ticket (Vietnamese text as raster, native QR), and the start of the print job
(the first byte is the ESC @ reset, then the status query). Prints median, p90, p99 and max in ms,
and the same from press to the cut (the whole ticket handed to the transport). Runs twice: first
with the broker's wait forecast stopped (the baseline: every ticket prints the estimate's range),
then with it refreshing in the background as the line grows (broker/forecaster.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpiozero import Device  # noqa: E402
from gpiozero.pins.mock import MockFactory  # noqa: E402

from bench.latency import report  # noqa: E402
from broker.role import BrokerRole  # noqa: E402
from hardware.printer import FakePrinter  # noqa: E402
from harness.site_file import ANY_HOUR_SITE  # noqa: E402
from kiosk.role import KioskRole  # noqa: E402
from xephang.config import load_config  # noqa: E402
from xephang.mosquitto import Mosquitto  # noqa: E402

SITE = ANY_HOUR_SITE  # config/site.toml, issuing at any hour
SERVICES = {"HT": 5, "CT": 6, "DD": 13, "VX": 19, "KD": 26, "TKQ": 21}  # kiosk-1's pins


class TimedPrinter(FakePrinter):
    """A fake transport that notes when each job's first byte and its cut arrive."""

    def __init__(self) -> None:
        super().__init__(None, 576)
        self.first_byte: float | None = None
        self.done = threading.Event()

    def _raw(self, msg: bytes) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()
        super()._raw(msg)

    def cut(self, mode: str = "FULL", feed: bool = True) -> None:
        super().cut(mode, feed)
        self.done.set()


def run(presses: int, folder: Path, forecast: bool) -> None:
    config = load_config(SITE)
    Device.pin_factory = MockFactory()
    mosquitto = Mosquitto(folder / "mosquitto", config).start()
    broker = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=folder / "queue.db", http=None)
    broker.start()
    if not forecast:
        broker.forecaster.stop()
    kiosk = KioskRole(config, kiosk_id="kiosk-1", mqtt=mosquitto.access("kiosk-1"), http=None,
                      output_dir=None, state_dir=folder / "state")
    printer = TimedPrinter()
    kiosk.printer = printer
    kiosk.kiosk.repeat_guard_s = 0
    kiosk.start()
    try:
        assert kiosk.link.wait_connected(10), "kiosk did not connect"
        first, whole = measure(kiosk, printer, presses)
        forecaster = broker.forecaster
        refreshes, cost, wall = forecaster.refreshes, forecaster.last_cost_s, forecaster.last_wall_s
    finally:
        kiosk.stop()
        broker.stop()
        mosquitto.stop()
    name = "with the forecast" if forecast else "no forecast (baseline)"
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"{name}: {refreshes} forecast refreshes, the last {cost * 1000:.0f} ms CPU in the worker "
          f"({wall * 1000:.0f} ms wall); load average {load}")
    report(f"press → first byte to the printer, {name}", first[10:])  # the first few warm caches
    report(f"press → cut (whole ticket sent), {name}", whole[10:])


def measure(kiosk: KioskRole, printer: TimedPrinter, presses: int) -> tuple[list[float], list[float]]:
    pins = list(SERVICES.values())
    factory = Device.pin_factory
    assert isinstance(factory, MockFactory)
    first, whole = [], []
    for index in range(presses + 10):
        pin = factory.pin(pins[index % len(pins)])
        printer.first_byte = None
        printer.done.clear()
        start = time.perf_counter()
        pin.drive_low()
        if not printer.done.wait(10):
            raise RuntimeError(f"press {index}: no ticket printed within 10 s")
        assert printer.first_byte is not None
        first.append((printer.first_byte - start) * 1000)
        whole.append((time.perf_counter() - start) * 1000)
        pin.drive_high()
        kiosk.kiosk.wait_idle(5)
    return first, whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=300)
    args = parser.parse_args()
    for forecast in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            run(args.presses, Path(folder), forecast)


if __name__ == "__main__":
    main()
