"""The SLO pane: each Prometheus query's value, history, thresholds and yesterday.

One line per configured query, in config order::

    error rate        2.00%  ▁▁▂▂▃▃▅▆▇▇▆▅   warn 1% · fail 5%   +40% vs yesterday

- the value in its unit (ratio as %, seconds as ms), coloured by the query's warn/fail
  thresholds (green, yellow, red; `direction: below` turns them round);
- a one-colour text sparkline of the last `history` (30 min), one cell per time slot,
  scaled from 0 to the larger of its peak and the fail threshold (so a flat line far
  under the threshold sits low); a slot with no data is a blank, never a zero;
- the comparison with the same query `compare` ago ("+40% vs yesterday");
- several series (per version, per deployment) as indented rows under the signal;
- a failed query shows Prometheus's own error text in red with the last good value and
  its age; a reading older than the source's staleness bound is dimmed with its age.

Widths drop extras before squeezing the value: thresholds go first, then the sparkline
shrinks. Labels and error text are outside text: everything goes through `plain()`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from cockpit.model import Series
from cockpit.sources.prom_view import SignalView, SloView
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes, format_age
from cockpit.ui.panes.lines import LinesPane
from cockpit.ui.spark import timeline
from cockpit.ui.text import plain

if TYPE_CHECKING:
    from cockpit.engine import Engine

SPARK_STYLE = "cyan"
OK, WARN, FAIL = "green", "bold yellow", "bold red"
COMPARE_WORDS = {86400.0: "yesterday", 7 * 86400.0: "last week"}


# ---------------------------------------------------------------- formatting


def format_value(value: float | None, unit: str | None) -> str:
    """A value in its unit: ratio 0.0234 -> 2.34%, seconds 0.35 -> 350 ms, rate -> 10.0/s."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "ratio":
        pct = value * 100
        return f"{pct:.2f}%" if abs(pct) < 10 else f"{pct:.1f}%"
    if unit == "seconds":
        if abs(value) < 1:
            ms = value * 1000
            return f"{ms:.1f} ms" if abs(ms) < 10 else f"{ms:.0f} ms"
        return f"{value:.2f} s"
    if unit == "rate":
        return f"{_num(value)}/s"
    if unit == "count":
        return f"{value:.0f}" if value == int(value) else _num(value)
    return _num(value)


def _num(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def label_of(name: str) -> str:
    """`p95_latency` -> `p95 latency` (the signal name stays visible, just easier to read)."""
    return name.replace("_", " ")


def level(value: float | None, warn: float | None, fail: float | None, below: bool) -> str:
    """ "ok", "warn" or "fail" for a value against thresholds; "none" without a value."""
    if value is None:
        return "none"

    def past(limit: float | None) -> bool:
        if limit is None:
            return False
        return value < limit if below else value > limit

    if past(fail):
        return "fail"
    if past(warn):
        return "warn"
    return "ok"


LEVEL_STYLE = {"ok": OK, "warn": WARN, "fail": FAIL, "none": "dim"}


def compare_text(value: float | None, compare: Mapping[str, Any] | None) -> Text | None:
    """ "+40% vs yesterday" (or "n/a vs 2h ago" when either side has no figure)."""
    if not compare:
        return None
    offset = str(compare.get("offset") or "")
    words = _compare_words(offset)
    if compare.get("error"):
        return plain(f"? vs {words}", "dim")
    then = compare.get("value")
    if value is None or then is None:
        return plain(f"n/a vs {words}", "dim")
    if then == 0:
        return plain(("±0%" if value == 0 else "new") + f" vs {words}", "dim")
    change = (value - then) / abs(then) * 100
    if abs(change) < 0.5:
        return plain(f"±0% vs {words}", "dim")
    return plain(f"{change:+.0f}% vs {words}", "")


def _compare_words(offset: str) -> str:
    from cockpit.config import parse_duration  # no Textual there; cheap

    try:
        seconds = parse_duration(offset)
    except ValueError:
        return offset or "before"
    return COMPARE_WORDS.get(seconds, f"{offset} ago")


# ---------------------------------------------------------------- one signal


class Widths:
    """Cell widths of a signal line for a given width: extras go before the value shrinks."""

    def __init__(self, width: int, name_width: int) -> None:
        self.name = max(6, min(name_width, 24, width // 4))
        self.value = 10
        self.compare = 19 if width >= 60 else 0
        self.thresholds = 28 if width >= 110 else 0
        rest = width - self.name - 1 - self.value - 2
        rest -= (self.compare + 2) if self.compare else 0
        rest -= (self.thresholds + 2) if self.thresholds else 0
        self.spark = max(0, min(60, rest))
        if self.spark < 6:
            self.spark = 0


def format_limit(value: float, unit: str | None) -> str:
    """A threshold as written by people: 0.01 ratio -> 1%, 0.3 s -> 300 ms."""
    if unit == "ratio":
        return f"{value * 100:.4g}%"
    return format_value(value, unit)


def thresholds_text(detail: Mapping[str, Any], unit: str | None) -> Text:
    parts = []
    if detail.get("warn") is not None:
        parts.append(("warn " + format_limit(detail["warn"], unit), "yellow"))
    if detail.get("fail") is not None:
        parts.append(("fail " + format_limit(detail["fail"], unit), "red"))
    text = Text()
    for i, (words, style) in enumerate(parts):
        if i:
            text.append(" · ", "dim")
        text.append(words, style)
    return text


def signal_lines(view: SignalView, width: int, name_width: int | None = None) -> list[Text]:
    """The main line of a signal, then one indented line per series when it has several."""
    name_w = name_width if name_width is not None else name_width_of([view])
    return _lines(view, Widths(width, name_w), width)


def name_width_of(views: Sequence[SignalView]) -> int:
    """One name column for every signal and series row, so the values line up."""
    widths = [len(label_of(v.name)) for v in views]
    for v in views:
        if v.reading is not None and v.reading.series:
            widths.extend(2 + len(_series_name(s, v.reading.series)) for s in v.reading.series)
    return max(6, min(24, max(widths, default=6)))


def _series_name(s: Series, series: Sequence[Series]) -> str:
    keys = {k for x in series for k in x.labels}
    return s.labels[next(iter(keys))] if len(keys) == 1 else s.label_text


def _lines(view: SignalView, w: Widths, width: int) -> list[Text]:
    r = view.reading
    line = Text()
    line.append_text(plain(_fit(label_of(view.name), w.name).ljust(w.name), "bold"))
    line.append(" ")
    if r is None:
        line.append("… waiting", "dim")
        return [_cut(line, width)]
    if r.error is not None:
        return [_cut(_error_line(view, line), width)]
    value = view.main_value()
    detail = view.detail
    warn, fail = detail.get("warn"), detail.get("fail")
    lvl = level(value, warn, fail, view.below)
    stale = view.stale_age
    shown = format_value(value, view.unit)
    if r.series and len(r.series) > 1 and value is not None:
        shown = ("min " if view.below else "max ") + shown
    line.append(shown.rjust(w.value), "dim" if stale is not None else LEVEL_STYLE[lvl])
    if w.spark:
        line.append("  ")
        ceiling = fail if fail is not None and not view.below else None
        line.append(
            timeline(view.history, w.spark, view.now, view.window, ceiling, view.below),
            "dim" if stale is not None else SPARK_STYLE,
        )
    if w.thresholds:
        line.append("  ")
        th = thresholds_text(detail, view.unit)
        th.truncate(w.thresholds, pad=True)
        line.append_text(th)
    if stale is not None:
        line.append("  ")
        line.append(f"◌ {format_age(stale)} old", "bold yellow")
    elif w.compare:
        cmp = compare_text(value, detail.get("compare"))
        if cmp is not None:
            line.append("  ")
            line.append_text(cmp)
    if detail.get("warnings") and width >= 70:
        line.append("  ")
        line.append("⚠ TLS off", "yellow")
    lines = [_cut(line, width)]
    if r.series and (len(r.series) > 1 or r.series[0].labels):
        lines.extend(_series_lines(view, r.series, w, width, stale is not None))
    return lines


def _error_line(view: SignalView, line: Text) -> Text:
    r = view.reading
    assert r is not None and r.error is not None
    line.append("✖ ", FAIL)
    # Prometheus's own words, less its boilerplate prefix (room is short at 80 columns)
    line.append_text(plain(r.error.removeprefix('invalid parameter "query": '), "red"))
    last = view.detail.get("last_good")
    if isinstance(last, Mapping) and last.get("value") is not None:
        age = max(0.0, view.now - float(last.get("at") or view.now))
        line.append(
            f"  (last {format_value(last['value'], view.unit)}, {format_age(age)} ago)", "dim"
        )
    return line


def _series_lines(
    view: SignalView, series: Sequence[Series], w: Widths, width: int, stale: bool
) -> list[Text]:
    detail = view.detail
    warn, fail = detail.get("warn"), detail.get("fail")
    compare = detail.get("compare") if isinstance(detail.get("compare"), Mapping) else None
    then = compare.get("series", {}) if compare else {}
    out = []
    for s in series:
        name = _series_name(s, series)
        line = Text("  ")
        line.append_text(plain(_fit(name, w.name - 2).ljust(w.name - 2)))
        line.append(" ")
        lvl = level(s.value, warn, fail, view.below)
        line.append(
            format_value(s.value, view.unit).rjust(w.value), "dim" if stale else LEVEL_STYLE[lvl]
        )
        points = view.series_history.get(s.label_text)
        if w.spark and points:
            line.append("  ")
            ceiling = fail if fail is not None and not view.below else None
            line.append(
                timeline(points, w.spark, view.now, view.window, ceiling, view.below),
                "dim" if stale else SPARK_STYLE,
            )
        elif w.spark:
            line.append(" " * (w.spark + 2))
        if w.thresholds:
            line.append(" " * (w.thresholds + 2))
        if w.compare and compare and not stale:
            cmp = compare_text(
                s.value, {"offset": compare.get("offset"), "value": then.get(s.label_text)}
            )
            if cmp is not None:
                line.append("  ")
                line.append_text(cmp)
        out.append(_cut(line, width))
    return out


def signal_key(view: SignalView, spark: int) -> tuple:
    """What `signal_lines` draws of `view`, its clock as what the lines show of it: the
    sparkline's slot (`timeline` rounds the end up to a slot), the whole seconds of a
    stale signal's age ("◌ 30s old") or of a failed one's last good value ("5s ago")."""
    r = view.reading
    slot = math.ceil(view.now / (view.window / spark)) if spark and view.window > 0 else None
    stale = view.stale_age
    failed_since = int(view.now) if r is not None and r.error is not None else None
    return (view.name, r, view.history, view.series_history, view.stale_after, view.window,
            slot, None if stale is None else int(stale), failed_since)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _cut(line: Text, width: int) -> Text:
    line.truncate(width, overflow="ellipsis")
    line.rstrip()
    return line


def render(views: Sequence[SignalView], width: int, height: int) -> list[Text]:
    """The pane body: signals in order; series rows only while they fit."""
    width, height = max(20, width), max(1, height)
    if not views:
        return [plain("no queries configured (prometheus.queries)", "dim")]
    name_w = name_width_of(views)
    blocks = [signal_lines(v, width, name_w) for v in views]
    if sum(len(b) for b in blocks) <= height:
        return [line for b in blocks for line in b]
    # Not enough room: main lines first, then as many series rows as fit in order.
    mains = [b[0] for b in blocks]
    if len(mains) > height:
        hidden = len(mains) - (height - 1)
        more = plain(f"+{hidden} more (enlarge the pane)", "dim")
        return [*mains[: height - 1], more]
    spare = height - len(mains)
    lines: list[Text] = []
    for b in blocks:
        lines.append(b[0])
        extra = b[1:]
        if extra and spare > 0:
            if len(extra) <= spare:
                lines.extend(extra)
                spare -= len(extra)
            else:
                if spare > 1:
                    lines.extend(extra[: spare - 1])
                lines.append(plain(f"  +{len(extra) - max(0, spare - 1)} series", "dim"))
                spare = 0
    return lines


_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow"}


def alert_lines(alerts: Any, width: int, room: int) -> list[Text]:
    """Firing alerts under the queries, most severe first; nothing when none fire.

    Names and summaries come from Prometheus (outside text): plain, cut to the pane."""
    if alerts is None or room < 1:
        return []
    if alerts.error is not None:
        return [_cut(plain(f"alerts: {alerts.error}", "dim"), width)]
    firing = list(alerts.firing)
    if not firing:
        return []
    total = len(firing) + alerts.more
    head = plain(f"🔔 {total} alert{'s' if total != 1 else ''} firing"
                 + (" (stale)" if alerts.stale else ""), "bold red" if not alerts.stale else "dim")
    lines = [head]
    slots = room - 1
    shown = firing if total <= slots else firing[: max(0, slots - 1)]
    for a in shown:
        style = "dim" if alerts.stale else _SEVERITY_STYLE.get(a.severity, "")
        text = f"  {a.severity or '-'} {a.name}" + (f": {a.summary}" if a.summary else "")
        lines.append(_cut(plain(text, style), width))
    if total > len(shown) and slots > 0:
        lines.append(plain(f"  +{total - len(shown)} more", "dim"))
    return lines[:room]


# ---------------------------------------------------------------- the widget


@register_pane("slo")
class SloPane(LinesPane):
    TITLE = "SLO"
    SOURCE = "prometheus"
    CONFIG_SECTION = "prometheus"
    CONFIG_HINT = "`prometheus: {url: ..., queries: {error_rate: ..., p95_latency: ...}}`"
    VIEW = SloView


    def wants(self, changes: Changes) -> bool:
        return super().wants(changes) or "alerts" in changes.sources

    def view_of(self, engine: Engine) -> object | None:
        """The Prometheus source's view, with the alerts source's firing list beside it."""
        view = super().view_of(engine)
        alerts = engine.view("alerts")
        if isinstance(view, SloView) and alerts is not None:
            return dataclasses.replace(view, alerts=alerts)
        return view

    def _signals(self, view: SloView) -> list[SignalView]:
        only = self.options.get("queries")
        return [s for s in view.signals if not only or s.name in set(only)]

    def _spark(self, signals: list[SignalView]) -> int:
        """The sparklines' width at this size, as `render` lays the lines out."""
        return Widths(max(20, self.content_size.width), name_width_of(signals)).spark

    def draw_key(self, view: SloView) -> object:
        """What the lines show: every signal's reading and history, the sparklines' slot,
        the seconds of a stale or failed signal's age; the firing alerts."""
        signals = self._signals(view)
        spark = self._spark(signals)
        alerts = view.alerts
        return (tuple(signal_key(s, spark) for s in signals),
                None if alerts is None else (alerts.error, alerts.firing, alerts.more,
                                             alerts.stale))

    def quiet_until(self, view: SloView) -> float:
        """When a sparkline's slot ends or a signal goes stale; a second on while one is
        stale or failed (its age is in seconds)."""
        signals = self._signals(view)
        spark = self._spark(signals)
        soonest = math.inf
        for s in signals:
            r = s.reading
            if r is None:
                continue
            if r.error is not None or s.stale_age is not None:
                return s.now + 1.0
            if s.stale_after is not None:
                soonest = min(soonest, r.at + s.stale_after)
            if spark and s.window > 0:  # signal_key's slot moves once `now` passes its end
                slot = s.window / spark
                soonest = min(soonest, math.ceil(s.now / slot) * slot)
        return soonest

    def body_lines(self, view: SloView) -> list[Text]:
        size = self.content_size
        signals = self._signals(view)
        alerts = alert_lines(view.alerts, size.width, max(1, size.height // 2))
        return render(signals, size.width, max(1, size.height - len(alerts))) + alerts

