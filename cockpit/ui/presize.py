"""Lay the screen out once before its first paint, so the panes draw at their sizes.

Several panes draw by their size: the verdict in big letters or on one line, the SLO
pane's rows that fit ("+5 more"), the checklist's column widths. Textual gives a widget
its size in the layout pass that also paints the screen, so panes drawn before it (at
0x0) painted a first frame that was wrong, put right by their Resize a frame later;
panes drawn after it painted an empty first frame. Either way a second full frame
(~40 ms at 200x60) came before the screen was whole (issue 14: first frame).

`draw_at_sizes(screen, draw)` runs Textual's layout (the compositor's `reflow`) and hands
each widget but the screen its size as Textual's own layout pass does (`_size_updated`,
then Resize and Show for the widgets that got one), without painting. The screen, left
unsized, is laid out again at its first paint (`_on_screen_resume`), with the panes
already drawn at their sizes, and painted once. Nothing else changes: Textual lays the
screen out again whenever anything moves.

It does nothing (False) unless Textual's screen and compositor are the ones this was
written for (Textual 8), and then the panes are drawn at their first layout, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.screen import Screen

from cockpit.ui.partial_render import code_params


class FirstPaintScreen(Screen):
    """The app's default screen: the app draws its panes just before its first paint.

    Its ScreenResume handler runs before Textual's own (which lays out and paints: the
    handlers run from the subclass up), so the app's `draw_before_first_paint()` can lay
    the panes out and draw them at their sizes first (with `draw_at_sizes`)."""

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        draw = getattr(self.app, "draw_before_first_paint", None)
        if draw is not None and draw():
            # Every widget was styled as it mounted, and the draw restyled what it
            # changed: styling them all again (Textual's resume does) is ~8 ms for nothing.
            event.refresh_styles = False


def fits(screen: Any) -> bool:
    """Whether `screen` has the compositor and size hooks this module expects."""
    compositor = getattr(screen, "_compositor", None)
    reflow = getattr(type(compositor), "reflow", None)
    size_updated = getattr(type(screen), "_size_updated", None)
    return (compositor is not None and reflow is not None
            and code_params(reflow) == ("self", "parent", "size")
            and code_params(size_updated)[:4] == ("self", "size", "virtual_size", "container_size")
            and isinstance(getattr(type(compositor), "layers", None), property)
            and callable(getattr(screen, "_clear_arrangement_cache", None)))


def draw_at_sizes(screen: Any, draw: Callable[[], None]) -> bool:
    """Lay `screen` out at the app's size, size its widgets, then `draw()`: all before
    the next paint (the screen's first, or a layout's first), whose layout pass places
    what `draw` changed. False when this
    Textual is not the one expected: then only `draw()`, as before."""
    sized = size_before_paint(screen)
    draw()
    if sized:
        # Containers keep their arrangement by size and children: one whose child now
        # has content of another width (the status bar's clock, sized `auto`) would be
        # painted as it was arranged above, before the draw.
        for widget in screen.walk_children(with_self=True):
            widget._clear_arrangement_cache()
    return sized


def size_before_paint(screen: Any) -> bool:
    """Lay `screen` out at the app's size and size its widgets, painting nothing."""
    size = screen.app.size
    if not size or not screen.is_attached or not fits(screen):
        return False
    hidden, shown, resized = screen._compositor.reflow(screen, size)
    for widget in hidden:
        widget.post_message(events.Hide())
    for widget, (region, _order, _clip, virtual_size, container_size, *_rest) in (
            screen._compositor.layers):
        if widget is screen:
            continue  # unsized, so the screen's first paint lays out what was drawn
        widget._size_updated(region.size, virtual_size, container_size)
        if widget in shown or widget in resized:
            widget.post_message(events.Resize(region.size, virtual_size, container_size))
    for widget in shown:
        widget.post_message(events.Show())
    return True
