"""Textual's `Strip` (one rendered line) with its seven caches made on first use.

Textual 8 gives every Strip seven `FIFOCache`s in `__init__` (crop, divide, style,
filter, line length, crop-extend, offsets): ~900 bytes while still empty. A cockpit at
200x60 holds ~4,800 strips (the compositor's and the tables' line caches), most of them
never cropped or styled again: ~4.7 MB of RSS in empty caches (issue 14, measured on the
demo). Here each of those slots is read through a property that makes its cache on first
use, as Textual's own `Content` makes its caches. The same caches of the same sizes, the
same results; a Strip costs ~1.2 µs less to make, a cache hit ~0.13 µs more (~250 a
second at 200x60).

`lean_strips()` runs when the screen's module loads (`cockpit/ui/app.py`), once. It
changes nothing unless Textual's Strip is the one this was written for: exactly these
slots, set by its `__init__` (the caches as FIFOCaches of these sizes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CACHES = {"_divide_cache": 4, "_crop_cache": 16, "_style_cache": 16, "_filter_cache": 4,
          "_line_length_cache": 4, "_crop_extend_cache": 4, "_offsets_cache": 4}
PLAIN = ("_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count")

_applied: bool | None = None
_members: dict[str, Any] = {}  # the slots themselves, once replaced by properties


def lean_strips() -> bool:
    """Make Strip's caches lazily, once per process; True when it was done."""
    global _applied
    if _applied is None:
        from textual.strip import Strip

        _applied = apply_to(Strip)
    return _applied


def apply_to(Strip: type) -> bool:  # noqa: N803 - the class
    """Make `Strip`'s caches lazily if it is the class this was written for."""
    from textual.cache import FIFOCache

    members = {name: Strip.__dict__.get(name) for name in CACHES}
    if set(getattr(Strip, "__slots__", ())) != {*CACHES, *PLAIN} or not all(
            type(m).__name__ == "member_descriptor" for m in members.values()):
        return False  # not the Strip this was written for
    probe = Strip([])
    if {n for n in (*CACHES, *PLAIN) if _is_set(Strip, probe, n)} != {*CACHES, *PLAIN}:
        return False
    for name, size in CACHES.items():
        if type(getattr(probe, name)) is not FIFOCache or getattr(probe, name)._maxsize != size:
            return False
    for name, size in CACHES.items():
        _members[name] = members[name]
        setattr(Strip, name, _lazy(members[name], size, FIFOCache))
    Strip.__init__ = _init  # type: ignore[method-assign]
    return True


def _is_set(cls: type, obj: Any, name: str) -> bool:
    try:
        _members.get(name, cls.__dict__[name]).__get__(obj, cls)
    except AttributeError:
        return False
    return True


def caches_made(strip: Any) -> int:
    """How many of its caches `strip` holds (all of them with Textual's own Strip)."""
    return sum(_is_set(type(strip), strip, name) for name in CACHES)


def _lazy(member: Any, size: int, cache: type) -> property:
    def get(self: Any) -> Any:
        try:
            return member.__get__(self, type(self))
        except AttributeError:  # first use: make it
            made = cache(size)
            member.__set__(self, made)
            return made

    return property(get, member.__set__)


def _init(self: Any, segments: Iterable[Any], cell_length: int | None = None) -> None:
    """Textual's Strip.__init__, less the seven caches (made on first use)."""
    self._segments = list(segments)
    self._cell_length = cell_length
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None
