"""The status bar at the bottom of the screen: whole key hints on the left (those that
do not fit are left out: they are in `?` and the palette), the layout, the clock and the
PAUSED mark on the right."""

from __future__ import annotations

import time

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from cockpit.ui.keys import hint_list
from cockpit.ui.panes.base import update_if_changed
from cockpit.ui.text import plain


def clock(at: float | None = None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(time.time() if at is None else at))



class KeyHints(Static):
    """The status bar's hints, only whole ones: those that do not fit are left out (they
    are in `?` and the palette), never one cut to `::comman` or a bare `l`."""

    _all: tuple[str, ...] = ()

    def show(self, hints: list[str]) -> None:
        self._all = tuple(hints)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width, shown = self.size.width, " ".join(self._all)
        if width and cell_len(shown) > width:
            shown = ""
            for hint in self._all:
                wider = f"{shown} {hint}" if shown else hint
                if cell_len(wider) > width:
                    break
                shown = wider
        update_if_changed(self, plain(shown))


class StatusBar(Horizontal):
    """Bottom line: key hints on the left; layout, clock, PAUSED mark on the right."""

    DEFAULT_CSS = """
    StatusBar { dock: bottom; height: 1; background: $panel; }
    StatusBar #keys { width: 1fr; color: $text-muted; text-wrap: nowrap; text-overflow: clip; }
    StatusBar #state { width: auto; padding: 0 1; }
    StatusBar #state.paused { background: $warning; color: $background; text-style: bold; }
    """

    _state: Static | None = None

    def compose(self) -> ComposeResult:
        yield KeyHints("", id="keys")
        yield Static("", id="state")

    def show_keys(self) -> None:
        """The active bindings' hints (they change with the focused pane and a keymap)."""
        found = self.query("#keys")
        if found and self.is_attached:
            found.first(KeyHints).show(hint_list(self.screen))

    def show(self, layout: str, paused_at: float | None, keys: bool = True) -> None:
        """The layout, clock and PAUSED mark; the key hints too when `keys` (they change
        only with focus, the screen or the layout: computing them is most of this)."""
        state = self._state
        if state is None or not state.is_attached:
            found = self.query("#state")
            if not found:
                return  # shutting down
            state = self._state = found.first(Static)  # found once: a query each pass
        if keys:
            self.show_keys()
        if paused_at is not None:
            update_if_changed(state, plain(f"⏸ PAUSED at {clock(paused_at)} · p resumes"))
            state.add_class("paused")
        else:
            # minutes only: the verdict pane ticks the seconds; two clocks at the top and
            # the bottom would make every second's repaint span the whole screen
            update_if_changed(state, plain(f"layout {layout} · {clock()[:5]}"))
            state.remove_class("paused")
