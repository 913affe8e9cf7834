"""The cockpit screen driven by keys, for every layout at 80x24 and 200x60, on a real
Engine (SqliteStore in tmp_path, fake sources)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Static

from cockpit.model import EventKind, Status
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.help import HelpScreen
from tests.support.ui import (
    cursor_to,
    focus_pane,
    layouts,
    make_engine,
    pane_text,
    screen_text,
    settle,
    type_text,
    up,
)

SIZES = [(80, 24), (200, 60)]
LAYOUTS = ["compact", "launch", "watch"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("layout", LAYOUTS)
async def test_operator_session(tmp_path: Path, layout: str, size: tuple[int, int]) -> None:
    engine, source = make_engine(tmp_path)
    source.set(up(True))
    app = CockpitApp(engine, layouts(), layout=layout)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "HOLD" in text and "asr v2.3 GA" in text
        assert "Checklist" in text and "Incident log" in text
        assert "Backups restorable" in text

        # Tick a manual item with j/k and space, with a comment.
        pane = await focus_pane(pilot, "checklist")
        await cursor_to(pilot, pane, "item:backups")
        await pilot.press("space")
        await type_text(pilot, "drill ok")
        await pilot.press("enter")
        await settle(pilot)
        state = engine.item_states()["backups"]
        assert state.status == Status.PASS and state.comment == "drill ok"
        row = next(line for line in pane_text(app, "checklist").split("\n") if "Backups" in line)
        assert "✔" in row

        # A note, two lines, severity warning.
        await pilot.press("n")
        await type_text(pilot, "canary 5%\np95")
        await pilot.press("tab")  # severity select
        await pilot.press("enter", "down", "enter")  # open, warning, choose
        await pilot.press("ctrl+s")
        await settle(pilot)
        notes = engine.events(kinds=[EventKind.NOTE])
        assert [(n.message, n.severity) for n in notes] == [("canary 5%\np95",
                                                              "warning")]
        log = next(p for p in app.current_panes() if p.PANE_TYPE == "log")
        assert notes[0].id in log.table.row_keys
        assert "✎" in pane_text(app, "log")  # the note's mark (the text may be cut when narrow)

        # Filter the checklist: only matching items stay.
        await focus_pane(pilot, "checklist")
        await pilot.press("slash")
        await type_text(pilot, "users")
        await pilot.press("enter")
        await settle(pilot)
        text = pane_text(app, "checklist")
        assert "Users told" in text and "Backups" not in text
        assert "/users" in text  # the filter is shown in the border
        await pilot.press("slash", "ctrl+u", "enter")  # empty clears
        await settle(pilot)
        assert "Backups" in pane_text(app, "checklist")

        # Help lists every key active here: the focused checklist's first, then the app's.
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Tick / untick" in screen_text(app)  # the focused pane's keys come first
        text = "\n".join(str(w.render()) for w in app.screen.query(Static))
        for words in ("Add a note", "Next layout", "Pause", "Tick / untick", "Filter"):
            assert words in text, words
        await pilot.press("escape")

        # Command palette with ':' runs an action (pause), and ctrl+p opens it too.
        await pilot.press("colon")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "pause")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.paused_at is not None
        assert "PAUSED at" in screen_text(app)

        # Paused: the log keeps writing, the screen does not move.
        engine.note("written while paused")
        await settle(pilot)
        assert len(log.table.row_keys) == len(app.recent_events) - 1
        assert any(e.message == "written while paused" for e in engine.events())
        await pilot.press("p")
        await settle(pilot)
        assert "PAUSED" not in screen_text(app)
        assert len(log.table.row_keys) == len(app.recent_events)
        assert log.table.row_keys[0] == app.recent_events[-1].id  # newest first

        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await settle(pilot)

        # Layout switching with l cycles through every layout, and back.
        seen = [app.layout_name]
        for _ in LAYOUTS:
            await pilot.press("l")
            await settle(pilot)
            seen.append(app.layout_name)
            assert "Checklist" in screen_text(app)
        assert sorted(set(seen)) == sorted(LAYOUTS) and seen[-1] == layout

        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    await engine.stop()


async def test_auto_item_shows_value_age_and_cannot_be_ticked(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path)
    source.set(up(False))
    app = CockpitApp(engine, layouts("launch"), layout="launch")
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "NO-GO" in text
        assert "API answers" in text and "FAIL" in text
        pane = await focus_pane(pilot, "checklist")
        await cursor_to(pilot, pane, "item:api-up")
        await pilot.press("space")
        await settle(pilot)
        assert not engine.events(kinds=[EventKind.TICK])
        # enter shows the item in full
        await pilot.press("enter")
        await settle(pilot)
        assert "http.api.up == true" in screen_text(app)
    await engine.stop()


async def test_log_enter_shows_the_event_in_full(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    engine.note("first line\nsecond line of the note", "error")
    app = CockpitApp(engine, layouts("launch"), layout="launch")
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        pane = await focus_pane(pilot, "log")
        note = engine.events(kinds=[EventKind.NOTE])[0]
        await cursor_to(pilot, pane, note.id)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "second line of the note" in text and note.id in text and "ERROR" in text.upper()
    await engine.stop()
