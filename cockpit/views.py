"""What a pane draws: one immutable, typed view per source (and per engine part).

The one path from a source to the screen: a source samples readings; the engine
keeps them with their ages; `engine.view(source)` asks the source for its view, built
from what the engine holds (`ViewContext`) and what only the source knows (a KubeView,
a GPU snapshot, the probe's progress). A pane declares the view type it draws
(`VIEW`) and reads nothing else, so a pane test builds a view by hand, no engine.

The view types live beside their sources (`PodsView` in `sources/kube/view.py`,
`GpuView` in `sources/gpu_model.py`, `AsrView` in `sources/asr/result.py`, `SloView`
in `sources/prom_view.py`, `HttpView` in `sources/http.py`); the ones of the engine's
own parts (checklist, verdict, log) are here. No Textual, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cockpit.model import Event, ItemState, Reading, Verdict


@dataclass(frozen=True)
class SourceStatus:
    """A source's health as a pane shows it in its border."""

    state: str  # "starting" | "live" | "stale" | "error"
    age: float | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.state == "live":
            return "live"
        if self.state == "stale":
            return f"stale for {self.age:.0f}s" if self.age is not None else "stale"
        if self.state == "error":
            return f"error: {self.error}"
        return "starting"


@dataclass(frozen=True)
class View:
    """The base of every source's view: which source, its health, and when (the engine's
    clock when the view was taken: ages are `at - reading.at`)."""

    source: str
    status: SourceStatus
    at: float


@dataclass(frozen=True)
class ReadingsView(View):
    """The view of a source without its own type: its latest readings by signal name."""

    readings: Mapping[str, Reading] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewContext:
    """What the engine holds of one source, handed to `source.view(ctx)`; a view starts
    with its first three fields: `SomeView(ctx.source, ctx.status, ctx.at, ...)`."""

    source: str
    status: SourceStatus
    at: float
    readings: Mapping[str, Reading]  # this source's, by signal name
    history: Callable[[str], Sequence[tuple[float, float]]]  # the engine's, per signal


# ---------------------------------------------------------------- the engine's own parts


@dataclass(frozen=True)
class ChecklistRow:
    """One checklist item with its state and the age of its live signals (auto items)."""

    section: str
    item_id: str
    text: str
    depth: int
    required: bool
    auto: str | None
    owner: str | None
    state: ItemState | None
    age: float | None


@dataclass(frozen=True)
class ChecklistView:
    """The checklist as the pane draws it: sections in order, items with their state."""

    title: str
    sections: tuple[tuple[str, tuple[ChecklistRow, ...]], ...]
    at: float


@dataclass(frozen=True)
class VerdictView:
    """The verdict with what its pane shows around it."""

    verdict: Verdict
    launch: str
    item_names: Mapping[str, str]  # item id -> its text, to name the reasons
    window_opens: dt.datetime | None
    started_at: float | None
    at: float
    watchers: tuple[str, ...] = ()  # who watches this launch ("alice (captain)", ...)
    team_status: str = ""  # the shared log's state when it is not plainly live
    release: str = ""  # what runs, from the release source: "running 2.4.0 (rev 5, deployed)"


@dataclass(frozen=True)
class LogView:
    """The newest events of the log, oldest first (the app's bounded buffer)."""

    events: tuple[Event, ...]


@dataclass(frozen=True)
class SignalsView:
    """Every source's view, for the signals strip (one line per source)."""

    views: tuple[View, ...]
