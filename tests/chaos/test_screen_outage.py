"""On the screen: Prometheus stopped while the app runs (the real binary, the real
Textual app at 80x24 and 200x60): the app keeps running, the SLO pane's border says
what is wrong, the verdict pane is not GO, and both recover when it is back."""

from __future__ import annotations

import asyncio
import time

import pytest

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.layout import parse_layout
from cockpit.model import VerdictKind
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.launch import write_launch
from tests.support.ui import layouts, pane_text, screen_text, settle

SMALL = """
name: small
columns: [1fr]
rows: [7, 1fr]
panes:
  - {type: verdict, row: 0, col: 0}
  - {type: slo, row: 1, col: 0}
"""

CHECKLIST = ("title: t\nsections:\n  - title: s\n    items:\n"
             "      - {id: errors, text: Error rate below 1%, auto: 'error_rate < 1%'}\n")


async def wait_screen(pilot, predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what}\n{screen_text(pilot.app)}")
        await asyncio.sleep(0.1)
        await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_prometheus_outage_on_the_screen(tmp_path, size):
    from tests.support.prom import OpenMetrics, prometheus_server

    data = OpenMetrics().family("up", "gauge").sample("up", {"job": "x"}, 1, 1_700_000_000).text()
    with prometheus_server(data, tmp_path / "prom") as prom:
        config = load_config(write_launch(tmp_path, CHECKLIST, f"""\
            prometheus:
              url: {prom.url}
              every: 0.3s
              timeout: 1s
              stale_after: 2s
              retries: 0
              queries: {{error_rate: {{query: "vector(0.001)", unit: ratio}}}}
            """))
        engine = Engine(config, SqliteStore(config.store_path()), author="chaos@test")
        shown = [parse_layout(SMALL)] if size == (80, 24) else layouts("launch")
        app = CockpitApp(engine, shown, layout=shown[0].name)
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, lambda: engine.verdict.kind == VerdictKind.GO
                              and "GO" in pane_text(app, "verdict"), 20, "GO at first")
            prom.stop()
            await wait_screen(pilot, lambda: "cannot reach" in pane_text(app, "slo")
                              and engine.verdict.kind == VerdictKind.HOLD
                              and "HOLD" in pane_text(app, "verdict"), 20, "the outage shown")
            assert "\x1b" not in screen_text(app) and app.is_running
            prom.start()
            await wait_screen(pilot, lambda: "live" in pane_text(app, "slo")
                              and engine.verdict.kind == VerdictKind.GO, 20, "back by itself")
            assert app.is_running
