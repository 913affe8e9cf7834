"""Table cells drawn by `cockpit.ui.cells` are Rich's own segments (issue 14: the first
frame's tables). Every cell the short path draws is compared with what
`Console.render_lines` gives for it: cells made to sit at every edge (width, padding,
styles, spans, wide characters, justify, overflow), and every cell of the screen."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from rich.console import Console
from rich.padding import Padding
from rich.style import Style
from rich.text import Text
from textual.renderables.styled import Styled

from cockpit.ui import cells
from cockpit.ui.app import CockpitApp
from tests.support.ui import layouts, make_engine, settle, up

WORDS = ["", "a", "ok", "12 ms", "日本語", "e\u0301te", "🚀 up", "trailing  ", "  lead",
         "[b]not markup[/b]", "x" * 9, "x" * 10, "x" * 11, "two\nlines", "tab\there"]
PRE = [Style.null(), Style(color="white", bgcolor="black") + Style.from_meta(
    {"row": 3, "column": 1}), Style(reverse=True, bold=True)]
POST = [Style.null(), Style(color="red"), Style(bgcolor="#123456")]


def texts():
    for word in WORDS:
        yield Text(word)
        yield Text(word, style="bold red")
        yield Text(word, style=Style(bgcolor="blue"), end="")
        yield Text(word, justify="right")
        yield Text(word, justify="left")
        yield Text(word, overflow="ellipsis", no_wrap=True)
        yield Text(word, no_wrap=False)
        spans = Text.assemble((word[:2], "green"), (word[2:], "on red"))
        spans.stylize("underline", 1, 3)
        yield spans


def rich_lines(console, renderable, options):
    return Console.render_lines(console, renderable, options)


def test_every_cell_it_draws_is_richs_own():
    console = Console(width=200, color_system="truecolor", force_terminal=True,
                      markup=False, emoji=False, highlight=False)
    drawn = 0
    for text, width, pad, pre, post in itertools.product(
            texts(), [1, 2, 3, 4, 9, 10, 12, 30], [0, 1, 2], PRE, POST):
        for options in (console.options.update_dimensions(width, 1).update(no_wrap=True),
                        console.options.update_dimensions(width, 1),
                        console.options.update_dimensions(width, 2).update(no_wrap=True),
                        console.options.update_dimensions(width, 1).update(justify="center")):
            styled = Styled(Padding(text, (0, pad)), pre_style=pre, post_style=post)
            fast = cells.cell_line(console, styled, options)
            fits = (options.height == 1 and options.justify is None
                    and text.justify in (None, "default") and "\n" not in text.plain
                    and "\t" not in text.plain and 1 <= width - 2 * pad
                    and len(text.plain) <= width - 2 * pad
                    and text.cell_len <= width - 2 * pad)
            assert (fast is not None) == fits, (text, width, pad, options)
            if fast is not None:
                drawn += 1
                assert fast == rich_lines(console, styled, options), (text, width, pad)
    assert drawn > 3000


def test_other_renderables_take_richs_path():
    console = Console(width=80)
    options = console.options.update_dimensions(10, 1)
    assert cells.cell_line(console, Text("x"), options) is None
    assert cells.cell_line(console, Styled(Text("x"), Style(), Style()), options) is None
    assert cells.cell_line(console, Styled(Padding("x", (0, 1)), Style(), Style()),
                           options) is None  # a str, not a Text
    assert cells.cell_line(console, Styled(Padding(Text("x"), (1, 1)), Style(), Style()),
                           options) is None


SIZES = [(80, 24), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("layout", ["compact", "launch", "watch"])
async def test_the_screens_cells_are_richs_own(tmp_path: Path, monkeypatch, layout: str,
                                               size: tuple[int, int]) -> None:
    drawn, wrong = [], []
    real = cells.cell_line

    def checked(console, renderable, options):
        fast = real(console, renderable, options)
        if fast is not None:
            drawn.append(1)
            if fast != rich_lines(console, renderable, options):
                wrong.append(renderable.renderable.renderable)
        return fast

    monkeypatch.setattr(cells, "cell_line", checked)
    engine, source = make_engine(tmp_path)
    source.set(up(True))
    app = CockpitApp(engine, layouts(), layout=layout)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in ("j", "j", "k", "tab", "j", "tab", "j"):  # cursor rows, other tables
            await pilot.press(key)
            await settle(pilot)
    assert len(drawn) > 20 and not wrong, wrong[:5]
