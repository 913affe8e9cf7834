"""The GPU source: one source, two readers (DCGM through Prometheus, or NVML on this host).

A reader only fetches per-GPU figures (`GpuStat`s) or raises `GpuReadError`. This
source does the rest, the same for both: utilization history for the sparklines,
the snapshot the pane draws (carried in the `gpu.count` reading's `detail`), the
gate signals, and XID events for the log. A failed read fails every GPU signal
with the same one-line reason, so gates over them are UNKNOWN and the pane shows
that line; nothing else in the app is touched.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from cockpit.model import Event, Reading, now
from cockpit.sources.gpu_model import (
    SIGNALS,
    UNITS,
    GpuReadError,
    GpuSnapshot,
    GpuStat,
    GpuView,
    Thresholds,
    UtilHistory,
    XidTracker,
    build_snapshot,
    gpu_view,
)
from cockpit.views import ViewContext

if TYPE_CHECKING:
    from cockpit.config import GpuConfig, LaunchConfig

# The reading whose `detail` holds the GpuSnapshot (or whose `error` says why there is none).
DETAIL_SIGNAL = "gpu.count"


class GpuReader(Protocol):
    kind: str

    async def start(self) -> None: ...

    async def read(self, time: float | None = None) -> list[GpuStat]: ...

    async def close(self) -> None: ...


class GpuSource:
    """Samples a reader and turns what it read into readings, a snapshot and XID events."""

    name = "gpu"

    def __init__(
        self,
        reader: GpuReader,
        *,
        interval: float = 5.0,
        stale_after: float | None = None,
        thresholds: Thresholds | None = None,
        history_points: int = 60,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.reader = reader
        self.interval = interval
        self.stale_after = stale_after if stale_after is not None else max(3 * interval, 15.0)
        self.thresholds = thresholds or Thresholds()
        self._clock = clock  # a fixed clock also fixes the time DCGM is queried at
        self._util = UtilHistory(history_points)
        # NVML XIDs arrive as events, each one news; DCGM's gauge holds the last code, so
        # what is already there at start is a baseline.
        self._xid = XidTracker(reader.kind, baseline=reader.kind != "nvml")
        self._events: list[Event] = []
        self._signal_history: dict[str, deque[tuple[float, float]]] = {
            s: deque(maxlen=history_points) for s in SIGNALS
        }
        self.snapshot: GpuSnapshot | None = None

    def view(self, ctx: ViewContext) -> GpuView:
        return gpu_view(ctx, DETAIL_SIGNAL)

    def signal_patterns(self) -> list[str]:
        return list(SIGNALS)

    def signal_unit(self, name: str) -> str | None:
        return UNITS.get(name)

    async def start(self) -> None:
        """Open the reader and fill the sparklines from history where the reader has it."""
        try:
            await self.reader.start()
        except GpuReadError:
            return  # the first sample reports it
        backfill = getattr(self.reader, "backfill", None)
        if backfill is None:
            return
        end = self._clock() if self._clock else now()
        span = self.interval * (self._util.points - 1)
        try:
            seeds = await backfill(end, span, self.interval)
        except Exception:  # history is a nicety: live samples fill it anyway
            return
        for key, values in seeds.items():
            self._util.seed(key, values)

    async def sample(self) -> list[Reading]:
        at = self._clock() if self._clock else now()
        try:
            gpus = await self.reader.read(at if self._clock else None)
        except GpuReadError as exc:
            return self._failed(str(exc), at)
        except Exception as exc:  # a reader bug must not take the app down: show it
            return self._failed(f"{self.reader.kind}: {type(exc).__name__}: {exc}", at)
        snap = build_snapshot(self.reader.kind, self._util.add(gpus), self.thresholds)
        self.snapshot = snap
        self._events.extend(self._xid.update(snap.gpus))
        readings = []
        for name, value in snap.signals().items():
            if value is not None:
                self._signal_history[name].append((at, value))
            readings.append(
                Reading(
                    source=self.name,
                    name=name,
                    value=value,
                    at=at,
                    unit=UNITS.get(name),
                    detail=snap if name == DETAIL_SIGNAL else None,
                )
            )
        return readings

    def _failed(self, error: str, at: float) -> list[Reading]:
        self.snapshot = None
        return [
            Reading(source=self.name, name=s, at=at, error=error, unit=UNITS.get(s))
            for s in SIGNALS
        ]

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def history(self, name: str) -> list[tuple[float, float]]:
        return list(self._signal_history.get(name, ()))

    async def close(self) -> None:
        await self.reader.close()


def thresholds_of(cfg: GpuConfig) -> Thresholds:
    return Thresholds(
        idle_below=cfg.idle_below,
        saturated_above=cfg.saturated_above,
        mem_saturated_above=cfg.mem_saturated_above,
    )


def build_gpu_source(config: LaunchConfig) -> GpuSource:
    """The GPU source the config's `gpu` section asks for."""
    cfg = config.gpu
    if cfg is None:
        raise ValueError("the launch config has no `gpu` section")
    reader: GpuReader
    if cfg.source == "nvml":
        from cockpit.sources.gpu_nvml import NvmlReader

        reader = NvmlReader()
    else:
        from cockpit.sources.gpu_dcgm import DcgmReader

        reader = DcgmReader.from_config(config)
    return GpuSource(
        reader,
        interval=cfg.every,
        stale_after=cfg.stale_after,
        thresholds=thresholds_of(cfg),
        history_points=cfg.history_points,
    )
