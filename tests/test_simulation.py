"""The simulator: small days through the real call rule, the same seed gives the same day, every
policy runs, and `xephang simulate` prints the JSON the issue describes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulation.run import simulate, simulate_day
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig

KEYS = {"policy", "tickets", "mean_wait_s", "p95_wait_s", "max_wait_s", "per_service", "utilisation",
        "eta_mae_s", "eta_within_range"}


@pytest.mark.parametrize("policy", ["ours", "static", "fifo"])
def test_every_ticket_of_a_small_day_is_called(config: SiteConfig, policy: str) -> None:
    day = simulate_day(config, policy, 120, seed=7)
    assert len(day.records) == 120
    assert all(r.wait_s is not None and r.wait_s >= 0 for r in day.records)
    assert all(not d.busy for d in day.desks.values())


def test_the_same_seed_gives_the_same_day_and_another_seed_another(config: SiteConfig) -> None:
    first = simulate(config, "ours", 150, seed=3)
    assert simulate(config, "ours", 150, seed=3) == first
    assert simulate(config, "ours", 150, seed=4) != first
    assert set(first) == KEYS
    assert set(first["per_service"]) == {s.code for s in config.services}
    assert set(first["utilisation"]) == {str(c.id) for c in config.counters}
    assert 0 <= first["eta_within_range"] <= 1 and first["mean_wait_s"] <= first["p95_wait_s"]


def test_an_unknown_policy_is_refused(config: SiteConfig) -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        simulate(config, "random", 10, seed=1)


def test_xephang_simulate_prints_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xephang.cli", "simulate", "--config", str(SITE_TOML), "--tickets", "80",
         "--seed", "2", "--policy", "static"],
        capture_output=True, text=True, timeout=60, check=True)
    figures = json.loads(result.stdout)
    assert figures["policy"] == "static" and figures["tickets"] == 80 and set(figures) == KEYS
