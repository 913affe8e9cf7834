"""The built-in HTTP health checks (`http:` in the launch config): up, status, latency.

One row per check (source `http.NAME`); `options: {check: NAME}` in a layout shows
one check only. The border shows the worst state of the checks shown.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult

from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes, Pane, format_age_coarse, source_state_text
from cockpit.ui.panes.table import CockpitTable, Row
from cockpit.ui.text import plain

_RANK = {"error": 0, "stale": 1, "starting": 2, "live": 3}


@register_pane("http")
class HttpPane(Pane):
    TITLE = "HTTP checks"
    CONFIG_SECTION = "http"
    CONFIG_HINT = "e.g. `http: {api: {url: https://api.internal/healthz, every: 10s}}`"

    COLUMNS = [("", "mark"), ("Check", "check"), ("Status", "status"), ("Latency", "latency"),
               ("Age", "age"), ("Detail", "detail")]

    def sources(self, engine: Any) -> list[str]:
        only = self.options.get("check")
        names = [str(getattr(s, "name", "")) for s in getattr(engine, "sources", ()) or ()]
        return [n for n in names if n.startswith("http.")
                and (only is None or n == f"http.{only}")]

    def sample_sources(self) -> list[str]:
        return self.sources(self.engine)

    def is_configured(self, engine: Any) -> bool:
        return bool(self.sources(engine))

    def wants(self, changes: Changes) -> bool:
        return True  # ages move; a handful of rows

    def compose_body(self) -> ComposeResult:
        yield CockpitTable(self.COLUMNS)

    def refresh_border(self) -> None:
        if not self.configured:
            self.set_subtitle(plain("not configured", "dim"))
            return
        worst: tuple[int, str] | None = None
        for name in self.sources(self.engine):
            state = getattr(self.engine.source_status(name), "state", "starting")
            rank = _RANK.get(state, 2)
            if worst is None or rank < worst[0]:
                worst = (rank, name)
        if worst is not None:
            text = source_state_text(self.engine, worst[1])
            if len(self.sources(self.engine)) > 1 and worst[0] < 3:
                text = Text.assemble(plain(worst[1] + " "), text)
            self.set_subtitle(text)

    def rows(self, engine: Any) -> list[Row]:
        rows: list[Row] = []
        for name in self.sources(engine):
            up = engine.readings.get(f"{name}.up")
            status = engine.readings.get(f"{name}.status")
            latency = engine.readings.get(f"{name}.latency")
            st = engine.source_status(name)
            if up is None:
                mark, word, style = "…", "waiting", "dim"
            elif up.error is not None:
                mark, word, style = "?", "unknown", "bold yellow"
            elif up.value:
                mark, word, style = "✔", "up", "green"
            else:
                mark, word, style = "✖", "DOWN", "bold red"
            if st.state == "stale":
                mark, word, style = "◌", f"stale ({word})", "bold yellow"
            code = f"{int(status.value)}" if status is not None and status.has_data else "-"
            lat = (f"{latency.value * 1000:.0f} ms" if latency is not None and latency.has_data
                   else "-")
            detail = ""
            if up is not None:
                detail = up.error or str((up.detail or {}).get("reason", "") or "")
            rows.append((name, (
                plain(mark, style), plain(name.removeprefix("http."), "bold"),
                plain(f"{word} {code}", style), plain(lat),
                plain(format_age_coarse(up.age()) if up is not None else "-", "dim"),
                plain(detail, "dim" if up is None or up.error is None else "yellow"))))
        return rows

    def refresh_from(self, engine: Any) -> None:
        super().refresh_from(engine)
        self.query_one(CockpitTable).show(self.rows(engine))
