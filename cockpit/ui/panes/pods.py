"""The pods pane: per deployment its rollout, then the pods, problem pods first.

Top: one line per deployment (not-complete ones first): the new replica set's revision
and image tag, the old one's and how many old replicas are left, desired / updated /
ready / available, and progressing, complete or STALLED (ProgressDeadlineExceeded).
Then a summary line (counts, and any watch that is reconnecting or refused, with the
verb and resource), then the pods: name, ready x/y, status and why (CrashLoopBackOff,
OOMKilled, ImagePullBackOff, Pending: Unschedulable, Terminating), restarts (and in
the last 10 minutes), age, node, version, cluster when several.

Thousands of pods stay smooth: the list is a window (`PodList`) that renders only the
lines on screen from the source's already-sorted rows; nothing is added to or removed
from a table per change. `/` filters (name, status, node, version, deployment,
cluster); enter opens a pod's containers, last termination and recent warning events.
All names and messages go through `plain()`.
"""

from __future__ import annotations

import math
import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from cockpit.sources.kube.view import KubeView, PodRow, PodsView
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import (
    Changes,
    Pane,
    coarse_change_in,
    update_if_changed,
)
from cockpit.ui.panes.pod_lines import (
    Columns,
    age_text,
    pod_detail,
    pod_line,
    rollout_line,
    scope_lines,
    summary_line,
)
from cockpit.ui.text import plain


class PodList(Widget, can_focus=True):
    """A window on the pod rows, drawn line by line (Textual's line API): only the lines on
    screen are made, each cached until its pod, age, cursor or width changes, and a cursor
    move repaints two lines. The cursor follows a pod (by key) across refreshes."""

    BINDINGS = [
        Binding("down,j", "move(1)", "down", show=False, id="pods.down", tooltip="Next pod"),
        Binding("up,k", "move(-1)", "up", show=False, id="pods.up", tooltip="Previous pod"),
        Binding("pagedown,ctrl+f", "page(1)", "page down", show=False, id="pods.page-down",
                tooltip="A page of pods down"),
        Binding("pageup,ctrl+b", "page(-1)", "page up", show=False, id="pods.page-up",
                tooltip="A page of pods up"),
        Binding("home,g", "jump(0)", "top", show=False, id="pods.top", tooltip="First pod"),
        Binding("end,G", "jump(-1)", "bottom", show=False, id="pods.bottom", tooltip="Last pod"),
        Binding("enter", "open", "pod", id="pods.open", tooltip="Pod detail: its events"),
    ]

    DEFAULT_CSS = """
    PodList { height: 1fr; }
    """

    class Open(Message):
        def __init__(self, row: PodRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[PodRow] | tuple[PodRow, ...] = ()
        self.cursor = 0
        self.top = 0
        self.multi = False
        self.now = time.time()
        self._key: tuple[str, str, str] | None = None
        self._cache: dict[int, tuple[PodRow, tuple, Strip]] = {}
        self._drawn: dict[int, Strip] = {}  # screen line -> what was last drawn there
        self._asked = False  # a whole repaint is asked for and not drawn yet

    def set_rows(self, rows: list[PodRow] | tuple[PodRow, ...], multi: bool, now: float) -> None:
        """New rows (already sorted, maybe filtered); keep the cursor on the same pod."""
        self.rows, self.multi, self.now = rows, multi, now
        if self._key is not None:
            if not (self.cursor < len(rows) and rows[self.cursor].pod.key == self._key):
                idx = next((i for i, r in enumerate(rows) if r.pod.key == self._key), None)
                if idx is not None:
                    self.cursor = idx
        old_top = self.top
        self._clamp()
        if self.top != old_top:
            self.refresh()
        else:
            self.repaint_changed()

    def repaint_changed(self) -> None:
        """Repaint only the lines whose drawing changed (a pod's status, an age step):
        with thousands of pods churning, a whole-list repaint on every sample resent
        every visible line over SSH."""
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return  # no room (at 80x24 the rollouts fill the pane): a resize paints it
        if not self._drawn:
            # Not drawn yet: one whole repaint asked for, not one per sample while the
            # list is out of sight (clipped by its pane at 80x24: Textual never draws it,
            # and each sample made a screen update that sent nothing).
            if not self._asked:
                self._asked = True
                self.refresh()
            return
        dirty = [Region(0, y, width, 1) for y in range(height)
                 if self._drawn.get(y) != self._line(y)]
        if dirty:
            self.refresh(*dirty)

    def ages_move_at(self) -> float:
        """When the first shown pod's age says something else (10 s steps, then minutes):
        the only words of the list that move with the clock alone."""
        soonest = math.inf
        for row in self.rows[self.top:self.top + max(1, self.size.height)]:
            created = row.pod.created
            if created is not None:
                soonest = min(soonest, self.now + coarse_change_in(max(0.0, self.now - created)))
        return soonest

    @property
    def selected(self) -> PodRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _clamp(self) -> None:
        n, h = len(self.rows), max(1, self.size.height)
        self.cursor = max(0, min(self.cursor, n - 1)) if n else 0
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + h:
            self.top = self.cursor - h + 1
        self.top = max(0, min(self.top, max(0, n - h)))
        sel = self.selected
        self._key = sel.pod.key if sel is not None else None

    def _moved(self, old_cursor: int, old_top: int) -> None:
        """Repaint what a cursor move changed: two lines, or all when it scrolled."""
        if self.top != old_top:
            self.refresh()
            return
        w = self.size.width
        self.refresh(
            Region(0, old_cursor - self.top, w, 1), Region(0, self.cursor - self.top, w, 1)
        )

    def _go(self, cursor: int) -> None:
        old_cursor, old_top = self.cursor, self.top
        self.cursor = cursor
        self._clamp()
        self._moved(old_cursor, old_top)

    def action_move(self, delta: int) -> None:
        self._go(self.cursor + delta)

    def action_page(self, delta: int) -> None:
        self._go(self.cursor + delta * max(1, self.size.height - 1))

    def action_jump(self, where: int) -> None:
        self._go(0 if where == 0 else len(self.rows) - 1)

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.selected))

    def on_resize(self) -> None:
        self._clamp()
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = self._line(y)
        self._drawn[y] = strip
        self._asked = False
        return strip

    def _line(self, y: int) -> Strip:
        width = self.size.width
        i = self.top + y
        if not self.rows:
            if y == 0:
                return Strip(list(Text("no pods", style="dim").render(self.app.console)), 7)
            return Strip.blank(width, self.rich_style)
        if i >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[i]
        mark = 2 if i == self.cursor and self.has_focus else 1 if i == self.cursor else 0
        look = (age_text(row.pod.created, self.now), mark, width, self.multi)
        hit = self._cache.get(id(row))
        if hit is not None and hit[0] is row and hit[1] == look:
            return hit[2]
        line = pod_line(row, Columns(width, self.multi), self.now)
        if mark == 2:
            line.stylize("reverse")
        elif mark == 1:
            line.stylize("underline")
        strip = Strip(list(line.render(self.app.console)), line.cell_len)
        strip = strip.extend_cell_length(width, self.rich_style).crop(0, width)
        if len(self._cache) > 8 * max(1, self.size.height):
            self._cache.clear()
        self._cache[id(row)] = (row, look, strip)
        return strip


@register_pane("pods")
class PodsPane(Pane):
    TITLE = "Pods & rollouts"
    SOURCE = "kube"
    CONFIG_SECTION = "kubernetes"
    CONFIG_HINT = "e.g. `kubernetes: {context: prod-eu, namespace: asr, selector: app=asr}`"
    VIEW = PodsView
    KEY_WIDGETS = (PodList,)
    MAX_ROLLOUT_SHARE = 3  # rollout lines take at most a third of the pane's height

    DEFAULT_CSS = """
    PodsPane #pods-top { height: auto; }
    PodsPane #pods-header { height: 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._view: KubeView | None = None
        self._rows: list[PodRow] | tuple[PodRow, ...] = ()
        self._shown_filter: str | None = None
        self._shown_width: tuple[int, int] = (-1, -1)
        self._widgets: tuple[Static, PodList] | None = None

    @property
    def can_filter(self) -> bool:
        return True

    def compose_body(self) -> ComposeResult:
        yield Static(id="pods-top")
        yield Static(id="pods-header")
        yield PodList(id="pods-list")

    def wants(self, changes: Changes) -> bool:
        # The ages move once a second; the rows change with the source's readings.
        return changes.all or changes.clock or (self.source_name in changes.sources)

    def apply_filter(self, text: str) -> None:
        self.filter_text = text
        pods = self.query_one(PodList)
        pods.cursor = 0
        pods._key = None
        self.redraw()

    def draw(self, pods_view: PodsView) -> None:
        view = pods_view.kube
        if self._widgets is None:  # found once: two queries a second were measurable
            self._widgets = (self.query_one("#pods-top", Static), self.query_one(PodList))
        top, pods = self._widgets
        width = max(20, self.content_size.width or 76)
        if view is None:
            why = pods_view.error or "waiting for the first list"
            update_if_changed(top, plain(why, "bold red" if pods_view.error else "dim"))
            return
        height = self.content_size.height
        if (
            view is not self._view
            or self._shown_filter != self.filter_text
            or (width, height) != self._shown_width
        ):
            self._rows = view.filter(self.filter_text) if self.filter_text else view.pods
            self._view, self._shown_filter = view, self.filter_text
            self._shown_width = (width, height)
            multi = len(view.clusters) > 1
            lines = scope_lines(view, width)
            budget = max(1, (height or 20) // self.MAX_ROLLOUT_SHARE)
            rollouts = list(view.rollouts)
            for r in rollouts[:budget]:
                lines.append(rollout_line(r, width, multi))
            if len(rollouts) > budget:
                rest = rollouts[budget:]
                done = sum(1 for r in rest if r.complete)
                lines.append(
                    plain(
                        f"+ {len(rest)} more deployments ({done} complete)"
                        + ("; filter to see them" if len(rest) > done else ""),
                        "dim",
                    )
                )
            lines.append(summary_line(view, len(self._rows), self.filter_text, width))
            update_if_changed(top, Text("\n").join(lines))
            update_if_changed(
                self.query_one("#pods-header", Static), Columns(width, multi).header()
            )
            title = f"{self.title} · {view.counts.total} pods"
            if self.filter_text:
                title += f" · /{self.filter_text}"
            self.set_title(plain(title))
            pods.set_rows(self._rows, multi, pods_view.at)
        elif pods_view.at - pods.now >= 1.0 and pods_view.at >= pods.ages_move_at():
            pods.now = pods_view.at  # ages move (in steps: only the lines that stepped)
            pods.repaint_changed()

    def on_resize(self) -> None:
        """Widths and the rollout share depend on the size: redraw for the new one."""
        self.redraw()

    def on_pod_list_open(self, message: PodList.Open) -> None:
        from cockpit.ui.screens.event import TextScreen

        view = self._view
        if view is None:
            return
        p = message.row.pod
        self.app.push_screen(
            TextScreen(f"Pod {p.namespace}/{p.name}", pod_detail(view, message.row))
        )
