"""A read-only cockpit (stakeholders) has no actions at all, and every refusal is an event."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.engine import Denied, Engine
from cockpit.model import EventKind
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.ui import FakeSource, cursor_to, focus_pane, layouts, settle, write_launch


def _engine(tmp: Path, read_only: bool = False, extra: str = "", author: str = "bob@b1") -> Engine:
    path = write_launch(tmp)
    if extra:
        path.write_text(path.read_text() + extra)
    return Engine(load_config(path), SqliteStore(tmp / "events.db"), [FakeSource()],
                  author=author, read_only=read_only)


async def test_read_only_screen_refuses_note_and_tick_and_logs_it(tmp_path: Path) -> None:
    engine = _engine(tmp_path, read_only=True)
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]  # no note editor opened
        pane = await focus_pane(pilot, "checklist")
        await cursor_to(pilot, pane, "item:backups")
        await pilot.press("space")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
    denied = engine.store.events(kinds=[EventKind.DENIED])
    assert [e.data["action"] for e in denied] == ["note", "tick"]
    assert all(e.author == "bob@b1" and e.data["role"] == "read-only" for e in denied)
    assert engine.store.events(kinds=[EventKind.NOTE, EventKind.TICK]) == []


@pytest.mark.parametrize("extra", ["read_only: true\n", "watchers: [bob]\n"])
def test_the_config_makes_read_only_screens(tmp_path: Path, extra: str) -> None:
    engine = _engine(tmp_path, extra=extra)
    assert engine.role == "read-only"
    with pytest.raises(Denied):
        engine.note("hello")
    assert [e.data["action"] for e in engine.store.events(kinds=[EventKind.DENIED])] == ["note"]


def test_captains_and_operators(tmp_path: Path) -> None:
    assert _engine(tmp_path, extra="captains: [alice]\n", author="alice@b2").role == "captain"
    (tmp_path / "x").mkdir()
    other = _engine(tmp_path / "x", extra="captains: [alice]\n")
    assert other.role == "operator"
    other.note("an operator may note")
    assert other.store.events(kinds=[EventKind.NOTE])[0].message == "an operator may note"


async def test_palette_handoff_shows_what_the_cli_prints(tmp_path: Path) -> None:
    from cockpit.ui.screens.event import TextScreen

    engine = _engine(tmp_path, author="bob@b1")
    engine.note("watch eu-west p95", "warning")
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen)
                       if c.title == "Shift handoff")
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        body = app.screen.body
    assert body.startswith("# Handoff: asr v2.3 GA")
    for heading in ("## Verdict now", "## Items failing or not ticked", "## Rollbacks",
                    "## Notes (warnings first)", "## Who watched"):
        assert heading in body
    assert "[warning] bob@b1: watch eu-west p95" in body
    assert "UNTICKED backups" in body


def test_a_watcher_is_refused_by_the_cli_too_and_it_is_logged(tmp_path: Path, capsys,  # noqa: ANN001
                                                              monkeypatch) -> None:  # noqa: ANN001
    from cockpit.cli import main
    from tests.support.identity import act_as

    path = write_launch(tmp_path)
    path.write_text(path.read_text() + "watchers: [stakeholder]\n")
    act_as(monkeypatch, "stakeholder", "laptop")
    assert main(["tick", str(path), "backups"]) == 77
    assert "read-only: may not tick (the refusal is logged)" in capsys.readouterr().err
    assert main(["log", "add", "-c", str(path), "looks good to me"]) == 77
    assert "may not add notes" in capsys.readouterr().err
    store = SqliteStore(tmp_path / "events.db")
    denied = store.events(kinds=[EventKind.DENIED])
    assert [(e.data["action"], e.author) for e in denied] == [
        ("tick", "stakeholder@laptop"), ("note", "stakeholder@laptop")]
    assert store.events(kinds=[EventKind.NOTE, EventKind.TICK]) == []
    act_as(monkeypatch, "bob", "b1")  # an operator: both work
    assert main(["tick", str(path), "backups"]) == 0
    assert main(["log", "add", "-c", str(path), "ticked backups"]) == 0
