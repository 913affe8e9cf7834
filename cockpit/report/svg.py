"""Charts as hand-written SVG: a line chart with threshold lines and breach spans, and
the verdict band.

Hand-written rather than a plotting library: a chart here is a few polylines, dashed
lines and rectangles (~150 lines), where matplotlib or pygal would add tens of MB (or a
font and JS runtime) to a bastion install for the same picture. Every text that came
from outside (series labels, titles) is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape as _xml_escape

from cockpit.report.data import Chart

W, H = 880, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 26
COLOURS = ("#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
           "#475569")
BAND = {"GO": "#16a34a", "HOLD": "#f59e0b", "NO-GO": "#dc2626"}
THRESHOLD = {"warn": "#d97706", "fail": "#dc2626"}


def escape(text: str) -> str:
    """Outside text as XML text: markup escaped, control characters (invalid in XML)
    shown as \\xNN."""
    return _xml_escape("".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}"
                               for ch in str(text)))


def _attr(text: str) -> str:
    return escape(str(text)).replace('"', "&quot;")


def _hhmmss(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def fmt(value: float, unit: str | None) -> str:
    if unit == "ratio":
        return f"{value * 100:.3g}%"
    if unit == "seconds":
        return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.3g} s"
    if unit == "percent":
        return f"{value:.0f}%"
    return f"{value:.4g}"


class _Scale:
    def __init__(self, start: float, end: float, low: float, high: float) -> None:
        self.start, self.end = start, max(end, start + 1e-9)
        self.low, self.high = low, high if high > low else low + 1.0

    def x(self, t: float) -> float:
        return LEFT + (t - self.start) / (self.end - self.start) * (W - LEFT - RIGHT)

    def y(self, v: float) -> float:
        return TOP + (1 - (v - self.low) / (self.high - self.low)) * (H - TOP - BOTTOM)


def _time_axis(sc: _Scale, height: float = H) -> list[str]:
    out = []
    for i in range(6):
        t = sc.start + (sc.end - sc.start) * i / 5
        x = sc.x(t)
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" '
                   f'y2="{height - BOTTOM}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{height - 8}" '
                   f'text-anchor="{anchor}">{_hhmmss(t)}</text>')
    return out


def line_chart(chart: Chart, start: float, end: float) -> str:
    """One chart as an <svg> element."""
    values = chart.values()
    lines = [t for t, _ in chart.thresholds]
    high = max([*values, *lines, 0.0])
    high = high * 1.15 if high > 0 else 1.0
    low = min([*values, 0.0])
    sc = _Scale(start, end, low, high)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" '
             f'role="img" aria-label="{_attr(chart.title)}" data-key="{_attr(chart.key)}">',
             f"<title>{escape(chart.title)}</title>",
             f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" '
             f'height="{H - TOP - BOTTOM}"/>']
    for a, b in chart.breaches:
        x0, x1 = sc.x(max(a, start)), sc.x(min(b, end))
        parts.append(f'<rect class="breach" x="{x0:.1f}" y="{TOP}" width="{max(1.0, x1 - x0):.1f}"'
                     f' height="{H - TOP - BOTTOM}"><title>breach {_hhmmss(a)} to '
                     f'{_hhmmss(b)}</title></rect>')
    parts += _time_axis(sc)
    for i in range(4):
        v = low + (high - low) * i / 3
        y = sc.y(v)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{escape(fmt(v, chart.unit))}</text>')
    for value, kind in chart.thresholds:
        y = sc.y(value)
        colour = THRESHOLD.get(kind, "#64748b")
        parts.append(f'<line class="threshold {kind}" data-value="{value:g}" x1="{LEFT}" '
                     f'y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="{colour}">'
                     f"<title>{escape(kind)} {escape(fmt(value, chart.unit))}</title></line>")
        parts.append(f'<text class="tlabel" x="{W - RIGHT - 4}" y="{y - 4:.1f}" '
                     f'text-anchor="end" fill="{colour}">{escape(kind)} '
                     f"{escape(fmt(value, chart.unit))}</text>")
    for i, (label, points) in enumerate(chart.series):
        colour = COLOURS[i % len(COLOURS)]
        for run in _runs(points):
            if len(run) == 1:
                t, v = run[0]
                parts.append(f'<circle class="series" cx="{sc.x(t):.1f}" cy="{sc.y(v):.1f}" '
                             f'r="2.5" fill="{colour}"/>')
                continue
            pts = " ".join(f"{sc.x(t):.1f},{sc.y(v):.1f}" for t, v in run)
            parts.append(f'<polyline class="series" points="{pts}" stroke="{colour}">'
                         f"<title>{escape(label)}</title></polyline>")
    if not chart.series:
        parts.append(f'<text class="empty" x="{W / 2}" y="{H / 2}" text-anchor="middle">'
                     f"{escape(chart.note or 'no data')}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Unbroken stretches of data (a None or NaN is a gap, never a zero)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for t, v in points:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((t, float(v)))
    return [r for r in runs if r]


def verdict_band(segments: Sequence[tuple[float, float, str]], start: float, end: float,
                 marks: Sequence[tuple[float, str]] = ()) -> str:
    """The verdict over the window as coloured spans; `marks`: (time, label) ticks above
    it (rollbacks, faults)."""
    height = 74
    sc = _Scale(start, end, 0, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="band" viewBox="0 0 {W} {height}" '
             'role="img" aria-label="verdict over time"><title>verdict over time</title>']
    for a, b, kind in segments:
        x0, x1 = sc.x(a), sc.x(b)
        parts.append(f'<rect class="verdict {kind}" x="{x0:.1f}" y="22" '
                     f'width="{max(0.5, x1 - x0):.1f}" height="22" fill="{BAND.get(kind, "#999")}">'
                     f"<title>{escape(kind)} {_hhmmss(a)} to {_hhmmss(b)}</title></rect>")
    for i, (t, label) in enumerate(sorted(marks)):
        x = sc.x(t)
        # alternate sides, so two marks close together keep readable labels
        lx, anchor = (x + 3, "start") if i % 2 else (x - 3, "end")
        parts.append(f'<line class="mark" x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="48"/>'
                     f'<text class="mlabel" x="{lx:.1f}" y="16" text-anchor="{anchor}">'
                     f"{escape(label)}</text>")
    for i in range(6):
        t = start + (end - start) * i / 5
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        parts.append(f'<text class="tick" x="{sc.x(t):.1f}" y="{height - 10}" '
                     f'text-anchor="{anchor}">{_hhmmss(t)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["fmt", "line_chart", "verdict_band"]
