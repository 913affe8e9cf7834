"""`LineBody`: a pane body of lines that repaints only the lines that changed.

A `Static` repaints its whole region on every update: an SLO or ASR body of fifteen
lines resent all fifteen, over SSH, when one sparkline moved or the probe's progress
ticked. `LineBody.set_lines(lines)` compares each line with what it showed and
refreshes just the changed rows (Textual then renders and sends only those).

It fills its place (1fr x 1fr), so a change never needs Textual's layout pass. Lines
are cut to the width, never wrapped: the panes render to `content_size` already.
Outside text stays plain: lines are `rich.text.Text` made with `ui.text.plain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from cockpit.ui.panes.base import Pane, text_key


class LineBody(Static):
    """Lines of text; `set_lines` repaints the rows whose text or style changed."""

    DEFAULT_CSS = """
    LineBody { width: 1fr; height: 1fr; }
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lines: list[Text] = []
        self._keys: list[tuple] = []
        self._strips: dict[int, tuple[int, Strip]] = {}

    @property
    def lines(self) -> list[Text]:
        return list(self._lines)

    def set_lines(self, lines: Sequence[Text]) -> None:
        new = list(lines)
        keys = [text_key(line) for line in new]
        old = self._keys
        self._lines, self._keys = new, keys
        width = self.size.width
        if not self.is_mounted or width <= 0:
            self.refresh()
            return
        dirty = [y for y in range(max(len(old), len(keys)))
                 if y >= len(old) or y >= len(keys) or old[y] != keys[y]]
        for y in dirty:
            self._strips.pop(y, None)
        # A row below the body's height is not on screen (the body does not scroll: it
        # grows with a resize, which renders every row): kept, not repainted. A pane
        # that has more to say than fits (the ASR probe's timings under its transcript)
        # otherwise made the screen update for nothing it could show.
        shown = [y for y in dirty if y < self.size.height]
        if shown:
            self.refresh(*(Region(0, y, width, 1) for y in shown))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cached = self._strips.get(y)
        if cached is not None and cached[0] == width:
            return cached[1]
        if y >= len(self._lines):
            strip = Strip.blank(width, self.rich_style)
        else:
            line = self._lines[y]
            strip = Strip(list(line.render(self.app.console)), line.cell_len)
            strip = strip.apply_style(self.rich_style).extend_cell_length(
                width, self.rich_style).crop(0, width)
        self._strips[y] = (width, strip)
        return strip


class LinesPane(Pane):
    """A pane whose body is lines of text made from its view (`body_lines(view)`), shown
    in a `LineBody` (id `<type>-body`) that repaints only the lines that changed; a
    resize draws the last view again at the new size."""

    BODY: ClassVar[type[LineBody]] = LineBody

    lines: list[Text]

    def compose_body(self) -> ComposeResult:
        self.lines = []
        yield self.BODY(id=f"{self.PANE_TYPE}-body")

    def on_resize(self) -> None:
        self.redraw()

    def body_lines(self, view: Any) -> list[Text]:
        """The body's lines for `view`, fitted to `self.content_size`. Override."""
        return []

    def draw(self, view: Any) -> None:
        self.lines = self.body_lines(view)
        self.query_one(f"#{self.PANE_TYPE}-body", LineBody).set_lines(self.lines)
