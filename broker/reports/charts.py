"""Plain server-rendered SVG charts (no script, no CDN: the center's network has no internet)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from broker.reports.formats import vn_dec

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 44, 28, 40
TICKS = 4  # gridlines above zero
COLORS = ("#1f6feb", "#a4161a", "#1a7f37", "#9a6700")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def bars(labels: Sequence[str], series: Sequence[Series], title: str, unit: str = "", *,
         counts: bool = False) -> Markup:
    """Grouped vertical bars, one group per label, with its title, a scale and a legend; a chart
    of `counts` has whole-number gridlines (no "1,8 tickets")."""
    top = max((v for s in series for v in s.values), default=0.0) or 1.0
    if counts:
        top = float(math.ceil(top / TICKS) * TICKS)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group_w = plot_w / max(1, len(labels))
    bar_w = group_w * 0.8 / max(1, len(series))
    parts = [_axis(top, plot_h, unit, counts)]
    for index, label in enumerate(labels):
        x0 = LEFT + index * group_w + group_w * 0.1
        for k, one in enumerate(series):
            value = one.values[index]
            h = plot_h * value / top
            parts.append(f'<rect x="{x0 + k * bar_w:.1f}" y="{TOP + plot_h - h:.1f}" '
                         f'width="{bar_w:.1f}" height="{h:.1f}" fill="{COLORS[k % len(COLORS)]}">'
                         f"<title>{escape(label)}: {vn_dec(value, 1 if value % 1 else 0)}"
                         f"{escape(unit)}</title></rect>")
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle" font-size="11">{escape(label)}</text>')
    parts.append(_legend(series))
    return _svg(title, "".join(parts))


def _axis(top: float, plot_h: float, unit: str, counts: bool) -> str:
    lines = []
    for step in range(TICKS + 1):
        value = top * step / TICKS
        y = TOP + plot_h - plot_h * step / TICKS
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{vn_dec(value, 0 if counts or top >= 8 else 1)}</text>")
    return "".join(lines) + (f'<text x="4" y="{TOP - 2}" font-size="10">{escape(unit)}</text>'
                             if unit else "")


def _legend(series: Sequence[Series]) -> str:
    if len(series) < 2:
        return ""
    items = []
    for k, one in enumerate(series):
        x = LEFT + 8 + k * 150
        items.append(f'<rect x="{x}" y="20" width="10" height="10" fill="{COLORS[k % len(COLORS)]}"/>'
                     f'<text x="{x + 14}" y="29" font-size="11">{escape(one.name)}</text>')
    return "".join(items)


def _svg(title: str, body: str) -> Markup:
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
                  f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
                  f"<title>{escape(title)}</title>"
                  f'<text class="chart-title" x="{WIDTH / 2:.0f}" y="14" text-anchor="middle" '
                  f'font-size="13" font-weight="bold">{escape(title)}</text>{body}</svg>')
