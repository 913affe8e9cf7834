"""The SLO pane's view of the Prometheus source: one `SignalView` per query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.model import Reading
from cockpit.views import View

DEFAULT_WINDOW = 1800.0


@dataclass(frozen=True)
class SignalView:
    """What the SLO pane needs of one signal: its reading, history and staleness bound."""

    name: str
    reading: Reading | None
    history: Sequence[tuple[float, float]]
    series_history: Mapping[str, Sequence[tuple[float, float]]]
    stale_after: float | None
    now: float
    window: float = DEFAULT_WINDOW

    @property
    def detail(self) -> Mapping[str, Any]:
        d = self.reading.detail if self.reading is not None else None
        return d if isinstance(d, Mapping) else {}

    @property
    def unit(self) -> str | None:
        return self.reading.unit if self.reading is not None else None

    @property
    def below(self) -> bool:
        return self.detail.get("direction") == "below"

    @property
    def stale_age(self) -> float | None:
        """Age of the reading when it is past the source's staleness bound, else None."""
        if self.reading is None or self.stale_after is None:
            return None
        age = self.reading.age(self.now)
        return age if age > self.stale_after else None

    def main_value(self) -> float | None:
        r = self.reading
        if r is None or r.error is not None:
            return None
        if r.series and len(r.series) > 1:
            vals = [s.value for s in r.series if s.value is not None]
            if not vals:
                return None
            return min(vals) if self.below else max(vals)
        v = r.value
        return None if v is None or isinstance(v, bool) else float(v)


@dataclass(frozen=True)
class SloView(View):
    """Every query of the source, in config order."""

    signals: tuple[SignalView, ...] = ()
    alerts: Any = None  # the alerts source's AlertsView, when one is configured
