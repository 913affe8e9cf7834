"""One pane on a Pilot screen, drawn from a view built by hand: no engine.

A pane reads nothing but its view (`cockpit/views.py`), so its tests make the view
(often with the real source's `view(ctx)` over readings it really produced) and call
`pane.show(view)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from cockpit.model import Reading
from cockpit.ui.panes.base import Pane
from cockpit.views import SourceStatus, ViewContext


def context(source: str, readings: Iterable[Reading], *, at: float, state: str = "live",
            age: float | None = 1.0,
            history: Callable[[str], Sequence[tuple[float, float]]] = lambda name: (),
            ) -> ViewContext:
    """What the engine would hand `source.view(ctx)`: readings, status, clock, history."""
    return ViewContext(source, SourceStatus(state, age=age), at,
                       {r.name: r for r in readings}, history)


class PaneApp(App[None]):
    """`pane` alone (or in a crowded 2x2 grid), showing `view` once mounted."""

    CSS = "#grid { grid-size: 2 2; }"

    def __init__(self, pane: Pane, view: object, panes: int = 1) -> None:
        super().__init__()
        self.pane = pane
        self.view = view
        self.panes = panes

    def compose(self) -> ComposeResult:
        if self.panes == 1:
            yield self.pane
            return
        with Grid(id="grid"):
            yield self.pane
            for i in range(self.panes - 1):
                yield Static(f"other {i}")

    def on_mount(self) -> None:
        self.pane.show(self.view)
        self.call_after_refresh(self.pane.redraw)  # again at its laid-out size
