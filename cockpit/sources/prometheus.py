"""The SLO source: named PromQL queries (error rate, p95 latency, ...) as readings.

Each cycle runs every configured query as an instant query; `start()` fills the last
`history` (30 minutes by default) with one range query per signal so the sparklines
are full from the first frame. A query may carry a unit, warn/fail thresholds, a
`for:` hold for breach events, and a comparison with the same query some time ago
(`compare: 1d`), evaluated at `t - 1d` (the same as `offset 1d` on every selector).

An outage never raises and never re-stamps old values: a failed query gives a reading
with `error=` and the last good value only in `detail["last_good"]`, with its own time.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.breaches import BreachTracker
from cockpit.config import PrometheusConfig, QueryConfig, parse_duration
from cockpit.config import read_secret as _read_secret
from cockpit.model import Event, EventKind, Reading, Series, Severity
from cockpit.redact import redact
from cockpit.sources.prom_api import PromClient, PromError, RangeSeries
from cockpit.sources.prom_view import DEFAULT_WINDOW, SignalView, SloView
from cockpit.views import ViewContext

Clock = Callable[[], float]

COMPARE_REFRESH = 60.0  # s; the value of "yesterday" moves slowly, ask for it once a minute
HISTORY_POINTS = 240  # target points of the backfilled history (step = history / this)
# Clients (each one kept-alive connection) the signals share, signal i on lane i % LANES:
# at most as many connections as the one pool of 6 the source had. httpcore's pool looks
# at every one of its connections (is it idle, has it expired: a socket poll each) for
# every request and every answer, so five queries at once on one pool of five cost a
# third more CPU per query (3,360 Python calls against 2,260; bench_http_cost).
LANES = 6


def client_from_config(cfg: PrometheusConfig, **overrides: Any) -> PromClient:
    """A PromClient with the section's URL, auth and TLS settings (secrets read now)."""
    token = (
        _read_secret(cfg.token_env, cfg.token_file) if (cfg.token_env or cfg.token_file) else None
    )
    password = (
        _read_secret(cfg.password_env, cfg.password_file)
        if (cfg.password_env or cfg.password_file)
        else None
    )
    kwargs: dict[str, Any] = {
        "token": token,
        "username": cfg.username,
        "password": password,
        "ca_file": cfg.ca_file,
        "verify": cfg.verify,
        "timeout": cfg.timeout,
        "retries": cfg.retries,
    }
    kwargs.update(overrides)
    return PromClient(cfg.url, **kwargs)


class _Signal:
    """One named query and what the source remembers of it."""

    def __init__(self, name: str, spec: QueryConfig, default_compare: str | None, window: float):
        self.name = name
        self.spec = spec
        self.compare = spec.compare or default_compare
        self.compare_seconds = parse_duration(self.compare) if self.compare else None
        self.window = window
        self.history: deque[tuple[float, float]] = deque()
        self.series_history: dict[str, deque[tuple[float, float]]] = {}
        self.needs_backfill = True
        self.client: PromClient | None = None  # its lane (PrometheusSource.start)
        self.last_good: Reading | None = None
        self.compare_at: float | None = None  # when `compare_value` was asked for
        self.compare_detail: dict[str, Any] | None = None
        self.tracker = (
            BreachTracker(
                name,
                spec.fail,
                spec.direction,
                spec.for_,
                source="prometheus",
                unit=spec.unit,
            )
            if spec.fail is not None
            else None
        )

    def aggregate(self, values: Iterable[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        if not present:
            return None
        return min(present) if self.spec.direction == "below" else max(present)

    def add_point(self, t: float, value: float | None, series: tuple[Series, ...]) -> None:
        if len(series) > 1 or (series and series[0].labels):
            for s in series:
                if s.value is not None:
                    _append(self.series_history.setdefault(s.label_text, deque()), t, s.value)
        if value is not None:
            _append(self.history, t, value)
        self.trim(t)

    def trim(self, now: float) -> None:
        cutoff = now - self.window
        for points in (self.history, *self.series_history.values()):
            while points and points[0][0] < cutoff:
                points.popleft()
        # A series gone for a whole window (a pod replaced, a version retired) goes too:
        # with churning labels the empty ones piled up for the whole watch.
        for key in [k for k, points in self.series_history.items() if not points]:
            del self.series_history[key]

    def backfill(self, result: list[RangeSeries]) -> None:
        """History from a range query: per series, and aggregated for the main line."""
        merged: dict[float, list[float | None]] = {}
        for rs in result:
            labelled = len(result) > 1 or bool(rs.labels)
            key = Series(labels=rs.labels, value=None).label_text
            for t, v in rs.points:
                merged.setdefault(t, []).append(v)
                if labelled and v is not None:
                    _merge(self.series_history.setdefault(key, deque()), t, v)
        for t in sorted(merged):
            agg = self.aggregate(merged[t])
            if agg is not None:
                _merge(self.history, t, agg)
        self.needs_backfill = False


def _append(points: deque[tuple[float, float]], t: float, v: float) -> None:
    if points and points[-1][0] >= t:
        if points[-1][0] == t:
            points[-1] = (t, v)
        return
    points.append((t, v))


def _merge(points: deque[tuple[float, float]], t: float, v: float) -> None:
    """Insert keeping time order (backfill may arrive after a live sample)."""
    if not points or points[-1][0] < t:
        points.append((t, v))
        return
    items = list(points)
    i = bisect.bisect_left([p[0] for p in items], t)
    if i < len(items) and items[i][0] == t:
        return  # a live sample at the same time wins
    items.insert(i, (t, v))
    points.clear()
    points.extend(items)


class PrometheusSource:
    """Named PromQL queries as readings, with history, comparisons and breach events."""

    def __init__(
        self,
        config: PrometheusConfig,
        *,
        name: str = "prometheus",
        clock: Clock | None = None,
        client: PromClient | None = None,
    ) -> None:
        self.config = config
        self.name = name
        self.interval = config.every
        self.stale_after = config.stale_after or max(
            3 * config.every, config.every + config.timeout
        )
        self._clock = clock
        self._client = client  # the first lane; an injected client is the only one
        self._lanes: list[PromClient] = []
        self._events: list[Event] = []
        self._signals = {
            qname: _Signal(qname, config.query(qname), config.compare, config.history)
            for qname in config.queries
        }
        self._started = False

    # ------------------------------------------------------------ Source protocol

    def signal_patterns(self) -> list[str]:
        return list(self._signals)

    def view(self, ctx: ViewContext) -> SloView:
        """Each query's latest reading with its history (backfilled here, else the engine's)."""
        signals = []
        for name in self._signals:
            reading = ctx.readings.get(name)
            history = self.history(name) or ctx.history(name)
            signals.append(SignalView(
                name=name, reading=reading, history=history,
                series_history=self.series_history(name), stale_after=self.stale_after,
                now=ctx.at, window=self.config.history or DEFAULT_WINDOW))
        return SloView(ctx.source, ctx.status, ctx.at, signals=tuple(signals))

    def signal_unit(self, name: str) -> str | None:
        """The query's `unit:` (gates are checked against it when the config loads)."""
        sig = self._signals.get(name)
        return sig.spec.unit if sig is not None else None

    @property
    def insecure(self) -> bool:
        return not self.config.verify

    async def start(self) -> None:
        """Open the client and backfill history; never raises for an outage."""
        if self._started:
            return
        self._started = True
        if self._client is None:
            try:
                self._lanes = [client_from_config(self.config, max_connections=1)
                               for _ in range(min(LANES, len(self._signals)) or 1)]
            except Exception as exc:  # a missing secret, an unreadable CA file
                self._events.append(_source_event(f"Prometheus client not created: {exc}"))
                return
            self._client = self._lanes[0]
        else:
            self._lanes = [self._client]
        for i, sig in enumerate(self._signals.values()):
            sig.client = self._lanes[i % len(self._lanes)]
        if self.insecure:
            self._events.append(
                Event(
                    kind=EventKind.NOTE,
                    message=f"TLS verification is OFF for Prometheus at {self.config.url}",
                    severity=Severity.WARNING,
                    author=f"cockpit:{self.name}",
                )
            )
        await self._backfill(self._now())

    async def sample(self) -> list[Reading]:
        if not self._started:
            await self.start()
        t = self._now()
        if self._client is None:
            return [
                self._failed(sig, "Prometheus client not configured", t)
                for sig in self._signals.values()
            ]
        readings = list(
            await asyncio.gather(*(self._sample_one(sig, t) for sig in self._signals.values()))
        )
        if any(r.ok for r in readings) and any(s.needs_backfill for s in self._signals.values()):
            await self._backfill(t)
        for reading in readings:
            sig = self._signals[reading.name]
            if sig.tracker is not None:
                self._events.extend(sig.tracker.feed(reading))
        return readings

    def _seed_tracker(self, sig: _Signal) -> None:
        """A fresh breach tracker learns from the history: a breach under way when the
        cockpit (or `cockpit check`) starts is logged as the screen would have logged it."""
        tracker = sig.tracker
        if tracker is None or tracker.last_value is not None:
            return
        for at, value in list(sig.history):
            reading = Reading(self.name, sig.name, value, at=at, unit=sig.spec.unit)
            self._events.extend(tracker.feed(reading))

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def history(self, name: str) -> list[tuple[float, float]]:
        sig = self._signals.get(name)
        return list(sig.history) if sig else []

    def series_history(self, name: str) -> dict[str, list[tuple[float, float]]]:
        """Per label set history of a multi-series signal (label text -> points)."""
        sig = self._signals.get(name)
        return {k: list(v) for k, v in sig.series_history.items()} if sig else {}

    async def close(self) -> None:
        for client in self._lanes or ([self._client] if self._client is not None else []):
            await client.close()

    # ------------------------------------------------------------ internals

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    async def _sample_one(self, sig: _Signal, t: float) -> Reading:
        assert sig.client is not None
        # With an injected clock, evaluate at exactly that time; live, let Prometheus
        # use its own "now" (no clock skew) and stamp the reading when it answered.
        at_param = t if self._clock is not None else None
        try:
            series = await sig.client.query(sig.spec.query, time=at_param)
        except PromError as exc:
            return self._failed(
                sig, exc.message, t if at_param is not None else self._now(), exc.kind
            )
        at = t if at_param is not None else self._now()
        compare = await self._compare(sig, t)
        reading = self._reading(sig, series, at, compare)
        sig.last_good = reading
        sig.add_point(at, _main_value(sig, reading), reading.series)
        return reading

    def _reading(
        self, sig: _Signal, series: list[Series], at: float, compare: dict[str, Any] | None
    ) -> Reading:
        value: float | None = None
        shown: tuple[Series, ...] = ()
        if len(series) == 1:
            value = series[0].value
            if series[0].labels:
                shown = (series[0],)
        elif len(series) > 1:
            shown = tuple(sorted(series, key=lambda s: s.label_text))
        return Reading(
            source=self.name,
            name=sig.name,
            value=value,
            at=at,
            series=shown,
            unit=sig.spec.unit,
            detail=self._detail(sig, compare=compare),
        )

    def _failed(self, sig: _Signal, message: str, at: float, kind: str = "error") -> Reading:
        extra: dict[str, Any] = {"error_kind": kind}
        last = sig.last_good
        if last is not None:
            extra["last_good"] = {
                "value": last.value,
                "series": [{"labels": dict(s.labels), "value": s.value} for s in last.series],
                "at": last.at,
            }
        return Reading(
            source=self.name,
            name=sig.name,
            at=at,
            error=redact(message),
            unit=sig.spec.unit,
            detail=self._detail(sig, **extra),
        )

    def _detail(self, sig: _Signal, **extra: Any) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "query": sig.spec.query,
            "warn": sig.spec.warn,
            "fail": sig.spec.fail,
            "direction": sig.spec.direction,
            "for": sig.spec.for_,
        }
        if self.insecure:
            detail["warnings"] = ["TLS verification is off"]
        if extra.get("compare") is None:
            extra.pop("compare", None)
        detail.update(extra)
        return detail

    async def _compare(self, sig: _Signal, t: float) -> dict[str, Any] | None:
        """The same query `compare` ago (cached for COMPARE_REFRESH seconds)."""
        if sig.compare_seconds is None or sig.client is None:
            return None
        if sig.compare_at is not None and t - sig.compare_at < COMPARE_REFRESH:
            return sig.compare_detail
        detail: dict[str, Any] = {"offset": sig.compare, "at": t - sig.compare_seconds}
        try:
            series = await sig.client.query(sig.spec.query, time=t - sig.compare_seconds)
        except PromError as exc:
            detail.update(value=None, error=exc.message)
        else:
            detail["value"] = series[0].value if len(series) == 1 else None
            if len(series) > 1 or (series and series[0].labels):
                detail["series"] = {s.label_text: s.value for s in series}
        sig.compare_at = t
        sig.compare_detail = detail
        return detail

    async def _backfill(self, t: float) -> None:
        assert self._client is not None
        window = self.config.history
        if window <= 0:
            return
        step = max(self.config.every, window / HISTORY_POINTS)
        # On a grid of whole steps: two cockpits (or two `cockpit check` runs) see the same
        # points, so a breach found in the history is the same event, logged once.
        end = math.floor(t / step) * step
        start = math.floor((t - window) / step) * step

        async def one(sig: _Signal) -> None:
            if not sig.needs_backfill:
                return
            try:
                result = await sig.client.query_range(sig.spec.query, start, end, step)  # type: ignore[union-attr]
            except PromError:
                return  # the instant queries report the problem; retry after a good sample
            sig.backfill(result)
            self._seed_tracker(sig)

        await asyncio.gather(*(one(sig) for sig in self._signals.values()))


def _main_value(sig: _Signal, reading: Reading) -> float | None:
    if reading.series:
        return sig.aggregate(s.value for s in reading.series)
    v = reading.value
    return None if v is None or isinstance(v, bool) else float(v)


def _source_event(message: str) -> Event:
    return Event(
        kind=EventKind.SOURCE,
        message=redact(message),
        severity=Severity.ERROR,
        author="cockpit:prometheus",
    )


async def check_queries(config: Any) -> list[str]:
    """Problems with the configured queries, asked of the live Prometheus.

    `config` is a LaunchConfig (its `prometheus` section is used) or a PrometheusConfig.
    Used by `cockpit validate --online`: a bad PromQL expression is reported with
    Prometheus's own error text; an unreachable server or a 401 is reported once.
    """
    cfg = getattr(config, "prometheus", config)
    if cfg is None:
        return []
    problems: list[str] = []
    try:
        client = client_from_config(cfg, retries=0)
    except Exception as exc:
        return [f"prometheus: {redact(str(exc))}"]
    async with client:
        for qname in cfg.queries:
            spec = cfg.query(qname)
            try:
                await client.query(spec.query)
                if spec.compare or cfg.compare:
                    offset = parse_duration(spec.compare or cfg.compare)
                    await client.query(spec.query, time=time.time() - offset)
            except PromError as exc:
                if exc.kind in ("unreachable", "auth", "timeout", "not_json", "http"):
                    problems.append(f"prometheus: {exc.message}")
                    break
                problems.append(f"prometheus.queries.{qname}: {exc.message}")
    return problems


__all__ = ["PrometheusSource", "check_queries", "client_from_config"]
