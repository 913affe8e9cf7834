"""The report for a terminal with no browser: the verdict band and one sparkline per
signal, plain characters only (no colour, no escapes), each line at most `width` long.

`text_summary()` is what `cockpit report --format text` prints and what other commands
(`cockpit log handoff`) call to show the same at a hand-over.
"""

from __future__ import annotations

import math
from typing import Any

from cockpit.report.data import Chart, ReportData
from cockpit.report.html import _t, span
from cockpit.report.svg import fmt

SPARK = "▁▂▃▄▅▆▇█"
BAND_CHARS = {"GO": "G", "HOLD": "h", "NO-GO": "X"}


def band_text(data: ReportData, width: int) -> str:
    """One character per slot of the window: the worst verdict in it ("X" NO-GO, "h" HOLD,
    "G" GO, " " none logged)."""
    rank = {"GO": 0, "HOLD": 1, "NO-GO": 2}
    slot = (data.end - data.start) / width if width > 0 else 0
    cells = []
    for i in range(width):
        a, b = data.start + i * slot, data.start + (i + 1) * slot
        kinds = [k for s, e, k in data.segments if s < b and e > a]
        cells.append(BAND_CHARS[max(kinds, key=rank.__getitem__)] if kinds else " ")
    return "".join(cells)


def spark(chart: Chart, start: float, end: float, width: int) -> str:
    """The worst value per slot ("worst" by the chart's direction), on a 0..max scale."""
    slot = (end - start) / width if width > 0 else 0
    points = [(t, v) for _, pts in chart.series for t, v in pts
              if v is not None and not math.isnan(v)]
    top = max([v for _, v in points] + [t for t, _ in chart.thresholds] + [0.0])
    cells = []
    for i in range(width):
        a, b = start + i * slot, start + (i + 1) * slot
        vs = [v for t, v in points if a <= t < b or (i == width - 1 and t == b)]
        if not vs:
            cells.append(" ")
            continue
        v = min(vs) if chart.direction == "below" else max(vs)
        cells.append(SPARK[min(7, max(0, int(v / top * 8)))] if top > 0 else SPARK[0])
    return "".join(cells)


def render_text(data: ReportData, width: int = 100) -> str:
    width = max(60, width)
    cells = width - 32
    times = data.time_in()
    card = data.scorecard
    out = [f"Launch report: {data.launch}"[:width],
           f"{_t(data.start)} to {_t(data.end)} UTC ({span(data.end - data.start)})",
           f"verdict now {data.verdict_now} ({data.verdict_source}); time in "
           + ", ".join(f"{k} {span(v)}" for k, v in times.items()), "",
           # the legend and a chart's note whole (cut at `width` they read "G go, h" and
           # "no kube", as if the cluster were missing, not its kube-state-metrics)
           f"{'verdict':<20} |{band_text(data, cells)}|  G go, h hold, X no-go"]
    for chart in data.charts():
        values = chart.values()
        if not values:
            out.append(f"{chart.title[:20]:<20}  {chart.note or 'no data'}")
            continue
        last = next((v for _, pts in chart.series for _, v in reversed(pts) if v is not None),
                    values[-1])
        tail = f"{fmt(last, chart.unit)} (max {fmt(max(values), chart.unit)})"
        if chart.breaches:
            tail += f", {len(chart.breaches)} breach" + ("es" if len(chart.breaches) > 1 else "")
        out.append(f"{chart.title[:20]:<20} |{spark(chart, data.start, data.end, cells)}|  "
                   f"{tail}"[:width + 24])
    out.append("")
    for m in card.milestones:
        if m.name == "fault" and m.at is None:
            continue
        after = card.after(m.name) if m.name != "fault" else None
        rel = f" (+{span(after)})" if after is not None else ""
        when = _t(m.at) + " UTC" if m.at else "not reached"
        out.append(f"{m.name:<10} {when}{rel}  {m.what}"[:width + 40])
    out.append(f"{'caught by':<10} {', '.join(card.caught_by) or '-'}")
    for rb in data.rollbacks:
        out.append(f"rollback   {_t(rb.started_at)} UTC by {rb.who}: exit "
                   f"{rb.exit_code if rb.exit_code is not None else '-'}, {rb.state}; "
                   f"{rb.command}")
    return "\n".join(_plain(line) for line in out) + "\n"


def _plain(line: str) -> str:
    """No control characters from outside text reach the terminal (shown as \\xNN)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in line)


async def text_summary(config: Any, store: Any, *, since: float = 8 * 3600.0,
                       width: int = 100, engine: Any = None) -> str:
    """The terminal summary of the last `since` seconds of the launch `config` (its
    Prometheus is asked for the charts; a failed query is one line saying so)."""
    from cockpit.report.data import gather

    return render_text(await gather(config, store, since=since, engine=engine), width)


__all__ = ["band_text", "render_text", "spark", "text_summary"]
