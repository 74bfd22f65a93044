"""Whether the broker's clock can be believed before it numbers a ticket or ends a day.

The day's end (broker/queue/day_end.py) ends every ticket of a day before the clock's today, and the
nightly job closes and reduces days by it: a clock that jumped a day or more ahead (a Pi's real-time
clock wrong after a power cut, a wrong time source) would end today's tickets as if their day were
over, number new ones on a day to come, and let retention reduce days still kept. So the broker
keeps the last moment it saw on a clock it believed (`Tx.clock_seen`: noted by the day's end every
time it runs on such a clock — hourly through the nightly job while the broker runs — and by every
ticket it issues), and its clock is
- `clock_behind` when earlier than the newest ticket it issued (less CLOCK_SLACK): it would reopen
  a past day;
- `clock_ahead` when more than MAX_LEAP after that last moment: a broker running through a night,
  a weekend or a holiday notes the time every hour, and one started again after a night off is
  less than MAX_LEAP later; more means the clock jumped, or the broker was off that long.
On a clock ahead no ticket is issued (`clock_wrong`), no day is ended, closed or reduced, and the
broker's status carries the problem (the manager's board, the city's device incidents). It passes
when the clock comes back (a jump back leaves nothing to undo: nothing was ended or numbered on
it), or when the manager confirms the time on the board (`confirm_clock`: the broker was off that
long), which is noted with a `clock_confirmed` event naming the account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from broker.store.db import Tx

# How far the clock may be behind the newest ticket before it is "clearly wrong": chrony's small
# corrections stay far below it; a Pi 4 that booted at its last saved time is hours behind.
CLOCK_SLACK = timedelta(minutes=2)
# How far past the last moment seen on a believed clock the clock may be and still be believed: more
# than a night off (closing at 17:30 to opening at 07:30 is 14 hours), less than a day.
MAX_LEAP = timedelta(hours=18)
BEHIND, AHEAD = "clock_behind", "clock_ahead"  # xephang/protocol.py DeviceProblem words


def behind(tx: Tx) -> datetime | None:
    """The newest ticket the broker issued, when the clock is clearly earlier than it."""
    newest = tx.newest_issued_at()
    return newest if newest is not None and tx.now < newest - CLOCK_SLACK else None


def ahead(tx: Tx) -> datetime | None:
    """The last moment seen on a believed clock, when the clock is more than MAX_LEAP after it."""
    seen = tx.clock_seen()
    return seen if seen is not None and tx.now > seen + MAX_LEAP else None


def clock_problem(tx: Tx) -> str:
    """`clock_behind`, `clock_ahead`, or "" for a clock the broker believes."""
    if behind(tx) is not None:
        return BEHIND
    return AHEAD if ahead(tx) is not None else ""


def note_believed(tx: Tx) -> bool:
    """Note the clock's moment if the broker believes it; whether it does."""
    if clock_problem(tx):
        return False
    tx.note_clock(tx.now)
    return True
