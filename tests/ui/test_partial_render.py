"""The narrowed partial update (`cockpit/ui/partial_render.py`) sends what Textual's own
would: every update the screen makes is replayed, as the bytes a terminal gets, on a
pyte terminal, and after each the terminal shows what a full render of the screen
shows; widgets no change touched render nothing (issue 14).

Real Textual (`run_test`), real escape sequences, a real terminal emulator; nothing is
timed.
"""

from __future__ import annotations

import pyte
import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import DataTable, Static

from cockpit.ui.panes.lines import LineBody
from cockpit.ui.partial_render import apply_to, narrow_partial_updates

SIZES = [(80, 24), (200, 60)]


class Corners(App[None]):
    """Bordered panes in a grid (a table, line bodies, statics), as the cockpit's."""

    CSS = """
    Grid { grid-size: 2 2; }
    Vertical { border: round $accent; }
    LineBody { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Grid():
            with Vertical(id="a"):
                yield Static("top left", id="a-head")
                yield LineBody(id="a-body")
            with Vertical(id="b"):
                yield DataTable(id="b-table")
            with Vertical(id="c"):
                yield LineBody(id="c-body")
            with Vertical(id="d"):
                yield Static("bottom right", id="d-head")
                yield Static("", id="d-body")


class Terminal:
    """What a terminal shows after the bytes the app sends (pyte)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)

    def feed(self, text: str) -> None:
        self.stream.feed(text)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]


def full_render(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()  # noqa: SLF001 - the reference
    return [strip.text.rstrip() for strip in strips]


def lines(tag: str, n: int, width: int = 30) -> list[Text]:
    return [Text(f"{tag} line {i:02d} " + "·" * (i % 7), style="bold" if i % 2 else "")
            for i in range(n)]


async def settled(app: App, pilot) -> None:
    """Until a pause sends nothing: the table's own idle work (its column widths, after
    the rows came) is done before the steps, so a step's update is the step's alone."""
    sent: list[object] = []
    original = app._display  # noqa: SLF001

    def display(screen, renderable) -> None:
        sent.append(renderable)
        original(screen, renderable)

    app._display = display  # type: ignore[method-assign]  # noqa: SLF001
    try:
        for _ in range(20):
            sent.clear()
            await pilot.pause()
            if not sent:
                return
        raise AssertionError("the screen kept updating with nothing changing")
    finally:
        app._display = original  # type: ignore[method-assign]  # noqa: SLF001


@pytest.mark.parametrize("size", SIZES)
async def test_every_partial_update_leaves_the_terminal_as_a_full_render(size) -> None:
    assert narrow_partial_updates()  # Textual 8's compositor: the patch applies
    app = Corners()
    cols, rows = size
    async with app.run_test(size=size) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("check", "state", "age")
        for i in range(12):
            table.add_row(f"check {i}", "ok", "<1m", key=f"r{i}")
        a, c = app.query_one("#a-body", LineBody), app.query_one("#c-body", LineBody)
        a.set_lines(lines("a", 12))
        c.set_lines(lines("c", 12))
        await settled(app, pilot)
        term = Terminal(cols, rows)
        term.feed(app.screen._compositor.render_update(  # noqa: SLF001
            full=True).render_segments(app.console))
        sent: list[str] = []
        original = app._display  # noqa: SLF001

        def display(screen, renderable) -> None:  # the bytes of each update
            if renderable is not None and hasattr(renderable, "render_segments"):
                sent.append(renderable.render_segments(app.console))
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]  # noqa: SLF001
        renders: dict[str, int] = {}
        for w in app.query("*"):
            def counting(crop, w=w, inner=w.render_lines):
                renders[w.id or type(w).__name__] = renders.get(w.id or type(w).__name__, 0) + 1
                return inner(crop)
            w.render_lines = counting  # type: ignore[method-assign]
        steps = [
            # opposite corners at once: the box around them is the whole screen
            lambda: (a.set_lines([*lines("a", 3), Text("a CHANGED"), *lines("a", 12)[4:]]),
                     app.query_one("#d-body", Static).update("bottom right CHANGED",
                                                             layout=False)),
            lambda: table.update_cell("r7", table.ordered_columns[1].key, "FAIL"),
            lambda: (c.set_lines(lines("c", 12)[:5] + [Text("c CHANGED " * 3)]),
                     table.update_cell("r0", table.ordered_columns[2].key, "1m")),
            lambda: app.query_one("#a-head", Static).update("top left, again", layout=False),
        ]
        rendered: list[set[str]] = []
        for step in steps:
            renders.clear()
            step()
            await pilot.pause()
            assert sent, "the step sent nothing"
            for text in sent:
                term.feed(text)
            sent.clear()
            rendered.append(set(renders))
            assert term.lines() == full_render(app)
        shown = "\n".join(term.lines())
        assert "a CHANGED" in shown and "bottom right CHANGED" in shown and "FAIL" in shown
        assert "c CHANGED" in shown and "top left, again" in shown
        # The panes between the corners (b, c) were not rendered for the first step, nor
        # anything but the top left pane for the last; Textual's own update renders every
        # widget the box around the changes overlaps (here: all of them).
        assert "a-body" in rendered[0] and "d-body" in rendered[0]
        assert not {"c-body", "b-table"} & rendered[0]
        assert "a-head" in rendered[3] and not {"c-body", "b-table", "d-body"} & rendered[3]


def test_a_compositor_it_was_not_written_for_is_left_alone() -> None:
    class Other:
        def _get_renders(self, crop, extra):  # a different signature
            return []

        def render_partial_update(self):
            return None

    assert apply_to(Other) is False
    assert Other.__dict__["_get_renders"].__name__ == "_get_renders"
