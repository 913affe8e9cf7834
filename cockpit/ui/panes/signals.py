"""The signals strip: one line per source with its headline figures, state and age.

For a small terminal (the `compact` layout): at 2 a.m. on a laptop the captain still
sees the numbers that decide GO, each with how old it is::

    ● SLO    error rate 2.00% · p95 latency 350 ms · request rate 10.0/s        4s
    ● pods   6/6 ready · 0 crash-looping · rollouts complete                    1s
    ● GPU    util max 87% · 4 GPUs                                              3s
    ● ASR    PASS · first partial 610 ms · WER 0.00                            12s
    ● checks http 5/5 up · tcp 2/2 up · tls 30 d · release 2.4.0               2s

The mark is the source's state (● live, ◌ stale, ✖ error, … starting); a line with
several sources (the checks) shows the worst. Outside text goes through `plain()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from cockpit.model import Reading
from cockpit.sources.asr.view import AsrView
from cockpit.sources.gpu_model import GpuView
from cockpit.sources.http_view import HttpView
from cockpit.sources.kube.view import PodsView
from cockpit.sources.prom_view import SloView
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes, Pane, format_age_coarse, update_if_changed
from cockpit.ui.panes.slo import format_value
from cockpit.ui.text import plain
from cockpit.views import ReadingsView, SignalsView, SourceStatus, View

if TYPE_CHECKING:
    from cockpit.engine import Engine

MARK = {"live": ("●", "green"), "stale": ("◌", "bold yellow"), "error": ("✖", "bold red"),
        "starting": ("…", "dim")}
RANK = {"error": 0, "stale": 1, "starting": 2, "live": 3}
LABEL_WIDTH = 7


def _age(view: View, readings: Iterable[Reading | None]) -> float | None:
    ats = [r.at for r in readings if r is not None]
    return view.at - max(ats) if ats else None


def _figure(reading: Reading | None) -> str:
    if reading is None:
        return "-"
    if reading.error is not None:
        return "?"
    value = reading.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_value(float(value), reading.unit) if reading.unit else f"{value:g}"
    return str(value) if value is not None else "-"


def slo_line(view: SloView) -> tuple[str, float | None]:
    parts = []
    for s in view.signals[:3]:
        r = s.reading
        shown = "?" if r is not None and r.error else format_value(s.main_value(), s.unit)
        parts.append(f"{s.name.replace('_', ' ')} {shown}")
    return " · ".join(parts) or "no queries", _age(view, (s.reading for s in view.signals))


def pods_line(view: PodsView) -> tuple[str, float | None]:
    kube = view.kube
    if kube is None:
        return view.error or "waiting for the first list", None
    c = kube.counts
    rollouts = kube.rollouts
    if any(r.stalled for r in rollouts):
        state = "rollout STALLED"
    elif rollouts and all(r.complete for r in rollouts):
        state = "rollouts complete"
    else:
        state = "rolling out" if rollouts else "no deployments"
    text = f"{c.total - c.not_ready}/{c.total} ready · {c.crashlooping} crash-looping · {state}"
    return text, view.at - kube.at


def gpu_line(view: GpuView) -> tuple[str, float | None]:
    snap = view.snapshot
    age = view.at - view.reading_at if view.reading_at is not None else None
    if snap is None:
        return view.error or "waiting for the first GPU reading", age
    utils = [g.util for g in snap.gpus if g.util is not None]
    peak = f"{max(utils) * 100:.0f}%" if utils else "-"
    xid = sum(1 for g in snap.gpus if g.xid)
    return f"util max {peak} · {len(snap.gpus)} GPUs" + (f" · {xid} XID" if xid else ""), age


def asr_line(view: AsrView) -> tuple[str, float | None]:
    age = view.at - view.reading_at if view.reading_at is not None else None
    if view.detail is None:
        return "waiting for the first probe", age
    r = view.detail.result
    first = format_value(r.first_partial, "seconds") if r.first_partial is not None else "-"
    wer = f"{r.wer:.2f}" if r.wer is not None else "-"
    verdict = "PASS" if r.ok else "FAIL"
    return f"{verdict} · first partial {first} · WER {wer}", age


def checks_line(views: Sequence[View]) -> tuple[str, float | None]:
    """HTTP and TCP checks counted (the failing ones named), other sources' first figure."""
    parts: list[str] = []
    ages: list[float] = []
    groups: dict[str, list[tuple[str, bool | None]]] = {}
    for v in views:
        kind, _, name = v.source.partition(".")
        up = v.up if isinstance(v, HttpView) else (
            v.readings.get(f"{v.source}.up") if isinstance(v, ReadingsView) else None)
        readings = list(v.readings.values()) if isinstance(v, ReadingsView) else [up]
        age = _age(v, readings)
        if age is not None:
            ages.append(age)
        if name and kind in ("http", "tcp"):
            ok = None if up is None or up.error else bool(up.value)
            groups.setdefault(kind, []).append((name, ok))
            continue
        parts.append(f"{v.source} {_headline(v)}")
    counted = []
    for kind, checks in groups.items():
        down = [n for n, ok in checks if ok is False]
        text = f"{kind} {sum(1 for _, ok in checks if ok)}/{len(checks)} up"
        counted.append(text + (f" ({', '.join(down)} DOWN)" if down else ""))
    return " · ".join([*counted, *parts]), max(ages) if ages else None


# The figure a source without a line of its own is known by: (signal, words after it).
HEADLINE = {"alerts": ("alerts.firing", " firing"), "release": ("release.app_version", ""),
            "tls": ("tls.min_days_left", " d left")}


def _headline(view: View) -> str:
    firing = getattr(view, "firing", None)  # the alerts source's AlertsView (duck-typed:
    if isinstance(firing, tuple):  # importing it would import its Prometheus client)
        # it said `alerts -` even with two alerts firing, as if there were none
        if getattr(view, "error", None):
            return "-" if view.status.state == "starting" else "?"
        shown = f"{len(firing) + int(getattr(view, 'more', 0) or 0)} firing"
        return shown + (" (stale)" if getattr(view, "stale", False) else "")
    if not isinstance(view, ReadingsView):
        return "-"
    signal, words = HEADLINE.get(view.source, ("", ""))
    reading = view.readings.get(signal) or next(
        (r for _, r in sorted(view.readings.items()) if r.has_data), None)
    if reading is None:
        return "-"
    if reading.error is not None:
        return "?"
    value = reading.value
    plain_number = isinstance(value, int | float) and not isinstance(value, bool) and words
    return (f"{value:g}" if plain_number else _figure(reading)) + words


def _worst(statuses: Iterable[SourceStatus]) -> SourceStatus:
    return min(statuses, key=lambda s: RANK.get(s.state, 2), default=SourceStatus("starting"))


def lines_of(view: SignalsView) -> list[tuple[str, SourceStatus, str, float | None]]:
    """(label, state, figures, age) per line: SLO, pods, GPU, ASR, then the checks."""
    out: list[tuple[str, SourceStatus, str, float | None]] = []
    rest: list[View] = []
    for v in view.views:
        if isinstance(v, SloView):
            out.append(("SLO", v.status, *slo_line(v)))
        elif isinstance(v, PodsView):
            out.append(("pods", v.status, *pods_line(v)))
        elif isinstance(v, GpuView):
            out.append(("GPU", v.status, *gpu_line(v)))
        elif isinstance(v, AsrView):
            out.append(("ASR", v.status, *asr_line(v)))
        else:
            rest.append(v)
    if rest:
        out.append(("checks", _worst(v.status for v in rest), *checks_line(rest)))
    return out


def render(view: SignalsView, width: int) -> list[Text]:
    lines = []
    for label, status, figures, age in lines_of(view):
        mark, style = MARK.get(status.state, ("?", "yellow"))
        if status.state == "error" and status.error:
            figures = f"{figures} · {status.error}" if figures else status.error
        tail = format_age_coarse(age) if age is not None else "-"
        room = max(8, width - LABEL_WIDTH - 3 - len(tail) - 1)
        body = figures if len(figures) <= room else figures[: room - 1] + "…"
        line = Text.assemble(plain(f"{mark} ", style), plain(f"{label:<{LABEL_WIDTH}}", "bold"),
                             plain(body.ljust(room)), " ", plain(tail, "dim"))
        lines.append(line)
    return lines or [plain("no sources configured", "dim")]


@register_pane("signals")
class SignalsPane(Pane):
    """Every source's headline figures, one line each, with state and age."""

    TITLE = "Signals"
    VIEW = SignalsView

    DEFAULT_CSS = """
    SignalsPane { height: auto; max-height: 7; }
    SignalsPane #signals-body { width: 1fr; height: auto; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="signals-body", markup=False)

    def wants(self, changes: Changes) -> bool:
        return changes.beyond_progress()  # ages move with the clock

    def on_resize(self) -> None:
        self.redraw()

    def view_of(self, engine: Engine) -> SignalsView:
        views = (engine.view(name) for name in engine.source_names())
        return SignalsView(tuple(v for v in views if v is not None))

    def draw(self, view: SignalsView) -> None:
        width = self.content_size.width or 76
        update_if_changed(self.query_one("#signals-body", Static),
                          Text("\n").join(render(view, width)))
