"""A table cell drawn without Rich's general layout path, when that path would give the
same segments: a one-line `Text` that fits its column (the cockpit's cells, `plain()`).

Textual's `DataTable` renders each cell as `console.render_lines(Styled(Padding(cell,
(0, 1)), pre_style, post_style), options)`: Rich wraps, justifies, truncates and splits
the text into lines twice over, ~60 µs a cell. For a cell of one line (no newline, no
tab), default justification and no wider than its column, every one of those steps
leaves it as it is, and the line is `pre + [pad, text's segments, fill, pad] + post`,
~30 µs (issue 14: the first frame at 200x60 draws ~390 cells; ~12 ms less CPU to it).
Anything else (another renderable, a wide or multi-line cell, a row taller than one
line, justified text) takes Rich's own path.

`FastCells` gives a DataTable subclass this while Textual draws its cells: the app's
console answers `render_lines` here for the duration of `_render_cell`, and nowhere
else. Same cache keys, same styles, same segments (tests/ui/test_fast_cells.py compares
them with Rich's for every cell of the screen and for cells made to differ).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.padding import Padding
from rich.segment import Segment
from rich.text import Text
from textual.renderables.styled import Styled

_NEWLINE = Text("\n")  # what Text.__rich_console__ joins the wrapped lines with


def cell_line(console: Console, renderable: Any, options: ConsoleOptions | None
              ) -> list[list[Segment]] | None:
    """`console.render_lines(renderable, options)` for a DataTable cell that fits, or None
    when this is not one (Rich's path then)."""
    if type(renderable) is not Styled or options is None or options.height != 1:
        return None
    padding = renderable.renderable
    if type(padding) is not Padding or padding.top or padding.bottom or not padding.expand:
        return None
    text = padding.renderable
    if type(text) is not Text or text.end not in ("", "\n"):
        return None
    width = options.max_width - padding.left - padding.right
    plain = text.plain
    if (width < 1 or "\n" in plain or "\t" in plain or len(plain) > width
            or cell_len(plain) > width):
        return None
    if (text.justify or options.justify or "default") != "default":
        return None
    # Text.__rich_console__ once wrapping, justifying and truncating have left the text
    # as it is; then Console.render_lines of its one line, with Padding's style.
    style = console.get_style(padding.style)
    segments = _NEWLINE.join([text]).render(console, end=text.end)
    line = next(iter(Segment.split_and_crop_lines(
        segments, width, style=style, pad=True, include_new_lines=False)), None)
    if line is None:
        line = [Segment(" " * width, style)]
    # Padding's pads on each side, Styled's styles on all: one line of exactly the width.
    if padding.left:
        line.insert(0, Segment(" " * padding.left, style))
    if padding.right:
        line.append(Segment(" " * padding.right, style))
    return [list(Segment.apply_style(line, console.get_style(renderable.pre_style),
                                     console.get_style(renderable.post_style)))]


def render_lines(console: Console, renderable: Any, options: ConsoleOptions | None = None,
                 **kwargs: Any) -> list[list[Segment]]:
    if not kwargs:
        lines = cell_line(console, renderable, options)
        if lines is not None:
            return lines
    return Console.render_lines(console, renderable, options, **kwargs)


class FastCells:
    """Mixin for a `DataTable` subclass: its cells drawn by `cell_line` where they can be."""

    def _render_cell(self, *args: Any, **kwargs: Any) -> Any:
        console = self.app.console  # type: ignore[attr-defined]
        if "render_lines" in vars(console):
            return super()._render_cell(*args, **kwargs)  # type: ignore[misc]
        console.render_lines = partial(render_lines, console)
        try:
            return super()._render_cell(*args, **kwargs)  # type: ignore[misc]
        finally:
            del console.render_lines
