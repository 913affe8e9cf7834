"""Outside text is shown literally; sources' states show in borders; unconfigured
panes say how to configure them; the bell; quitting during an action; bounded buffers."""

from __future__ import annotations

from pathlib import Path

from cockpit.model import Event, EventKind, Reading, now
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.quit import QuitScreen
from tests.support.ui import (
    CHECKLIST,
    FakeSource,
    focus_pane,
    layouts,
    make_engine,
    pane_text,
    screen_text,
    settle,
    up,
)

NASTY = "[red]x[/red] [@click=app.quit]q[/] \x1b[31mred"
SHOWN = "[red]x[/red] [@click=app.quit]q[/] \\x1b[31mred"


async def test_markup_and_ansi_in_outside_text_are_shown_literally(tmp_path: Path) -> None:
    checklist = CHECKLIST.replace("text: Users told", "text: \"Users told [bold]now[/bold] [/]\"")
    engine, source = make_engine(tmp_path, checklist=checklist)
    # A failed reading whose error holds markup and an escape; an event that does too.
    source.set(Reading("http.api", "http.api.up", None, now(), error=NASTY,
                       detail={"error": NASTY}))
    engine.record(Event(EventKind.KUBE, f"pod {NASTY} restarted", "warning"))
    app = CockpitApp(engine, layouts("watch"), layout="watch")
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        http = pane_text(app, "http")
        assert SHOWN in http  # the detail column
        assert "error: [red]x[/red]" in http  # the border: source state with the reason
        assert "Users told [bold]now[/bold] [/]" in pane_text(app, "checklist")
        assert f"pod {SHOWN}" in pane_text(app, "log")
        assert "\x1b" not in screen_text(app)
        # The event in full, and a filter holding markup, stay literal too.
        log = await focus_pane(pilot, "log")
        event = next(e for e in engine.events() if e.kind == EventKind.KUBE)
        log.table.move_cursor(row=log.table.row_keys.index(event.id))
        await pilot.press("enter")
        await settle(pilot)
        assert f"pod {SHOWN} restarted" in screen_text(app)
        await pilot.press("escape")
        log.apply_filter("[@click=app.quit]")
        await settle(pilot)
        assert "/[@click=app.quit]" in pane_text(app, "log")
        assert app.is_running
    await engine.stop()


async def test_border_shows_live_stale_and_error(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("launch"), layout="launch", start_engine=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        assert "starting" in pane_text(app, "http")
        engine._sampled.add("http.api")  # as after a first sample
        engine.apply([up(True)], source)
        await settle(pilot)
        assert "● live" in pane_text(app, "http")
        source.stale_after = 5.0
        engine.apply([Reading("http.api", "http.api.up", True, now() - 42)], source)
        await settle(pilot)
        assert "stale for 42s" in pane_text(app, "http")
        await engine.sample_now("http.api")  # returns nothing: keeps the stale one
        source.set(Reading("http.api", "http.api.up", None, now(), error="connect refused"))
        await engine.sample_now("http.api")
        await settle(pilot)
        assert "error: connect refused" in pane_text(app, "http")


async def test_pane_without_its_source_says_how_to_configure(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    engine.sources = []  # a launch with no http checks
    app = CockpitApp(engine, layouts("watch"), layout="watch", start_engine=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        text = pane_text(app, "http")
        assert "not configured" in text and "`http:`" in text


async def test_bell_rings_when_the_verdict_turns_nogo(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        engine.tick("backups")
        engine.tick("comms")
        engine.apply([up(True)], source)
        await settle(pilot)
        assert "GO" in pane_text(app, "verdict") and app.bells == 0
        engine.apply([up(False)], source)
        await settle(pilot)
        assert "NO-GO" in pane_text(app, "verdict")
        assert "API answers" in pane_text(app, "verdict")  # the failing item, named
        row = next(r for r in pane_text(app, "checklist").split("\n") if "API answers" in r)
        assert "✖" in row and "FAIL" in row  # the cell changed in place (row repaint)
        assert app.bells == 1
        engine.apply([up(False)], source)  # still NO-GO: no second bell
        await settle(pilot)
        assert app.bells == 1

    engine2, source2 = make_engine(tmp_path)
    quiet = CockpitApp(engine2, layouts("compact"), start_engine=False, bell_on_nogo=False)
    async with quiet.run_test(size=(80, 24)) as pilot:
        engine2.apply([up(True)], source2)
        engine2.apply([up(False)], source2)
        await settle(pilot)
        assert quiet.bells == 0


async def test_quit_asks_while_an_action_runs(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.begin_action("rollback asr")
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitScreen)
        assert "rollback asr" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, QuitScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_buffers_are_bounded(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts("compact"), start_engine=False, event_buffer=300)
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(700):
            engine.note(f"note {i}")
        await settle(pilot)
        assert len(app.recent_events) == 300
        log = next(p for p in app.current_panes() if p.PANE_TYPE == "log")
        assert len(log.table.row_keys) <= 300
        assert "note 699" in pane_text(app, "log")


async def test_switching_layouts_mounts_each_once(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    app = CockpitApp(engine, layouts(), layout="compact", start_engine=False)
    async with app.run_test(size=(200, 60)) as pilot:
        for _ in range(3):
            await pilot.press("l")
            await settle(pilot)
        count = len(list(app.query("*")))
        for _ in range(9):  # three more rounds
            await pilot.press("l")
            await settle(pilot)
        assert len(list(app.query("*"))) == count
        assert app.layout_name == "compact"


async def test_palette_has_every_action_and_r_samples_now(tmp_path: Path) -> None:
    class Counting(FakeSource):
        samples = 0

        async def sample(self) -> list[Reading]:
            type(self).samples += 1
            return [up(True)]

    engine, source = make_engine(tmp_path, source=Counting())
    app = CockpitApp(engine, layouts(), layout="watch", start_engine=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for words in ("Layout: compact", "Layout: launch", "Sample now: http.api",
                      "Shift handoff"):
            assert words in titles, words
        for binding in app.BINDINGS:  # every key of the registry, by what it does
            if binding.action in {"command_palette", "app.focus_next", "app.focus_previous"}:
                continue  # the palette itself, and tab (the screen's own binding has it)
            assert binding.tooltip in titles, binding
        await focus_pane(pilot, "http")
        await pilot.press("r")
        await settle(pilot)
        assert Counting.samples == 1
        assert engine.readings["http.api.up"].value is True
        # Textual's toast wants a str (a rich Text crashed the app under a real terminal)
        toasts = [n.message for n in app._notifications]
        assert "sampling http.api now" in toasts and all(isinstance(m, str) for m in toasts)


def test_window_clock() -> None:
    import datetime as dt

    from cockpit.model import Verdict, VerdictKind
    from cockpit.ui.panes.verdict import window_text
    from cockpit.views import VerdictView

    def view(at: float, opens: dt.datetime | None, started: float | None) -> VerdictView:
        return VerdictView(Verdict(VerdictKind.HOLD, at=at), "x", {}, opens, started, at)

    opens = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert window_text(view(opens.timestamp() + 3725, opens, None)) == (
        "T+1h02m since window opened")
    assert window_text(view(opens.timestamp() + 59, opens, None)) == "T+0m since window opened"
    assert window_text(view(opens.timestamp() - 125, opens, None)) == "T-2m to window"
    assert window_text(view(opens.timestamp() - 60, opens, None)) == "T-1m to window"
    assert window_text(view(opens.timestamp() - 45.5, opens, None)) == "T-45s to window"
    assert window_text(view(130.0, None, 100.0)) == "watching <1m"
    assert window_text(view(100.0 + 754, None, 100.0)) == "watching 12m"
