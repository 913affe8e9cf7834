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
        assert "draw" in vars(cls), f"{name} pane has no draw(view) of its own"


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
    assert "T+00:01:05" in text and "2 watching: ann" in text


@pytest.mark.parametrize("size", SIZES)
async def test_log_pane_from_a_hand_made_view(size: tuple[int, int]) -> None:
    events = tuple(Event("note", f"note number {i}", author="ann", at=NOW + i) for i in range(3))
    pane = LogPane(id="log", configured=True)
    async with PaneApp(pane, LogView(events)).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert text.index("note number 2") < text.index("note number 0")  # newest first
