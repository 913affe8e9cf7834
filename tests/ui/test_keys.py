"""One key registry: the status bar, `?` and the palette are generated from the active
bindings; a user keymap rebinds by id; a clash is one line naming both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Static

from cockpit.ui.app import CockpitApp, StatusBar
from cockpit.ui.keys import KeymapError, hints, load_keymap
from cockpit.ui.screens.help import HelpScreen
from tests.support.ui import focus_pane, layouts, make_engine, settle, write_launch


class ZapApp(CockpitApp):
    """The cockpit plus one key, as a pane or a later feature would add it."""

    BINDINGS = [Binding("z", "bell", "zap", id="test.zap", tooltip="Ring the bell now")]


def bar_text(app: CockpitApp) -> str:
    return str(app.query_one(StatusBar).query_one("#keys", Static).render())


def help_text(app: CockpitApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


def palette_titles(app: CockpitApp) -> set[str]:
    return {c.title for c in app.get_system_commands(app.screen)}


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_an_added_binding_shows_in_the_bar_the_help_and_the_palette(
        tmp_path: Path, size: tuple[int, int]) -> None:
    engine, _ = make_engine(tmp_path)
    app = ZapApp(engine, layouts("watch"), layout="watch", start_engine=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "R:rollback" in bar_text(app)
        # in the bar where it fits (the last hint is left out whole at 80 columns)
        assert "z:zap" in (bar_text(app) if size[0] >= 200 else hints(app.screen))
        assert "Ring the bell now" in palette_titles(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Ring the bell now" in help_text(app)
        await pilot.press("escape")
        # The focused pane's keys join all three, and leave with the focus.
        await focus_pane(pilot, "checklist")
        await settle(pilot)
        assert "space:tick" in bar_text(app)
        assert "Tick / untick the manual item (asks for a comment)" in palette_titles(app)
        await focus_pane(pilot, "log")
        await settle(pilot)
        assert "space:tick" not in bar_text(app) and "⏎:details" in bar_text(app)
        assert not any(t.startswith("Tick / untick") for t in palette_titles(app))
        await pilot.press("question_mark")
        await settle(pilot)
        assert "Show the selected row in full" in help_text(app)
        assert "Tick / untick" not in help_text(app)


def write_keys(home: Path, text: str) -> Path:
    path = home / "cockpit" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


async def test_a_user_keymap_rebinds_rollback(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    write_keys(tmp_path / "xdg", "keys:\n  rollback: ctrl+r\n")
    keymap = load_keymap()
    assert keymap == {"rollback": "ctrl+r"}
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("compact"), start_engine=False, keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "^r:rollback" in bar_text(app) and "R:rollback" not in bar_text(app)
        await pilot.press("R")
        await settle(pilot)
        toasts = [n.message for n in app._notifications]
        assert not any("rollback target" in m for m in toasts)
        await pilot.press("ctrl+r")
        await settle(pilot)
        toasts = [n.message for n in app._notifications]
        assert any("no rollback target" in m for m in toasts)  # the rollback action ran


def test_a_clash_or_an_unknown_id_is_one_line_naming_both(tmp_path: Path) -> None:
    path = write_keys(tmp_path, "keys:\n  note: m\n  rollback: q\n")
    with pytest.raises(KeymapError) as clash:
        load_keymap(path)
    assert str(clash.value).startswith(f"{path}:3:")
    assert "keys.rollback: 'q' clashes with keys.quit" in str(clash.value)
    write_keys(tmp_path, "keys:\n  checklist.tick: n\n")
    with pytest.raises(KeymapError, match=r"keys.checklist.tick: 'n' clashes with keys.note .*"
                       r"in the checklist pane"):
        load_keymap(path)
    write_keys(tmp_path, "keys:\n  rollbak: ctrl+r\n")
    with pytest.raises(KeymapError, match=r":2:3: keys.rollbak: no key has this id"):
        load_keymap(path)
    write_keys(tmp_path, "keys:\n  rollback: q\n  quit: ctrl+x\n")  # moved away: no clash
    assert load_keymap(path) == {"rollback": "q", "quit": "ctrl+x"}


def test_cockpit_run_refuses_a_bad_keymap_with_exit_3(tmp_path: Path) -> None:
    config = write_launch(tmp_path)
    write_keys(tmp_path / "xdg", "keys:\n  rollback: q\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    result = subprocess.run([sys.executable, "-m", "cockpit", "run", str(config)], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "keys.rollback: 'q' clashes with keys.quit" in lines[0]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_bar_shows_whole_hints_only(tmp_path: Path, size: tuple[int, int]) -> None:
    """At 80 columns the hints used to be cut mid-word (`::comman`, a bare `l` beside
    `layout compact`): a hint is shown whole or not at all; rollback and help always."""
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("compact"), layout="compact", start_engine=False)
    async with app.run_test(size=size) as pilot:
        for pane in ("checklist", "log"):
            await focus_pane(pilot, pane)
            await settle(pilot)
            every = hints(app.screen).split(" ")
            shown = bar_text(app).split(" ")
            assert shown == every[:len(shown)], (shown, every)
            assert shown[:2] == ["R:rollback", "?:help"]
            keys = app.query_one(StatusBar).query_one("#keys", Static)
            assert len(bar_text(app)) <= keys.size.width
            if size[0] >= 200:
                assert shown == every  # room for all of them
            else:
                assert len(shown) < len(every)  # some left out, none cut
