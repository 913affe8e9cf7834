"""What a launch report shows, gathered once: the event log over the window, the verdict
band, the milestones, and a chart per Prometheus query (fetched with `query_range`), the
GPUs, the pods and the ASR probe. The renderers (html, markdown, text) only format this.

Pods and ASR series come from the engine's history when the report is written by a
running cockpit (a drill's `--report`); without one, pods come from kube-state-metrics
in Prometheus when it has them, and the ASR probe from its logged results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cockpit.model import Event, EventKind, Severity, now
from cockpit.redact import redact
from cockpit.scorecard import Milestone, Scorecard, score

Points = list[tuple[float, float | None]]
MAX_POINTS = 240  # per chart: the step is the window / this
VERDICTS = ("GO", "HOLD", "NO-GO")


@dataclass
class Chart:
    """One chart: named series over the window, threshold lines and breach spans."""

    key: str
    title: str
    unit: str | None = None
    series: list[tuple[str, Points]] = field(default_factory=list)
    thresholds: list[tuple[float, str]] = field(default_factory=list)  # (value, warn|fail)
    breaches: list[tuple[float, float]] = field(default_factory=list)  # (from, to)
    note: str = ""  # where it came from, or why it is empty
    direction: str = "above"

    def values(self) -> list[float]:
        return [v for _, pts in self.series for _, v in pts if v is not None]


@dataclass
class Rollback:
    """One rollback as the log tells it."""

    id: str
    command: str
    who: str
    started_at: float | None
    ended_at: float | None
    exit_code: int | None
    state: str
    output_tail: list[str]
    verified: bool | None
    verify_message: str = ""


@dataclass
class ReportData:
    launch: str
    start: float
    end: float
    generated_at: float
    verdict_now: str
    verdict_source: str  # "live" (a running engine) or "last logged"
    segments: list[tuple[float, float, str]]  # (from, to, verdict)
    events: list[Event]
    scorecard: Scorecard
    slo: list[Chart] = field(default_factory=list)
    pods: list[Chart] = field(default_factory=list)
    gpu: list[Chart] = field(default_factory=list)
    asr: list[Chart] = field(default_factory=list)
    rollbacks: list[Rollback] = field(default_factory=list)

    def time_in(self) -> dict[str, float]:
        out = dict.fromkeys(VERDICTS, 0.0)
        for a, b, kind in self.segments:
            out[kind] = out.get(kind, 0.0) + (b - a)
        return out

    def charts(self) -> list[Chart]:
        return [*self.slo, *self.gpu, *self.pods, *self.asr]


async def gather(config: Any, store: Any, *, since: float | None = None,
                 until: float | None = None, engine: Any = None) -> ReportData:
    """Everything a report shows of the launch `config`, over [until - since, until]."""
    end = until if until is not None else now()
    start = end - (since if since is not None else 8 * 3600.0)
    every = [e for e in store.events() if e.severity != Severity.DEBUG]
    events = [e for e in every if start <= e.at <= end]
    segments = verdict_segments(every, start, end)
    if engine is not None:
        verdict_now, verdict_source = engine.verdict.kind.value, "live"
    else:
        verdict_now = segments[-1][2] if segments else "none logged"
        verdict_source = "last logged"
    data = ReportData(
        launch=getattr(config, "launch", "launch"), start=start, end=end, generated_at=now(),
        verdict_now=verdict_now, verdict_source=verdict_source, segments=segments,
        events=events, scorecard=scorecard_of(events), rollbacks=rollbacks_of(events))
    data.slo, data.gpu, pods = await _prometheus_charts(config, events, start, end)
    data.pods = _engine_charts(engine, _POD_SIGNALS, config) if engine is not None else pods
    data.asr = (_engine_charts(engine, _ASR_SIGNALS, config) if engine is not None
                else _probe_charts(events, config))
    return data


def verdict_segments(events: Sequence[Event], start: float, end: float
                     ) -> list[tuple[float, float, str]]:
    """The verdict band: (from, to, verdict) over the window, from the verdict events
    (the one in force when the window opens included)."""
    changes = [(e.at, str(e.data.get("verdict"))) for e in events
               if e.kind == EventKind.VERDICT and e.data.get("verdict") in VERDICTS]
    before = [c for c in changes if c[0] <= start]
    inside = [c for c in changes if start < c[0] <= end]
    points = ([(start, before[-1][1])] if before else []) + inside
    out = []
    for i, (at, kind) in enumerate(points):
        to = points[i + 1][0] if i + 1 < len(points) else end
        if to > at:
            out.append((at, to, kind))
    return out


def scorecard_of(events: Sequence[Event]) -> Scorecard:
    """A drill's own scorecard when it logged one (it knows its fault's instant), else
    the milestones read from the log. A milestone the logged card had not reached yet
    (the rehearsal's card is logged when its script ends, a rollback may still be
    verifying) is read from the log: never "not reached" beside a verified rollback."""
    cards = [e for e in events if e.kind == EventKind.NOTE and isinstance(
        e.data.get("scorecard"), dict)]
    if cards:
        card = cards[-1].data["scorecard"]
        ms = card.get("milestones") or {}
        logged = tuple(Milestone(n, (ms.get(n) or {}).get("at"),
                                 str((ms.get(n) or {}).get("what") or ""))
                       for n in ("fault", "detected", "decided", "mitigated", "verified"))
        fault, detected = logged[0], logged[1]
        read = score(list(events), fault_at=fault.at, fault=fault.what or None,
                     detected=(detected.at, detected.what) if detected.at is not None else None)
        milestones = tuple(m if m.at is not None else read.get(m.name) for m in logged)
        drill = cards[-1].data.get("drill") or {}
        clock = None
        if isinstance(drill.get("t0"), int | float) and isinstance(drill.get("speed"), int | float):
            t0, speed = float(drill["t0"]), float(drill["speed"])

            def clock(t: float) -> float:  # a drill counts in scenario seconds
                return (t - t0) * speed
        return Scorecard(milestones, tuple(card.get("caught_by") or read.caught_by), clock)
    return score(list(events))


def rollbacks_of(events: Sequence[Event]) -> list[Rollback]:
    out: dict[str, Rollback] = {}
    for e in events:
        rid = e.data.get("rollback_id")
        if not rid or not str(e.kind).startswith("rollback."):
            continue
        rb = out.setdefault(rid, Rollback(rid, str(e.data.get("command") or ""), e.author,
                                          None, None, None, "planned", [], None))
        if e.kind == EventKind.ROLLBACK_START:
            rb.started_at, rb.state, rb.who = e.at, "running", e.author
        elif e.kind == EventKind.ROLLBACK_END:
            rb.ended_at = e.data.get("ended_at") or e.at
            rb.started_at = rb.started_at or e.data.get("started_at")
            rb.exit_code = e.data.get("exit_code")
            rb.state = str(e.data.get("state") or "ended")
            rb.output_tail = [redact(str(line)) for line in e.data.get("output_tail") or []]
        elif e.kind == EventKind.ROLLBACK_VERIFY:
            rb.verified = bool(e.data.get("verified"))
            rb.verify_message = e.message
        elif e.kind == EventKind.ROLLBACK_DENIED:
            rb.state = "denied"
    return [rb for rb in out.values() if rb.state != "planned"]


# ---------------------------------------------------------------- Prometheus

_KSM = [
    ("pods.not_ready", "Pods not ready", "count",
     'sum(kube_pod_status_ready{{condition="false"{ns}}})'),
    ("pods.restarts_10m", "Pod restarts (10 min)", "count",
     "sum(increase(kube_pod_container_status_restarts_total{{{ns0}}}[10m]))"),
]


async def _prometheus_charts(config: Any, events: Sequence[Event], start: float, end: float
                             ) -> tuple[list[Chart], list[Chart], list[Chart]]:
    prom = getattr(config, "prometheus", None)
    if prom is None:
        note = "no prometheus section in the launch config"
        return [], [], [Chart("pods", "Pods", note=note)]
    from cockpit.sources.prometheus import client_from_config

    step = max(1.0, (end - start) / MAX_POINTS)
    slo: list[Chart] = []
    async with client_from_config(prom) as client:
        async def fetch(expr: str, label_keys: Sequence[str] = ()) -> tuple[list, str]:
            try:
                got = await asyncio.wait_for(client.query_range(expr, start, end, step),
                                             prom.timeout + 5)
            except Exception as exc:  # noqa: BLE001 - the chart says why it is empty
                return [], redact(f"query_range failed: {exc}")
            series = []
            for s in got:
                name = ",".join(str(s.labels.get(k, "")) for k in label_keys if k in s.labels)
                series.append((name or _labels(s.labels), list(s.points)))
            return series, "" if series else "no data in the window"

        for name in prom.queries:
            spec = prom.query(name)
            chart = Chart(name, name, spec.unit, direction=spec.direction)
            chart.series, chart.note = await fetch(spec.query)
            chart.thresholds = [(v, k) for v, k in ((spec.warn, "warn"), (spec.fail, "fail"))
                                if v is not None]
            chart.breaches = breach_spans(events, name, end)
            slo.append(chart)
        gpu: list[Chart] = []
        gcfg = getattr(config, "gpu", None)
        if gcfg is not None and getattr(gcfg, "source", None) == "dcgm":
            chart = Chart("gpu.util", "GPU utilization", "percent")
            chart.series, chart.note = await fetch("DCGM_FI_DEV_GPU_UTIL", ("Hostname", "gpu"))
            chart.thresholds = [(100.0, "saturated")]
            gpu.append(chart)
        pods: list[Chart] = []
        ns = getattr(getattr(config, "kubernetes", None), "namespace", None)
        for key, title, unit, expr in _KSM:
            sel = f',namespace="{ns}"' if ns and ns != "*" else ""
            chart = Chart(key, title, unit)
            chart.series, chart.note = await fetch(expr.format(ns=sel, ns0=sel.lstrip(",")))
            if not chart.series:
                chart.note = ("no kube-state-metrics series in Prometheus (a drill's report "
                              "charts the cockpit's own pod readings)")
            pods.append(chart)
    return slo, gpu, pods


def breach_spans(events: Sequence[Event], signal: str, end: float) -> list[tuple[float, float]]:
    """(from, to) of each breach of `signal`: from its pending start to its recovery."""
    spans: list[tuple[float, float]] = []
    open_at: float | None = None
    for e in events:
        if e.data.get("signal") != signal:
            continue
        if e.kind == EventKind.BREACH and open_at is None:
            open_at = float(e.data.get("pending_since") or e.at)
        elif e.kind == EventKind.RECOVER and open_at is not None:
            spans.append((open_at, e.at))
            open_at = None
    if open_at is not None:
        spans.append((open_at, end))
    return spans


def _labels(labels: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(dict(labels).items())) or "value"


# ---------------------------------------------------------------- engine and log

_POD_SIGNALS = [("pods.not_ready", "Pods not ready", "count"),
                ("pods.restarts_10m", "Pod restarts (10 min)", "count")]
_ASR_SIGNALS = [("asr.first_partial", "ASR first partial", "seconds"),
                ("asr.final_latency", "ASR final latency", "seconds"),
                ("asr.wer", "ASR word error rate", "ratio")]


def _asr_limit(config: Any, key: str) -> float | None:
    probe = getattr(config, "asr_probe", None)
    attr = {"asr.first_partial": "max_first_partial", "asr.final_latency": "max_final_latency",
            "asr.wer": "max_wer"}.get(key)
    return float(getattr(probe, attr)) if probe is not None and attr else None


def _engine_charts(engine: Any, signals: Sequence[tuple[str, str, str]], config: Any
                   ) -> list[Chart]:
    out = []
    for key, title, unit in signals:
        points: Points = [(t, v) for t, v in engine.history(key)]
        chart = Chart(key, title, unit, series=[(key, points)] if points else [],
                      note="the cockpit's own readings" if points else "no readings")
        limit = _asr_limit(config, key)
        if limit is not None:
            chart.thresholds = [(limit, "fail")]
        out.append(chart)
    return out


def _probe_charts(events: Sequence[Event], config: Any) -> list[Chart]:
    """ASR probe results as logged (one at each pass/fail change)."""
    fields = {"asr.first_partial": "first_partial", "asr.final_latency": "final_latency",
              "asr.wer": "wer"}
    out = []
    for key, title, unit in _ASR_SIGNALS:
        points: Points = []
        for e in events:
            result = e.data.get("result") if e.kind == EventKind.PROBE else None
            if isinstance(result, dict) and isinstance(result.get(fields[key]), int | float):
                points.append((e.at, float(result[fields[key]])))
        chart = Chart(key, title, unit, series=[(key, points)] if points else [],
                      note="probe results logged at each pass/fail change" if points
                      else "no probe results in the log")
        limit = _asr_limit(config, key)
        if limit is not None:
            chart.thresholds = [(limit, "fail")]
        out.append(chart)
    return out


__all__ = ["Chart", "ReportData", "Rollback", "gather", "verdict_segments"]
