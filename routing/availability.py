"""Whether a service takes a ticket now, and why not: one rule for the kiosk's buttons and the
broker's refusals, so a citizen reads on the button the same reason the broker gives.

A service is unavailable outside the center's issuing hours (unless `issue_outside_hours`): before
opening, during the lunch closure and from the last ticket's time (site file [day]; closing time if
none), when
none of the counters serving it is open (every one `closed`; a paused counter comes back), or once
it issued its `daily_quota` of tickets today.
"""

from __future__ import annotations

from datetime import datetime

from xephang.config import SiteConfig
from xephang.labels import LUNCH_BREAK, NO_OPEN_COUNTER, OUTSIDE_HOURS, QUOTA_REACHED
from xephang.protocol import ServiceClosed


def outside_hours(config: SiteConfig, now: datetime) -> ServiceClosed | None:
    """Why no ticket is issued at `now` (before opening, at lunch, from the last ticket's time), or
    None: the same hours the simulator, the forecast and the plan take the day to have."""
    site, day = config.site, config.day
    if site.issue_outside_hours:
        return None
    local = now.astimezone(site.zone).time()
    if day.lunch_start is not None and day.lunch_end is not None \
            and day.lunch_start <= local < day.lunch_end:
        return ServiceClosed(reason="outside_hours", detail=LUNCH_BREAK.format(
            starts=f"{day.lunch_start:%H:%M}", ends=f"{day.lunch_end:%H:%M}"))
    last = day.last_ticket or site.closes
    if site.opens <= local < last:
        return None
    return ServiceClosed(reason="outside_hours", detail=OUTSIDE_HOURS.format(
        opens=f"{site.opens:%H:%M}", closes=f"{last:%H:%M}"))


def why_closed(config: SiteConfig, service: str, *, now: datetime,
               counter_status: dict[int, str], issued_today: int) -> ServiceClosed | None:
    """None when `service` takes a ticket now; else the reason. `counter_status`: counter id ->
    its status (a counter not in it counts as open)."""
    hours = outside_hours(config, now)
    if hours is not None:
        return hours
    serving = [c.id for c in config.counters if service in c.services]
    if all(counter_status.get(c, "idle") == "closed" for c in serving):
        return ServiceClosed(reason="no_open_counter", detail=NO_OPEN_COUNTER)
    quota = next((s.daily_quota for s in config.services if s.code == service), None)
    if quota is not None and issued_today >= quota:
        return ServiceClosed(reason="quota_reached", detail=QUOTA_REACHED.format(quota=quota))
    return None
