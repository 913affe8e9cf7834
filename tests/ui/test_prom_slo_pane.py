"""The SLO pane under Textual's Pilot at 80x24 and 200x60, fed by the real source and
engine from a real Prometheus holding known data (2% errors, p95 350 ms, +40% vs a day
ago), evaluated at a fixed time. The text asserted is what the widget rendered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from cockpit.checklist import load_checklist
from cockpit.config import LaunchConfig
from cockpit.engine import Engine, SourceStatus
from cockpit.model import Reading, Series, VerdictKind
from cockpit.sources.prom_view import SignalView, SloView
from cockpit.sources.prometheus import PrometheusSource
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.panes import pane_class
from cockpit.ui.panes.slo import SloPane, compare_text, format_value
from cockpit.ui.spark import timeline
from tests.integration import prom_data as d
from tests.support.panes import PaneApp as HandApp
from tests.support.prom import PromServer, prometheus_server

CHECKLIST = """\
title: SLO
sections:
  - title: Service level
    items:
      - {id: errors, text: Error rate below 5%, auto: "error_rate < 5%"}
      - {id: latency, text: p95 below 500 ms, auto: "p95_latency < 500ms"}
"""


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):
    with prometheus_server(d.slo_dataset(), tmp_path_factory.mktemp("prom-ui")) as server:
        yield server


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_engine(tmp_path: Path, url: str, clock: Clock, broken: bool = False) -> Engine:
    checklist = tmp_path / "checklist.yaml"
    checklist.write_text(CHECKLIST)
    queries: dict = {
        "error_rate": {
            "query": d.ERROR_RATE,
            "unit": "ratio",
            "warn": 0.01,
            "fail": 0.05,
            "compare": "1d",
        },
        "error_rate_by_version": {
            "query": d.ERROR_RATE_BY_VERSION,
            "unit": "ratio",
            "warn": 0.02,
            "fail": 0.05,
        },
        "p95_latency": {
            "query": d.P95,
            "unit": "seconds",
            "warn": 0.3,
            "fail": 0.5,
            "compare": "1d",
        },
        "request_rate": {"query": d.REQUEST_RATE, "unit": "rate"},
        "active_streams": {"query": d.ACTIVE_STREAMS, "unit": "count"},
    }
    if broken:
        queries["broken"] = "sum(rate(x[5m]"
    config = LaunchConfig.model_validate(
        {
            "launch": "ui test",
            "checklist": str(checklist),
            "prometheus": {"url": url, "every": "5s", "retries": 0, "queries": queries},
        }
    )
    assert config.prometheus is not None
    source = PrometheusSource(config.prometheus, clock=clock)
    return Engine(
        config,
        SqliteStore(tmp_path / "events.db"),
        sources=[source],
        checklist=load_checklist(config.checklist),
        clock=clock,
    )


class PaneApp(App[None]):
    def __init__(self, engine: object) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        yield SloPane(id="slo")

    def on_mount(self) -> None:
        self.query_one(SloPane).refresh_from(self.engine)


def screen_lines(app: App) -> list[str]:
    body = app.query_one("#slo-body", Static)
    w, h = body.size
    return [strip.text.rstrip() for strip in body.render_lines(Region(0, 0, w, h))]


def line_of(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert found, f"no line starting {start!r} in:\n" + "\n".join(lines)
    return found[0]


def test_registered_as_slo() -> None:
    assert pane_class("slo") is SloPane


def test_units_and_comparison() -> None:
    assert format_value(0.02, "ratio") == "2.00%"
    assert format_value(0.125, "ratio") == "12.5%"
    assert format_value(0.35, "seconds") == "350 ms"
    assert format_value(0.0042, "seconds") == "4.2 ms"
    assert format_value(2.5, "seconds") == "2.50 s"
    assert format_value(10.0, "rate") == "10.0/s"
    assert format_value(42.0, "count") == "42"
    assert format_value(None, "ratio") == "no data"  # never 0
    assert compare_text(0.35, {"offset": "1d", "value": 0.25}).plain == "+40% vs yesterday"
    assert compare_text(0.2, {"offset": "7d", "value": 0.25}).plain == "-20% vs last week"
    assert compare_text(0.2, {"offset": "2h", "value": None}).plain == "n/a vs 2h ago"
    assert compare_text(0.2, None) is None


def test_sparkline_slots_scale_and_gaps() -> None:
    points = [(float(t), t / 100) for t in range(0, 100, 10)]
    assert timeline(points, 10, end=100, window=100) == "▁▁▂▃▄▅▆▇██"
    # scaled to the fail threshold when it is above the peak: a low flat line sits low
    assert timeline([(50.0, 0.02), (60.0, 0.02)], 4, 100, 100, ceiling=0.05) == "  ▄ "
    assert timeline([], 5, 100, 100) == "     "  # no data is blank, not zero


def test_sparkline_slots_are_fixed_in_time() -> None:
    """The slots end on whole slots: drawn a second later, with no new point, the line
    is the same (it moved a little every second: a repaint of the pane each second);
    it moves when a slot ends."""
    points = [(float(t), 1.0 if t == 40 else 0.1) for t in range(0, 100, 5)]
    drawn = timeline(points, 10, end=91, window=100)
    assert drawn == "▁▁▁▁█▁▁▁▁▁"
    assert all(timeline(points, 10, end=91 + s, window=100) == drawn for s in range(9))
    assert timeline(points, 10, end=101, window=100) == "▁▁▁█▁▁▁▁▁ "
    # a point in the middle changed (same length, same first and last): drawn afresh
    assert timeline([*points[:6], (30.0, 0.5), *points[7:]], 10, end=91, window=100) == (
        "▁▁▁▅█▁▁▁▁▁")


async def test_pane_at_80x24_fixed_time(prom: PromServer, tmp_path: Path) -> None:
    clock = Clock(float(d.T0))
    engine = make_engine(tmp_path, prom.url, clock)
    source = engine.sources[0]
    try:
        await source.start()  # 30 min of history for the sparklines
        await engine.sample_now("prometheus")
        assert engine.verdict.kind is VerdictKind.GO
        app = PaneApp(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            lines = screen_lines(app)
            subtitle = str(app.query_one(SloPane).border_subtitle)
    finally:
        await source.close()
    assert all(len(line) <= 76 for line in lines)
    er = line_of(lines, "error rate ")
    assert "2.00%" in er and "±0% vs yesterday" in er
    p95 = line_of(lines, "p95 latency")
    assert "350 ms" in p95 and "+40% vs yesterday" in p95
    # 30 min of history from the first frame: 350 ms against the 500 ms fail line is "▆"
    spark = p95.split("350 ms", 1)[1].split()[0]
    assert len(spark) >= 20 and set(spark) == {"▆"}
    by_version = line_of(lines, "error rate by vers")
    assert "max 4.00%" in by_version
    assert "1.00%" in line_of(lines, "  v2.2")
    assert "4.00%" in line_of(lines, "  v2.3")
    assert "10.0/s" in line_of(lines, "request rate")
    assert line_of(lines, "active streams").split()[2] == "42"
    assert "live" in subtitle


async def test_pane_at_200x60_shows_thresholds(prom: PromServer, tmp_path: Path) -> None:
    clock = Clock(float(d.T0))
    engine = make_engine(tmp_path, prom.url, clock, broken=True)
    source = engine.sources[0]
    try:
        await source.start()
        await engine.sample_now("prometheus")
        app = PaneApp(engine)
        async with app.run_test(size=(200, 60)) as pilot:
            await pilot.pause()
            lines = screen_lines(app)
            pane = app.query_one(SloPane)
            width = app.query_one("#slo-body", Static).size.width
            styles = {span.style for line in pane.lines for span in line.spans}
    finally:
        await source.close()
    assert width == 196
    er = line_of(lines, "error rate ")
    assert "warn 1% · fail 5%" in er
    p95 = line_of(lines, "p95 latency")
    assert "warn 300 ms · fail 500 ms" in p95 and "+40% vs yesterday" in p95
    # 30 minutes of flat 350 ms history: 60 cells, all the same height, no gaps
    spark = p95.split("350 ms", 1)[1].strip().split(" ")[0]
    assert len(spark) == 60 and len(set(spark)) == 1
    broken = line_of(lines, "broken")
    assert "✖" in broken and "parse error" in broken  # Prometheus's own words
    assert "bold yellow" in styles  # 2% is past warn (1%): yellow, not green
    assert "bold red" in styles  # the failed query's ✖


async def test_outage_then_stale_then_back(tmp_path: Path) -> None:
    with prometheus_server(d.slo_dataset(), tmp_path / "prom") as server:
        clock = Clock(float(d.T0 - 10))
        engine = make_engine(tmp_path, server.url, clock)
        source = engine.sources[0]
        app = PaneApp(engine)
        try:
            await engine.sample_now("prometheus")
            async with app.run_test(size=(80, 24)) as pilot:
                pane = app.query_one(SloPane)

                server.stop()
                clock.t = float(d.T0)
                await engine.sample_now("prometheus")
                pane.refresh_from(engine)
                await pilot.pause()
                lines = screen_lines(app)
                er = line_of(lines, "error rate ")
                assert "✖ cannot reach" in er
                assert "error" in str(pane.border_subtitle)
                assert engine.verdict.kind is VerdictKind.HOLD

                server.start()
                await engine.sample_now("prometheus")
                clock.t += 30  # no sample for 30 s: stale, with its age
                pane.refresh_from(engine)
                await pilot.pause()
                er = line_of(screen_lines(app), "error rate ")
                assert "◌ 30s old" in er and "2.00%" in er

                await engine.sample_now("prometheus")
                pane.refresh_from(engine)
                await pilot.pause()
                er = line_of(screen_lines(app), "error rate ")
                assert "old" not in er and "2.00%" in er
                assert "live" in str(pane.border_subtitle)
        finally:
            await source.close()


def hand_view(readings: list[Reading]) -> SloView:
    """An SLO view made by hand (hostile labels): no engine, no source."""
    return SloView("prometheus", SourceStatus("live", age=1.0), 1000.0, signals=tuple(
        SignalView(name=r.name, reading=r, history=(), series_history={}, stale_after=15.0,
                   now=1000.0) for r in readings))


async def test_labels_and_errors_are_plain_text() -> None:
    hostile = "[@click=app.quit]x[/]"
    readings = [
        Reading(
            "prometheus",
            "error_rate",
            None,
            1000.0,
            series=(Series({"version": hostile}, 0.5), Series({"version": "[red]"}, 0.1)),
            unit="ratio",
            detail={"fail": 0.05},
        ),
        Reading("prometheus", "p95", None, 1000.0, error="bad [bold]query[/]", unit="seconds"),
        Reading("prometheus", "empty", None, 1000.0, unit="ratio", detail={}),
    ]
    app = HandApp(SloPane(id="slo", configured=True), hand_view(readings))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
    assert any(hostile in line for line in lines)
    assert any("[red]" in line for line in lines)
    assert "bad [bold]query[/]" in line_of(lines, "p95")
    assert "no data" in line_of(lines, "empty")
