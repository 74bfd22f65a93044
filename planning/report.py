"""The plan in the manager's words (Vietnamese): the blocks and each counter's services, each
service's predicted waits beside today's assignment, and plainly where a target cannot be met.
`plan_view` feeds the manager's page; `plan_table` is what `xephang plan` prints."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from broker.reports.formats import vn_dec, vn_int
from planning.followable import changes, stretches
from planning.plan import Plan, Shortfall
from planning.schedule import Block, Services, clock
from xephang.config import SiteConfig

CLOSED_VI = "Đóng"


def shortfall_text(shortfall: Shortfall, plan: Plan, config: SiteConfig) -> str:
    """One sentence per service the plan leaves over target: which, by how much, and why."""
    name, target = _name_target(shortfall.service, config)
    block = plan.schedule.blocks[shortfall.block].label(config.site.opens)
    p90 = plan.forecast.services[shortfall.service].p90_min
    said = (f"{name}: 90% công dân dự kiến chờ dưới {minutes(p90)} phút, vượt mục tiêu "
            f"{target} phút (nặng nhất khung {block}).")
    if shortfall.capacity:
        return (said + f" Kể cả mở mọi quầy phục vụ mọi dịch vụ cả ngày, 90% vẫn chờ dưới "
                f"{minutes(shortfall.best_p90_min)} phút: trung tâm không đủ quầy để đạt mục tiêu "
                f"này, cần thêm quầy hoặc giãn lịch hẹn.")
    return said + (f" Mở mọi quầy phục vụ mọi dịch vụ cả ngày thì 90% chờ dưới "
                   f"{minutes(shortfall.best_p90_min)} phút.")


def shortfalls_text(plan: Plan, config: SiteConfig) -> list[str]:
    """The plan's shortfalls, one sentence each; one line for all when none of them can be met
    even with every counter serving every service (the same reason six times says nothing more)."""
    short = plan.shortfalls
    if len(short) < 2 or not all(s.capacity for s in short):
        return [shortfall_text(s, plan, config) for s in short]
    each = []
    for s in short:
        name, target = _name_target(s.service, config)
        each.append(f"{name} {minutes(plan.forecast.services[s.service].p90_min)} phút "
                    f"(mục tiêu {target})")
    return [f"{len(short)} dịch vụ không đạt mục tiêu kể cả khi mở mọi quầy phục vụ mọi dịch vụ "
            f"cả ngày: trung tâm không đủ quầy, cần thêm quầy hoặc giãn lịch hẹn. Theo kế hoạch, "
            f"90% công dân dự kiến chờ dưới: {'; '.join(each)}."]


def _name_target(code: str, config: SiteConfig) -> tuple[str, int]:
    service = config.service(code)
    return (service.name, service.target_wait_min) if service else (code, 0)


def minutes(value: float) -> str:
    """Whole minutes, rounded up: "90% wait under N minutes" stays true."""
    return vn_int(math.ceil(value - 1e-9))


def plan_view(plan: Plan, config: SiteConfig) -> dict[str, Any]:
    """Everything the page shows, as plain data."""
    opens = config.site.opens
    blocks = [b.label(opens) for b in plan.schedule.blocks]
    counters = [{"id": c, "label": config.counter_label(c),
                 "today": list(plan.today.serves(c, 0)),
                 "cells": [list(plan.schedule.serves(c, b)) for b in range(len(blocks))],
                 "changes": changes(plan.schedule.cells[c], plan.today.serves(c, 0)),
                 "story": counter_story(plan.schedule.cells[c], plan.schedule.blocks, opens,
                                        plan.today.serves(c, 0))}
                for c in plan.schedule.counters]
    rows = []
    for service in config.services:
        now, then = plan.today_forecast.services[service.code], plan.forecast.services[service.code]
        rows.append({"code": service.code, "name": service.name, "target": service.target_wait_min,
                     "today": _figures(now), "plan": _figures(then),
                     "met": then.p90_min <= service.target_wait_min})
    return {"blocks": blocks, "counters": counters, "services": rows,
            "hours": {"today": vn_dec(plan.today_forecast.counter_hours),
                      "plan": vn_dec(plan.forecast.counter_hours)},
            "overtime": {"today": vn_int(plan.today_forecast.overtime_min),
                         "plan": vn_int(plan.forecast.overtime_min)},
            "shortfalls": shortfalls_text(plan, config), "worse": worse_than_today(plan, config),
            "demand": demand_text(plan), "seconds": vn_dec(plan.seconds),
            "rules": rules_text(config)}


def counter_story(row: Sequence[Services], blocks: Sequence[Block], opens: time,
                  today: Services = ()) -> str:
    """One counter's day in plain words, from what it does today (`today`, its services now;
    `()` for a counter closed now): when it changes and to what, and how many times
    ("07:30 thêm VX, DD; 15:30 đóng quầy (thay đổi 2 lần)"); "không thay đổi" only when it
    keeps today's services all day."""
    runs = stretches(row)
    count = changes(row, today)
    if count == 0:
        return f"Cả ngày: {', '.join(today)} (không thay đổi)." if today else "Đóng cả ngày (không thay đổi)."
    if len(runs) == 1 and not runs[0].services:
        return f"Đóng cả ngày (hôm nay phục vụ {', '.join(today)}; thay đổi 1 lần)."
    said, before, opened = [], today, bool(today)
    for run in runs:
        if run.services != before:
            at = clock(opens, blocks[run.first].start_s)
            said.append(f"{at} {change_words(before, run.services, opened)}")
        before, opened = run.services, opened or bool(run.services)
    return f"{'; '.join(said)} (thay đổi {count} lần)."


def change_words(before: Services, after: Services, opened: bool) -> str:
    """What a counter is told to do when it goes from serving `before` to `after`."""
    if not after:
        return "đóng quầy"
    if not before:
        return f"mở{' lại' if opened else ''} quầy: {', '.join(after)}"
    if after[:len(before)] == before:
        return f"thêm {', '.join(after[len(before):])}"
    if set(after) < set(before) and [c for c in before if c in after] == list(after):
        return f"chỉ phục vụ {', '.join(after)}"
    return f"chuyển sang: {', '.join(after)}"


def worse_than_today(plan: Plan, config: SiteConfig) -> list[str]:
    """The services the plan serves worse than today's assignment, as the table shows them (whole
    minutes, people): a manager is never shown a worse figure without a word on it."""
    out = []
    for service in config.services:
        now = _figures(plan.today_forecast.services[service.code])
        then = _figures(plan.forecast.services[service.code])
        worse = [f"{label} {then[key]}{unit} (hiện tại {now[key]})"
                 for key, label, unit in (("p90", "90% chờ dưới", " phút"),
                                          ("max", "lâu nhất", " phút"), ("left", "bỏ về", " người"))
                 if _number(then[key]) > _number(now[key])]
        if worse:
            out.append(f"{service.name}: theo kế hoạch {', '.join(worse)}.")
    if not out:
        return []
    saved = plan.today_forecast.counter_hours - plan.forecast.counter_hours
    why = (f"Kế hoạch bớt {vn_dec(saved)} giờ quầy, đổi lại công dân chờ lâu hơn bố trí hiện tại"
           if saved >= 0.5 else "Kế hoạch kém hơn bố trí hiện tại ở các dịch vụ sau")
    return [f"{why}: {' '.join(out)}"]


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def stale_text(changed: Mapping[int, tuple[Services, Services]], config: SiteConfig) -> str:
    """Why the plan is out of date: which counters serve something else than when it was made."""
    said = [f"{config.counter_label(c)} nay phục vụ {', '.join(now) or 'không dịch vụ nào'} "
            f"(khi lập: {', '.join(then) or 'chưa có quầy'})" for c, (then, now) in changed.items()]
    return ("Kế hoạch này đã cũ: các quầy đã thay đổi từ khi lập kế hoạch — " + "; ".join(said)
            + ". Bấm “Lập lại kế hoạch” để lập theo bố trí hiện tại.")


def rules_text(config: SiteConfig) -> str:
    rules = config.plan
    return (f"Mỗi quầy thay đổi dịch vụ hoặc mở, đóng tối đa {rules.max_changes} lần trong ngày, "
            f"mỗi cách bố trí giữ ít nhất {rules.min_stretch_min} phút")


def _figures(figures: Any) -> dict[str, str]:
    """Waits in whole minutes (the mean rounded, p90 and longest rounded up), leavers in people."""
    return {"mean": vn_int(figures.mean_min), "p90": minutes(figures.p90_min),
            "max": minutes(figures.max_min), "left": vn_int(figures.left)}


def demand_text(plan: Plan) -> str:
    demand = plan.demand
    if demand.source == "history":
        return (f"Dự kiến {vn_int(demand.tickets)} lượt, theo {len(demand.days)} ngày cùng thứ "
                f"trong các tuần gần đây.")
    return (f"Dự kiến {vn_int(demand.tickets)} lượt, theo cấu hình của trung tâm "
            f"(chưa đủ dữ liệu lịch sử cùng thứ).")


def plan_table(plan: Plan, config: SiteConfig) -> str:
    """The plan as text for a terminal: the assignment grid, then plan against today."""
    view = plan_view(plan, config)
    width = max(10, *(len(" ".join(cell) or CLOSED_VI) for c in view["counters"] for cell in c["cells"]))
    lines = [view["demand"], "", "Quầy".ljust(10) + "".join(b.ljust(width + 2) for b in view["blocks"])]
    for counter in view["counters"]:
        cells = [(" ".join(cell) or CLOSED_VI).ljust(width + 2) for cell in counter["cells"]]
        lines.append(counter["label"].ljust(10) + "".join(cells))
    lines += ["", f"Lịch thay đổi của từng quầy ({rules_text(config).lower()}):"]
    lines += [f"{counter['label']}: {counter['story']}" for counter in view["counters"]]
    lines += ["", "Thời gian chờ dự kiến (phút): TB = trung bình, 90% = 90% công dân chờ dưới, "
              "lâu nhất; bỏ về: số người",
              f"{'Dịch vụ':<8} {'Mục tiêu':>8} | {'Hiện tại: TB':>12} {'90%':>5} {'lâu nhất':>9} "
              f"{'bỏ về':>6} | {'Kế hoạch: TB':>12} {'90%':>5} {'lâu nhất':>9} {'bỏ về':>6}"]
    for row in view["services"]:
        now, then = row["today"], row["plan"]
        lines.append(f"{row['code']:<8} {row['target']:>8} | {now['mean']:>12} {now['p90']:>5} "
                     f"{now['max']:>9} {now['left']:>6} | {then['mean']:>12} {then['p90']:>5} "
                     f"{then['max']:>9} {then['left']:>6}")
    lines += ["", f"Giờ quầy: hiện tại {view['hours']['today']}, kế hoạch {view['hours']['plan']}",
              f"Làm thêm giờ (phút quầy): hiện tại {view['overtime']['today']}, "
              f"kế hoạch {view['overtime']['plan']}"]
    lines += ["", *view["shortfalls"]] if view["shortfalls"] else ["", "Kế hoạch đạt mục tiêu "
                                                                    "thời gian chờ của mọi dịch vụ."]
    lines += view["worse"]
    return "\n".join(lines)
