"""The built-in HTTP health checks (`http:` in the launch config): up, status, latency.

One row per check (source `http.NAME`); `options: {check: NAME}` in a layout shows
one check only. The border shows the worst state of the checks shown.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult

from cockpit.sources.http_view import HttpChecks, HttpView
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import (
    Changes,
    Pane,
    format_age_steps,
    status_text,
    steps_change_in,
)
from cockpit.ui.panes.table import CockpitTable, Row
from cockpit.ui.text import plain

if TYPE_CHECKING:
    from cockpit.engine import Engine

_RANK = {"error": 0, "stale": 1, "starting": 2, "live": 3}


@register_pane("http")
class HttpPane(Pane):
    TITLE = "HTTP checks"
    CONFIG_SECTION = "http"
    CONFIG_HINT = "e.g. `http: {api: {url: https://api.internal/healthz, every: 10s}}`"

    COLUMNS = [("", "mark"), ("Check", "check"), ("Status", "status"), ("Latency", "latency"),
               ("Age", "age"), ("Detail", "detail")]

    VIEW = HttpChecks

    def sources(self, engine: Engine) -> list[str]:
        only = self.options.get("check")
        return [n for n in engine.source_names() if n.startswith("http.")
                and (only is None or n == f"http.{only}")]

    def sample_sources(self) -> list[str]:
        return self.sources(self.engine)

    def is_configured(self, engine: Engine) -> bool:
        return bool(self.sources(engine))

    def wants(self, changes: Changes) -> bool:
        return changes.beyond_progress()  # ages move with the clock

    def compose_body(self) -> ComposeResult:
        yield CockpitTable(self.COLUMNS)

    def view_of(self, engine: Engine) -> HttpChecks:
        views = (engine.view(name) for name in self.sources(engine))
        return HttpChecks(tuple(v for v in views if isinstance(v, HttpView)))

    def show_status(self, view: HttpChecks) -> None:
        """The worst state of the checks shown, named when there are several."""
        worst: HttpView | None = None
        for check in view.checks:
            if worst is None or (_RANK.get(check.status.state, 2)
                                 < _RANK.get(worst.status.state, 2)):
                worst = check
        if worst is not None:
            text = status_text(worst.status)
            if len(view.checks) > 1 and _RANK.get(worst.status.state, 2) < 3:
                text = Text.assemble(plain(worst.source + " "), text)
            self.set_subtitle(text)

    def draw_key(self, view: HttpChecks) -> object:
        """What the rows show: each check's readings, state and age as the words shown."""
        return tuple((c.source, c.status.state, c.up, c.code, c.latency, c.reason,
                      format_age_steps(c.up.age(c.at)) if c.up is not None else "-")
                     for c in view.checks)

    def quiet_until(self, view: HttpChecks) -> float:
        """When an age word moves; a second on while a check is stale ("stale for 42s")."""
        soonest = math.inf
        for c in view.checks:
            if c.status.state == "stale":
                return c.at + 1.0
            if c.up is not None:
                soonest = min(soonest, c.at + steps_change_in(c.up.age(c.at)))
        return soonest

    def rows(self, view: HttpChecks) -> list[Row]:
        rows: list[Row] = []
        for check in view.checks:
            name, up, status, latency = check.source, check.up, check.code, check.latency
            if up is None:
                mark, word, style = "…", "waiting", "dim"
            elif up.error is not None:
                mark, word, style = "?", "unknown", "bold yellow"
            elif up.value:
                mark, word, style = "✔", "up", "green"
            else:
                mark, word, style = "✖", "DOWN", "bold red"
            if check.status.state == "stale":
                mark, word, style = "◌", f"stale ({word})", "bold yellow"
            code = f"{int(status.value)}" if status is not None and status.has_data else "-"
            lat = (f"{latency.value * 1000:.0f} ms" if latency is not None and latency.has_data
                   else "-")
            rows.append((name, (
                plain(mark, style), plain(name.removeprefix("http."), "bold"),
                plain(f"{word} {code}", style), plain(lat),
                plain(format_age_steps(up.age(check.at)) if up is not None else "-", "dim"),
                plain(check.reason, "dim" if up is None or up.error is None else "yellow"))))
        return rows

    def draw(self, view: HttpChecks) -> None:
        self.query_one(CockpitTable).show(self.rows(view))
