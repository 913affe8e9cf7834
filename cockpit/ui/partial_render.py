"""Textual's partial screen update, rendering only the rows that changed of each widget.

When widgets repaint, Textual 8's compositor (`render_partial_update`) takes the box
around every changed region and asks each widget that box overlaps for all of its
lines inside it, though it sends only the changed rows. The cockpit's panes change a
few rows at a time in different corners (the pods list bottom left, the ASR probe's
progress top right, a checklist age in the middle): the box is most of the screen, and
every pane's lines were rendered again for each update (issue 14: 4.6 ms an update at
200x60, the largest part of the screen's cost while watching).

Here each widget renders the rows, across its whole width, that a changed region
covers on it, and a widget no changed region touches renders nothing. What is sent is
the same: Textual sends a widget's piece of a line only where a changed region lies on
it (`ChopsUpdate` keeps to the changed spans), and every such row is rendered. A full
update (a layout pass, a resize) and a screenshot render everything as before.

`narrow_partial_updates()` runs when the screen's module loads (`cockpit/ui/app.py`),
once. It changes nothing unless the Compositor is the one this was written for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_applied: bool | None = None
_DIRTY = "_cockpit_partial_regions"


def narrow_partial_updates() -> bool:
    """Patch Textual's Compositor once per process; True when it was done."""
    global _applied
    if _applied is None:
        from textual._compositor import Compositor

        _applied = apply_to(Compositor)
    return _applied


def code_params(fn: Any) -> tuple[str, ...]:
    """A function's positional parameter names: the guards that Textual is the expected one."""
    code = getattr(fn, "__code__", None)
    return code.co_varnames[:code.co_argcount] if code is not None else ()


def _names(fn: Any) -> tuple[str, ...]:
    code = getattr(fn, "__code__", None)
    return code.co_names if code is not None else ()


def apply_to(compositor: type) -> bool:
    """Narrow `compositor`'s partial updates if it is the class this was written for."""
    get_renders = compositor.__dict__.get("_get_renders")
    partial = compositor.__dict__.get("render_partial_update")
    if (get_renders is None or partial is None
            or code_params(get_renders) != ("self", "crop") or code_params(partial) != ("self",)
            or "visible_widgets" not in compositor.__dict__
            or "_dirty_regions" not in _names(partial)
            or "visible_widgets" not in _names(get_renders)):
        return False

    def render_partial_update(self: Any) -> Any:
        setattr(self, _DIRTY, list(self._dirty_regions))
        try:
            return partial(self)
        finally:
            setattr(self, _DIRTY, None)

    def _get_renders(self: Any, crop: Any = None) -> Iterable[tuple[Any, Any, list]]:
        regions = getattr(self, _DIRTY, None)
        if crop is None or not regions:
            return get_renders(self, crop)
        return _narrow_renders(self, crop, regions)

    render_partial_update.__doc__ = partial.__doc__
    _get_renders.__doc__ = get_renders.__doc__
    compositor.render_partial_update = render_partial_update  # type: ignore[attr-defined]
    compositor._get_renders = _get_renders  # type: ignore[attr-defined]
    return True


def _narrow_renders(self: Any, crop: Any, regions: list) -> Iterable[tuple[Any, Any, list]]:
    """(region, clip, strips) of each widget in front-to-back order, as `_get_renders`
    yields them, its clip cut down to the rows the changed `regions` cover on it."""
    from textual.geometry import Region

    for widget, (region, clip) in self.visible_widgets.items():
        if not crop.overlaps(clip):
            continue
        shown = region.intersection(clip)
        if not shown:
            continue
        top = bottom = -1
        for changed in regions:
            if changed.overlaps(shown):
                y0, y1 = max(changed.y, shown.y), min(changed.bottom, shown.bottom)
                top = y0 if top < 0 else min(top, y0)
                bottom = max(bottom, y1)
        if top < 0:
            continue
        rows = Region(shown.x, top, shown.width, bottom - top)
        yield (region, rows, widget.render_lines(
            Region(rows.x - region.x, rows.y - region.y, rows.width, rows.height)))
