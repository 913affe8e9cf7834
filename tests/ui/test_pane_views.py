"""Every pane draws from its view alone: each test builds the view by hand and shows it
in an app that has no engine at all (a pane reaching past its view would fail here),
at 80x24 and 200x60."""

from __future__ import annotations

import datetime as dt

import pytest

from cockpit.model import Event, ItemState, Reading, Status, Verdict, VerdictKind
from cockpit.sources.http_view import HttpChecks, HttpView
from cockpit.ui.panes import load_panes
from cockpit.ui.panes.checklist import ChecklistPane
from cockpit.ui.panes.http import HttpPane
from cockpit.ui.panes.log import LogPane
from cockpit.ui.panes.verdict import VerdictPane
from cockpit.views import ChecklistRow, ChecklistView, LogView, SourceStatus, VerdictView
from tests.support.panes import PaneApp
from tests.support.ui import screen_text

SIZES = [(80, 24), (200, 60)]
NOW = 1_800_000_000.0


def test_every_pane_declares_the_view_it_draws() -> None:
    for name, cls in load_panes().items():
        assert isinstance(cls.VIEW, type), name
        draws = {"draw", "body_lines"} & {n for c in cls.__mro__[:-1] if c.__name__ not in
                                          ("Pane", "LinesPane") for n in vars(c)}
        assert draws, f"{name} pane draws nothing of its own (draw or body_lines)"


@pytest.mark.parametrize("size", SIZES)
async def test_http_pane_from_a_hand_made_view(size: tuple[int, int]) -> None:
    def reading(name: str, value: object, **kw: object) -> Reading:
        return Reading("http.api", f"http.api.{name}", value, NOW - 7, **kw)  # type: ignore[arg-type]

    api = HttpView("http.api", SourceStatus("live", age=7.0), NOW, up=reading("up", True),
                   code=reading("status", 200), latency=reading("latency", 0.042))
    down = HttpView("http.auth", SourceStatus("error", error="refused"), NOW,
                    up=Reading("http.auth", "http.auth.up", None, NOW - 3, error="refused"),
                    reason="refused")
    pane = HttpPane(id="http", configured=True)
    async with PaneApp(pane, HttpChecks((api, down))).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "api" in text and "up 200" in text and "42 ms" in text
    assert "auth" in text and "unknown" in text and "refused" in text
    assert "http.auth ✖ error: refused" in text  # the worst check, named, in the border


@pytest.mark.parametrize("size", SIZES)
async def test_checklist_pane_from_a_hand_made_view(size: tuple[int, int]) -> None:
    rows = (
        ChecklistRow("Before", "backups", "Backups restorable", 0, True, None, "dba",
                     ItemState("backups", Status.PASS, True, ticked_by="ann",
                               ticked_at=NOW - 60), None),
        ChecklistRow("Before", "errors", "Error rate low", 0, True, "error_rate < 1%", "sre",
                     ItemState("errors", Status.FAIL, True, detail="error_rate = 2%"), 12.0),
    )
    view = ChecklistView("Launch", (("Before", rows),), NOW)
    pane = ChecklistPane(id="checklist", configured=True)
    async with PaneApp(pane, view).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "Before" in text and "Backups restorable" in text and "ticked" in text
    assert "ann" in text and "FAIL" in text and "<1m" in text  # a 12 s old reading


@pytest.mark.parametrize("size", SIZES)
async def test_verdict_pane_from_a_hand_made_view(size: tuple[int, int]) -> None:
    failing = (ItemState("errors", Status.FAIL, True, detail="error_rate = 2%"),)
    view = VerdictView(Verdict(VerdictKind.NO_GO, failing, (), NOW), "asr v2.3 GA",
                       {"errors": "Error rate low"}, dt.datetime.fromtimestamp(NOW - 65, dt.UTC),
                       None, NOW, watchers=("ann", "bob"))
    pane = VerdictPane(id="verdict", configured=True)
    async with PaneApp(pane, view).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "NO-GO" in text and "asr v2.3 GA" in text
    assert "Error rate low (error_rate = 2%)" in text
    assert "T+1m since window opened" in text and "2 watching: ann" in text


@pytest.mark.parametrize("size", SIZES)
async def test_log_pane_from_a_hand_made_view(size: tuple[int, int]) -> None:
    events = tuple(Event("note", f"note number {i}", author="ann", at=NOW + i) for i in range(3))
    pane = LogPane(id="log", configured=True)
    async with PaneApp(pane, LogView(events)).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert text.index("note number 2") < text.index("note number 0")  # newest first


@pytest.mark.parametrize("size", SIZES)
async def test_signals_strip_from_hand_made_views(size: tuple[int, int]) -> None:
    from cockpit.sources.prom_view import SignalView, SloView
    from cockpit.ui.panes.signals import SignalsPane
    from cockpit.views import ReadingsView, SignalsView

    live = SourceStatus("live", age=4.0)

    def sig(name: str, value: float, unit: str) -> SignalView:
        r = Reading("prometheus", name, value, NOW - 4, unit=unit)
        return SignalView(name=name, reading=r, history=(), series_history={}, stale_after=15.0,
                          now=NOW)

    slo = SloView("prometheus", live, NOW, signals=(sig("error_rate", 0.02, "ratio"),
                                                   sig("p95_latency", 0.35, "seconds")))
    api = HttpView("http.api", live, NOW, up=Reading("http.api", "http.api.up", True, NOW - 2))
    down = HttpView("http.jobs", SourceStatus("error", error="refused"), NOW,
                    up=Reading("http.jobs", "http.jobs.up", False, NOW - 2))
    tcp = ReadingsView("tcp.redis", live, NOW, {"tcp.redis.up": Reading(
        "tcp.redis", "tcp.redis.up", True, NOW - 30)})
    view = SignalsView((slo, api, down, tcp))
    pane = SignalsPane(id="signals", configured=True)
    async with PaneApp(pane, view).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    slo_line = next(line for line in text.splitlines() if "SLO" in line)
    assert "● SLO" in slo_line and "error rate 2.00%" in slo_line
    assert "p95 latency 350 ms" in slo_line and "<10s" in slo_line  # 4 s old
    checks = next(line for line in text.splitlines() if "checks" in line)
    assert "✖ checks" in checks  # the worst state of the line
    assert "http 1/2 up (jobs DOWN)" in checks and "tcp 1/1 up" in checks
    assert "30s" in checks  # the oldest figure's age
