"""Suggestions for the manager: a service whose predicted wait exceeds its target, and a counter that
could switch to help it. The broker publishes them retained as the protocol's `Suggestions` on
`xephang/v1/{site}/suggestions` and shows them in `/api/state`.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.estimate import Floor, eta_seconds
from xephang.config import Counter, Service, SiteConfig
from xephang.protocol import Suggestion

# A counter can help when every service it serves is predicted under this share of its target.
SPARE_SHARE = 0.5


def suggest(config: SiteConfig, floor: Floor, counters: Sequence[Counter]) -> list[Suggestion]:
    """`counters` are the open ones; each late service gets the counter with the most slack."""
    predicted = {s.code: eta_seconds(s.code, floor.waiting.get(s.code, 0), floor)
                 for s in config.services}
    out = []
    for service in config.services:
        if predicted[service.code] > service.target_wait_min * 60:
            helper = _helper(service, config, counters, predicted)
            out.append(_suggestion(service, predicted[service.code], helper))
    return out


def _helper(service: Service, config: SiteConfig, counters: Sequence[Counter],
            predicted: dict[str, int]) -> Counter | None:
    def slack(counter: Counter) -> float:
        return max(predicted[code] / (_target(config, code) or 1) for code in counter.services)

    spare = [c for c in counters if service.code not in c.services[:1] and slack(c) < SPARE_SHARE]
    return min(spare, key=lambda c: (slack(c), c.id), default=None)


def _target(config: SiteConfig, code: str) -> int:
    service = config.service(code)
    return service.target_wait_min * 60 if service else 0


def _suggestion(service: Service, wait_s: int, helper: Counter | None) -> Suggestion:
    minutes, target = round(wait_s / 60), service.target_wait_min
    head = f"{service.name}: dự kiến chờ {minutes} phút, vượt mục tiêu {target} phút."
    if helper is None:
        text = f"{head} Không quầy nào đang rảnh để hỗ trợ; cân nhắc mở thêm quầy."
    elif service.code in helper.services:
        text = f"{head} {helper.label} có thể ưu tiên phục vụ {service.name}."
    else:
        text = f"{head} {helper.label} có thể chuyển sang hỗ trợ."
    return Suggestion(service=service.code, predicted_wait_s=wait_s, target_s=target * 60,
                      counter=helper.id if helper else None, text=text)
