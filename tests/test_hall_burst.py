"""A busy morning heard in the hall: every fresh call said once and soon, no stale call said."""

from __future__ import annotations

import collections
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from harness.hall_burst import COUNTERS, Burst, gathered_ids, run_burst
from xephang.mosquitto import Mosquitto

FRESH_CALL_SAID_WITHIN_S = 30.0


@pytest.fixture
def burst(mosquitto: Mosquitto, tmp_path: Path) -> Burst:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (make test installs it)")
    return run_burst(tmp_path, mosquitto)


def test_sixteen_counters_calling_at_once_are_each_heard_once_and_none_stale(burst: Burst) -> None:
    said = gathered_ids(burst.sounds)
    assert len(burst.calls) >= COUNTERS
    assert [c for c, n in collections.Counter(said).items() if n > 1] == []  # none said twice
    for call in burst.calls:
        ended = burst.superseded(call)
        if ended is None:  # still called when the presses stopped: must have been heard, soon
            assert call.call_id in burst.said_first, f"{call} was never said"
            assert burst.delay_s(call) <= FRESH_CALL_SAID_WITHIN_S, (call, burst.delay_s(call))
    for sound in burst.sounds:  # first and second readings alike
        start = datetime.fromisoformat(sound["started"])
        for call in (c for c in burst.calls if c.call_id in sound["calls"]):
            ended = burst.superseded(call)
            assert ended is None or start < ended, f"{call} said at {start}, after {ended}"
    skipped = [c for c in burst.calls if c.call_id not in burst.said_first]
    assert skipped, "some finished calls should have been left unsaid"
    recalls = [c for c in burst.calls if c.ticket == burst.recalled_ticket]
    assert sum(1 for c in recalls if c.call_id in burst.said_first) == 1  # 3 recalls, said once
    for start, end in zip(burst.sounds, burst.sounds[1:], strict=False):
        assert end["started"] >= start["ended"]  # never two sounds at once
