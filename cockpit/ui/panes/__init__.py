"""The pane registry: pane type name (as written in a layout) -> widget class.

Two halves, so that `cockpit validate` (headless, never imports Textual) can check
a layout's pane types while the screen gets the classes:

- `PANE_MODULES` (in `cockpit/layout.py`, below the UI, so layouts validate without
  it) maps each type name to the module that defines it. Adding a pane is ONE line
  there plus the module; the module's class carries `@register_pane("name")`.
  Importing this package imports no Textual.
- `PANES` holds the registered classes; `pane_class(name)` / `load_panes()` import
  the modules on demand.

Only list types whose module exists: a layout naming a type absent from this map is
a validation error (never a placeholder pane).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from cockpit.ui.panes.base import Pane

from cockpit.layout import PANE_MODULES, pane_types

__all__ = ["PANES", "PANE_MODULES", "load_panes", "pane_class", "pane_types", "register_pane"]

PANES: dict[str, type[Pane]] = {}

P = TypeVar("P", bound="type[Pane]")


def register_pane(name: str) -> Callable[[P], P]:
    """Class decorator: register a `Pane` subclass under its layout type name."""

    def decorate(cls: P) -> P:
        cls.PANE_TYPE = name
        PANES[name] = cls
        return cls

    return decorate


def pane_class(name: str) -> type[Pane]:
    """The class for `name`, importing its module on first use. KeyError if unknown."""
    if name not in PANES:
        importlib.import_module(PANE_MODULES[name])
    return PANES[name]


def load_panes() -> dict[str, type[Pane]]:
    """Import every pane module (for the help screen and the tests)."""
    for name in PANE_MODULES:
        pane_class(name)
    return dict(PANES)
