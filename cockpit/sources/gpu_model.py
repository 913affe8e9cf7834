"""GPU state as plain data: per-GPU rows, node groups, summaries, marks, signals, XID events.

Both GPU sources (DCGM through Prometheus, NVML on this host) turn what they read
into `GpuStat`s and hand them to `build_snapshot`; everything after that (grouping,
idle/saturated marks, gate signals, XID events) is this module, with no I/O, so the
same rules hold whichever source is configured and every rule is tested without a GPU.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from cockpit.model import Event, EventKind, Severity
from cockpit.views import View, ViewContext

# The signals a GPU source produces (names are the gates' vocabulary).
SIGNALS: tuple[str, ...] = (
    "gpu.count",
    "gpu.util_max",
    "gpu.util_avg",
    "gpu.mem_used_max",
    "gpu.temp_max",
    "gpu.power_total",
    "gpu.xid_errors",
    "gpu.idle",
    "gpu.saturated",
)

# Units shown next to each signal's value.
UNITS: Mapping[str, str] = {
    "gpu.count": "GPUs",
    "gpu.util_max": "ratio",
    "gpu.util_avg": "ratio",
    "gpu.mem_used_max": "ratio",
    "gpu.temp_max": "°C",
    "gpu.power_total": "W",
    "gpu.xid_errors": "GPUs",
    "gpu.idle": "GPUs",
    "gpu.saturated": "GPUs",
}


class GpuReadError(Exception):
    """A read of the GPUs failed; its message is what the pane shows, in one line."""


class Mark(enum.StrEnum):
    """How a GPU looks during a launch."""

    OK = "ok"
    IDLE = "idle"  # ~0% busy: traffic is probably not reaching it
    SATURATED = "saturated"  # compute or memory at the ceiling
    UNKNOWN = "unknown"  # no utilization figure


@dataclass(frozen=True)
class Thresholds:
    """Where a GPU counts as idle (util <= idle_below) or saturated (>= saturated_above)."""

    idle_below: float = 0.05
    saturated_above: float = 0.95
    mem_saturated_above: float = 0.95


@dataclass(frozen=True)
class GpuProcess:
    pid: int
    name: str
    mem_used: float | None = None  # bytes


@dataclass(frozen=True)
class GpuStat:
    """One GPU at one moment. Ratios are 0..1, memory in bytes, power in watts."""

    node: str
    gpu: str  # index on its node, as the exporter or NVML numbers it
    uuid: str = ""
    model: str = ""
    util: float | None = None
    mem_used: float | None = None
    mem_total: float | None = None
    temp: float | None = None
    power: float | None = None
    xid: int = 0  # last XID error code reported (0: none)
    pod: str = ""
    namespace: str = ""
    container: str = ""
    processes: tuple[GpuProcess, ...] = ()
    history: tuple[float, ...] = ()  # recent utilization ratios, oldest first
    mark: Mark = Mark.UNKNOWN

    @property
    def key(self) -> tuple[str, str]:
        return (self.node, self.gpu)

    @property
    def mem_ratio(self) -> float | None:
        if self.mem_used is None or not self.mem_total:
            return None
        return self.mem_used / self.mem_total

    @property
    def label(self) -> str:
        return f"{self.node}/{self.gpu}"


def mark_of(gpu: GpuStat, t: Thresholds) -> Mark:
    """Saturated (compute or memory at the ceiling) wins over idle: full memory is not idle."""
    mem = gpu.mem_ratio
    if gpu.util is None:
        return Mark.SATURATED if mem is not None and mem >= t.mem_saturated_above else Mark.UNKNOWN
    if gpu.util >= t.saturated_above or (mem is not None and mem >= t.mem_saturated_above):
        return Mark.SATURATED
    if gpu.util <= t.idle_below:
        return Mark.IDLE
    return Mark.OK


@dataclass(frozen=True)
class Summary:
    """Aggregates over a set of GPUs (a node, or all of them). None: no figure to take."""

    count: int
    util_avg: float | None
    util_max: float | None
    mem_used_max: float | None
    temp_max: float | None
    power_total: float | None
    idle: int
    saturated: int
    xid_errors: int

    def line(self) -> str:
        """One summary line, e.g. `8 GPUs · util avg 62% max 98% · mem max 71% · 1 idle`."""
        parts = [f"{self.count} GPU{'s' if self.count != 1 else ''}"]
        parts.append(f"util avg {_pct(self.util_avg)} max {_pct(self.util_max)}")
        parts.append(f"mem max {_pct(self.mem_used_max)}")
        if self.temp_max is not None:
            parts.append(f"{self.temp_max:.0f}°C max")
        if self.power_total is not None:
            parts.append(_watts(self.power_total))
        flags = []
        if self.idle:
            flags.append(f"{self.idle} idle")
        if self.saturated:
            flags.append(f"{self.saturated} saturated")
        if self.xid_errors:
            flags.append(f"{self.xid_errors} XID")
        if flags:
            parts.append(", ".join(flags))
        return " · ".join(parts)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def _watts(w: float) -> str:
    return f"{w / 1000:.1f} kW" if w >= 1000 else f"{w:.0f} W"


def summarize(gpus: Sequence[GpuStat]) -> Summary:
    utils = [g.util for g in gpus if g.util is not None]
    mems = [m for g in gpus if (m := g.mem_ratio) is not None]
    temps = [g.temp for g in gpus if g.temp is not None]
    powers = [g.power for g in gpus if g.power is not None]
    return Summary(
        count=len(gpus),
        util_avg=sum(utils) / len(utils) if utils else None,
        util_max=max(utils) if utils else None,
        mem_used_max=max(mems) if mems else None,
        temp_max=max(temps) if temps else None,
        power_total=sum(powers) if powers else None,
        idle=sum(1 for g in gpus if g.mark is Mark.IDLE),
        saturated=sum(1 for g in gpus if g.mark is Mark.SATURATED),
        xid_errors=sum(1 for g in gpus if g.xid),
    )


@dataclass(frozen=True)
class NodeGroup:
    node: str
    gpus: tuple[GpuStat, ...]
    summary: Summary


@dataclass(frozen=True)
class GpuSnapshot:
    """What a GPU pane draws: every GPU, grouped by node, with totals. Carried in `detail`."""

    source: str  # "dcgm" or "nvml"
    gpus: tuple[GpuStat, ...]
    nodes: tuple[NodeGroup, ...]
    total: Summary
    thresholds: Thresholds = field(default_factory=Thresholds)

    def signals(self) -> dict[str, float | None]:
        return signals_of(self.total)


def _gpu_order(g: GpuStat) -> tuple[str, int, str]:
    return (g.node, int(g.gpu) if g.gpu.isdigit() else 1 << 30, g.gpu)


def build_snapshot(
    source: str, gpus: Iterable[GpuStat], thresholds: Thresholds | None = None
) -> GpuSnapshot:
    """Mark each GPU, sort by node then index, group by node and summarize."""
    t = thresholds or Thresholds()
    marked = sorted((replace(g, mark=mark_of(g, t)) for g in gpus), key=_gpu_order)
    groups: dict[str, list[GpuStat]] = {}
    for g in marked:
        groups.setdefault(g.node, []).append(g)
    nodes = tuple(NodeGroup(n, tuple(gs), summarize(gs)) for n, gs in groups.items())
    return GpuSnapshot(source, tuple(marked), nodes, summarize(marked), t)


def signals_of(total: Summary) -> dict[str, float | None]:
    """Gate signals. With no GPU at all, only `gpu.count` (0) has a value: the rest are no data."""
    return {
        "gpu.count": float(total.count),
        "gpu.util_max": total.util_max,
        "gpu.util_avg": total.util_avg,
        "gpu.mem_used_max": total.mem_used_max,
        "gpu.temp_max": total.temp_max,
        "gpu.power_total": total.power_total,
        "gpu.xid_errors": float(total.xid_errors) if total.count else None,
        "gpu.idle": float(total.idle) if total.count else None,
        "gpu.saturated": float(total.saturated) if total.count else None,
    }


class XidTracker:
    """Turns XID codes seen per GPU into events: one per new or changed nonzero code.

    With `baseline` (DCGM: its gauge holds the last code for ever), the first look
    is a baseline: a code already there when the cockpit starts is counted in
    `gpu.xid_errors` but is not news. After that, a GPU whose code becomes nonzero
    or changes, or a GPU first seen with a code, writes one event.
    """

    def __init__(self, source: str, baseline: bool = True) -> None:
        self._source = source
        self._seen: dict[tuple[str, str], int] = {}
        self._baselined = not baseline

    def update(self, gpus: Iterable[GpuStat]) -> list[Event]:
        events: list[Event] = []
        for g in gpus:
            before = self._seen.get(g.key)
            self._seen[g.key] = g.xid
            if not g.xid or before == g.xid:
                continue
            if before is None and not self._baselined:
                continue
            events.append(xid_event(self._source, g, before))
        self._baselined = True
        return events


def xid_event(source: str, g: GpuStat, before: int | None) -> Event:
    where = f"{g.node} GPU {g.gpu}"
    if g.pod:
        where += f" (pod {g.namespace + '/' if g.namespace else ''}{g.pod})"
    return Event(
        kind=EventKind.GPU,
        message=f"XID {g.xid} on {where}",
        severity=Severity.ERROR,
        data={
            "source": source,
            "node": g.node,
            "gpu": g.gpu,
            "uuid": g.uuid,
            "xid": g.xid,
            "previous_xid": before or 0,
            "pod": g.pod,
            "namespace": g.namespace,
        },
    )


class UtilHistory:
    """A bounded utilization history per GPU, for the pane's sparklines."""

    def __init__(self, points: int = 60) -> None:
        self.points = max(1, points)
        self._data: dict[tuple[str, str], deque[float]] = {}

    def seed(self, key: tuple[str, str], values: Iterable[float]) -> None:
        self._data[key] = deque(values, maxlen=self.points)

    def add(self, gpus: Iterable[GpuStat]) -> list[GpuStat]:
        """Record each GPU's utilization and return the GPUs with their history attached."""
        out = []
        for g in gpus:
            buf = self._data.setdefault(g.key, deque(maxlen=self.points))
            if g.util is not None:
                buf.append(g.util)
            out.append(replace(g, history=tuple(buf)))
        return out


# ---------------------------------------------------------------- what the pane draws


@dataclass(frozen=True)
class GpuView(View):
    """The GPU pane's view: the latest snapshot, or why there is none."""

    snapshot: GpuSnapshot | None = None
    error: str | None = None  # the read failed: why
    reading_at: float | None = None  # when the snapshot was taken (None: nothing read yet)


def gpu_view(ctx: ViewContext, detail_signal: str) -> GpuView:
    """The view from the reading that carries the snapshot."""
    reading = ctx.readings.get(detail_signal)
    if reading is None:
        return GpuView(ctx.source, ctx.status, ctx.at)
    snap = reading.detail if isinstance(reading.detail, GpuSnapshot) else None
    return GpuView(ctx.source, ctx.status, ctx.at, snapshot=snap, error=reading.error,
                   reading_at=reading.at)
