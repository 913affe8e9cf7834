"""One-colour text sparklines (`▁`..`█`) for the panes.

Textual's Sparkline colours every cell (~35 KB/s over SSH for four panes, see
TEXTUAL-NOTES.md); a string of block characters in one style costs ~1 KB/s. No data
is a blank cell, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SPARK = "▁▂▃▄▅▆▇█"


def level(value: float, top: float, bottom: float = 0.0) -> str:
    """The block for `value` on a `bottom`..`top` scale (clamped to the ends)."""
    span = top - bottom
    if span <= 0 or math.isinf(span) or math.isnan(value):
        return SPARK[0]
    return SPARK[min(7, max(0, int((value - bottom) / span * 8)))]


def sparkline(values: Sequence[float], width: int, top: float = 1.0,
              align_right: bool = False) -> str:
    """The last `width` values on a 0..`top` scale, newest at the right."""
    if width <= 0 or top <= 0:
        return ""
    chars = "".join(level(v, top) for v in list(values)[-width:])
    return chars.rjust(width) if align_right else chars


_TIMELINES: dict[tuple, str] = {}  # the last few drawn, by what they were drawn from
_TIMELINES_KEPT = 64


def timeline(points: Sequence[tuple[float, float]], width: int, end: float, window: float,
             ceiling: float | None = None, below: bool = False) -> str:
    """`width` cells over the `window` up to `end`: the worst value of each slot, on a
    scale from min(0, lowest) to max(highest, `ceiling`); `below` means lower is worse.

    The slots are fixed in time (`end` is rounded up to a whole slot), so the line moves
    when a point arrives or a slot ends, not a little every second; and the same points
    at the same slot draw from a cache: the panes redraw once a second, the points
    change every few."""
    if width <= 0:
        return ""
    if window <= 0:
        return " " * width
    slot = window / width
    end = math.ceil(end / slot) * slot
    pts = tuple(points)
    key = (hash(pts), len(pts), pts[:1], pts[-1:], width, end, window, ceiling, below)
    drawn = _TIMELINES.get(key)
    if drawn is None:
        drawn = _timeline(pts, width, end, window, slot, ceiling, below)
        if len(_TIMELINES) >= _TIMELINES_KEPT:
            _TIMELINES.pop(next(iter(_TIMELINES)))
        _TIMELINES[key] = drawn
    return drawn


def _timeline(points: Sequence[tuple[float, float]], width: int, end: float, window: float,
              slot: float, ceiling: float | None, below: bool) -> str:
    start = end - window
    cells: list[float | None] = [None] * width
    for t, v in points:
        if t < start or t > end or v is None or math.isnan(v):
            continue
        i = min(width - 1, int((t - start) / slot))
        old = cells[i]
        cells[i] = v if old is None else (min(old, v) if below else max(old, v))
    present = [c for c in cells if c is not None]
    if not present:
        return " " * width
    top = max([*present, ceiling or 0.0])
    bottom = min(0.0, *present)
    return "".join(" " if c is None else level(c, top, bottom) for c in cells)
