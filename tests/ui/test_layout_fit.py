"""The screen fits the terminal: no layout asked for picks one by size (compact below
120x35) and follows resizes across that line until the operator picks one; the launch
layout's checklist shows its State words whole."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.app import CockpitApp
from tests.support.ui import CHECKLIST, focus_pane, layouts, make_engine, pane_text, settle


async def test_no_layout_picks_by_size_and_follows_resizes(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts(), start_engine=False)  # no layout: by size
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.layout_name == "compact"
        assert "Signals" in pane_text(app, "signals")
        await pilot.resize_terminal(200, 60)
        await settle(pilot)
        assert app.layout_name == "launch"
        await pilot.resize_terminal(119, 60)  # narrower than the line: compact again
        await settle(pilot)
        assert app.layout_name == "compact"
        await pilot.press("l")  # the operator picks one: resizes no longer switch
        await settle(pilot)
        picked = app.layout_name
        assert picked != "compact"
        await pilot.resize_terminal(200, 60)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.layout_name == picked


async def test_a_layout_first_shown_by_a_resize_is_drawn_at_once(tmp_path: Path) -> None:
    """The launch layout is mounted the first time the terminal grows; its panes are drawn
    as soon as they are there, not at the clock's next pass (the HTTP pane stayed empty
    for seconds in `make demo` when tmux grew to 200x60)."""
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts(), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.layout_name == "compact"
        await pilot.resize_terminal(200, 60)
        for _ in range(3):  # no refresh_now (settle's), no clock: only the switch itself
            await pilot.pause()
        assert app.layout_name == "launch"
        shown = pane_text(app, "checklist")
        assert "Backups restorable" in shown and "API answers" in shown


async def test_a_layout_asked_for_stays_whatever_the_size(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts(), layout="launch", start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.layout_name == "launch"


async def test_launch_at_200x60_shows_the_state_words_whole(tmp_path: Path) -> None:
    long = CHECKLIST.replace("Backups restorable", "Backups restorable from the object store "
                             "and verified by a restore drill last week")
    engine, _ = make_engine(tmp_path, checklist=long)
    engine.tick("backups", "restore drill passed on the staging copy, see the runbook")
    app = CockpitApp(engine, layouts("launch"), layout="launch", start_engine=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        text = pane_text(app, "checklist")
        await focus_pane(pilot, "checklist")
    rows = {line.split("│")[1] for line in text.splitlines() if "│" in line}
    backups = next(r for r in rows if "Backups" in r)
    assert "ticked — restore" in backups  # the state's word, and then its comment
    api = next(r for r in rows if "API answers" in r)
    assert "⚙ unknown" in api  # an auto item with no reading yet
    comms = next(r for r in rows if "Users told" in r)
    assert "to do" in comms
    assert "Before the window" in text  # a section title stays readable
