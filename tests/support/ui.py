"""Helpers for the screen's tests: a real Engine on a SqliteStore with fake sources,
and the text of the screen as the terminal would show it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from cockpit.engine import Engine
from cockpit.launch import build
from cockpit.layout import LAYOUT_DIR, Layout, load_layout
from cockpit.model import Reading, now
from cockpit.sources.http_view import HttpView, http_view
from cockpit.views import ViewContext

CHECKLIST = """\
title: Test launch
sections:
  - title: Before the window
    items:
      - {id: backups, text: Backups restorable, owner: dba}
      - {id: comms, text: Users told, owner: comms}
      - {id: retro, text: Retro booked, owner: captain, required: false}
  - title: Live signals
    items:
      - {id: api-up, text: API answers, auto: "http.api.up == true", owner: sre}
"""

CONFIG = """\
launch: asr v2.3 GA
checklist: checklist.yaml
store: {store}
http:
  api: {{url: "http://127.0.0.1:9/healthz", every: 1h}}
"""


class FakeSource:
    """A source the test drives: `sample()` returns what was last `set()`."""

    def __init__(self, name: str = "http.api", signals: tuple[str, ...] = ("http.api.up",),
                 interval: float = 3600.0, stale_after: float = 3600.0) -> None:
        self.name = name
        self.interval = interval
        self.stale_after = stale_after
        self.signals = signals
        self.next: list[Reading] = []

    def signal_patterns(self) -> list[str]:
        return [*self.signals, f"{self.name}.status", f"{self.name}.latency"]

    def view(self, ctx: ViewContext) -> HttpView:
        return http_view(ctx)  # it stands in for an HTTP check

    def set(self, *readings: Reading) -> None:
        self.next = list(readings)

    async def sample(self) -> list[Reading]:
        return list(self.next)

    async def close(self) -> None:
        pass


def write_launch(tmp: Path, checklist: str = CHECKLIST) -> Path:
    (tmp / "checklist.yaml").write_text(checklist)
    path = tmp / "launch.yaml"
    path.write_text(CONFIG.format(store=tmp / "events.db"))
    return path


def make_engine(tmp: Path, source: FakeSource | None = None,
                checklist: str = CHECKLIST) -> tuple[Engine, FakeSource]:
    """A real Engine (built by `cockpit.launch.build`, as every command builds one) on
    the SQLite event log in `tmp`, with one driven fake source."""
    config_path = tmp / "launch.yaml"
    if not config_path.exists():
        write_launch(tmp, checklist)
    source = source or FakeSource()
    launch = build(config_path, sources=[source], validate_signals=False)  # as every command
    return launch.engine, source


def up(value: bool = True, name: str = "http.api.up", source: str = "http.api",
       **kw: Any) -> Reading:
    return Reading(source, name, value, now(), **kw)


def layouts(*names: str) -> list[Layout]:
    names = names or ("compact", "launch", "watch")
    return [load_layout(LAYOUT_DIR / f"{n}.yaml") for n in names]


def screen_text(app: Any) -> str:
    """The current screen as lines of text (what the terminal shows, without colour)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def dedent(s: str) -> str:
    return textwrap.dedent(s)


async def settle(pilot: Any) -> None:
    """Let the app apply what is pending (workers, the coalesced repaint)."""
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    if app.paused_at is None:
        app.refresh_now()
    await pilot.pause()


async def type_text(pilot: Any, text: str) -> None:
    keys = []
    for ch in text:
        keys.append({" ": "space", "\n": "enter", "/": "slash", "?": "question_mark",
                     ":": "colon", "[": "left_square_bracket",
                     "]": "right_square_bracket", "@": "at", "=": "equals_sign",
                     ".": "full_stop", "-": "minus"}.get(ch, ch))
    await pilot.press(*keys)


async def focus_pane(pilot: Any, pane_type: str, tries: int = 8) -> Any:
    """Tab until a widget inside a pane of `pane_type` has focus; returns the pane."""
    app = pilot.app
    for _ in range(tries):
        pane = app.focused_pane()
        if pane is not None and pane.PANE_TYPE == pane_type:
            return pane
        await pilot.press("tab")
    raise AssertionError(f"no {pane_type} pane took focus")


async def cursor_to(pilot: Any, pane: Any, key: str) -> None:
    """Move a list pane's cursor onto row `key` with j/k only."""
    table = pane.table
    target = table.row_keys.index(key)
    while table.cursor_row != target:
        await pilot.press("j" if table.cursor_row < target else "k")


def pane_text(app: Any, pane_type: str) -> str:
    """The screen text inside the (first visible) pane of `pane_type`."""
    lines = screen_text(app).split("\n")
    for pane in app.current_panes():
        if pane.PANE_TYPE == pane_type:
            r = pane.region
            return "\n".join(line[r.x:r.x + r.width] for line in lines[r.y:r.y + r.height])
    raise AssertionError(f"no {pane_type} pane on screen")
