"""A busy morning heard in the hall: 60 tickets, 16 counters calling within 10 s, some finished,
moved or recalled at once (harness/hall_burst.py), through real processes and the fake speaker in
real time. Prints the delay from each call to the first word of the sound that carries it, and to
its own number, with the calls left unsaid because their ticket was finished first.

    .venv/bin/python bench/hall_burst.py [--runs 1]

Baseline in the same run: one lone call (nothing else waiting), call to first word.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import report  # noqa: E402
from harness.hall_burst import run_burst  # noqa: E402
from harness.mqtt_probe import OBSERVERS  # noqa: E402
from harness.role_process import SITE_TOML  # noqa: E402
from xephang.config import load_config  # noqa: E402
from xephang.mosquitto import Mosquitto  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    to_sound: list[float] = []
    to_words: list[float] = []
    lone: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            mosquitto = Mosquitto(folder / "mosquitto", load_config(SITE_TOML),
                                  observers=OBSERVERS).start()
            try:
                burst = run_burst(folder, mosquitto)
            finally:
                mosquitto.stop()
        said = [c for c in burst.calls if c.call_id in burst.said_first]
        to_sound += [burst.delay_s(c) * 1000 for c in said]
        to_words += [burst.word_delay_s[c.call_id] * 1000 for c in said]
        lone.append(burst.delay_s(burst.calls[0]) * 1000)  # the first call meets a silent hall
        print(f"run {run + 1}: {len(burst.calls)} calls, {len(said)} said, "
              f"{len(burst.calls) - len(said)} unsaid (finished, moved or recalled first), "
              f"{len(burst.sounds)} sounds", flush=True)
    print(f"baseline, lone call -> first word: {', '.join(f'{ms:.0f} ms' for ms in lone)}")
    report("burst call -> first word of its sound", to_sound)
    report("burst call -> its own number heard", to_words)


if __name__ == "__main__":
    main()
