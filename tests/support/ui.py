"""Helpers for the screen's tests: a real Engine on a SqliteStore with fake sources,
and the text of the screen as the terminal would show it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.layout import LAYOUT_DIR, Layout, load_layout
from cockpit.model import Reading, now
from cockpit.store.sqlite import SqliteStore

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
    """A real Engine on a SqliteStore in `tmp`, with one driven fake source."""
    config_path = tmp / "launch.yaml"
    if not config_path.exists():
        write_launch(tmp, checklist)
    config = load_config(config_path)
    source = source or FakeSource()
    engine = Engine(config, SqliteStore(tmp / "events.db"), [source])
    return engine, source


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
