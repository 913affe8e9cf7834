"""One key registry: every key of the screen is a Textual `Binding` with an id, a short
description (the status bar's word) and a tooltip (what it does, for `?` and the
palette), written once, where it acts.

The status bar's hints, the `?` help and the command palette are all generated from
the active bindings of the screen (the focused pane's and widget's, then the app's):
`active_keys(screen)`. A user keymap (`keys:` in `$XDG_CONFIG_HOME/cockpit/config.yaml`,
default `~/.config/cockpit/config.yaml`) rebinds by id, as Posting does::

    keys:
      rollback: ctrl+r        # instead of R
      checklist.tick: t,space

An unknown id, or a key that would clash with another binding where both are active,
is one line `file:line:col: keys.ID: what` (naming both), exit 3, before the screen opens.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding, BindingType

from cockpit.yamlpos import YamlError, load_located

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

# The app's own keys (the screen's, everywhere). Panes declare theirs in their BINDINGS.
APP_BINDINGS: list[BindingType] = [
    Binding("R", "rollback", "rollback", id="rollback",
            tooltip="Rollback: plan, confirm (y, enter; a second: y, a, enter), verify"),
    Binding("question_mark", "help", "help", id="help", tooltip="Help: every key here"),
    Binding("slash", "filter", "filter", id="filter", tooltip="Filter the focused pane"),
    Binding("colon,ctrl+p", "command_palette", "commands", id="palette",
            tooltip="Command palette: every action by name"),
    Binding("n", "note", "note", id="note", tooltip="Add a note to the incident log"),
    Binding("l,f2", "cycle_layout", "layout", id="layout", tooltip="Next layout"),
    Binding("p", "pause", "pause", id="pause", tooltip="Pause / resume the screen"),
    Binding("r", "sample_now", "sample", id="sample",
            tooltip="Sample the focused pane's source now"),
    Binding("tab", "app.focus_next", "next pane", show=False, id="next-pane",
            tooltip="Next pane"),
    Binding("shift+tab", "app.focus_previous", "previous pane", show=False,
            id="previous-pane", tooltip="Previous pane"),
    Binding("q", "quit", "quit", id="quit", tooltip="Quit (asks if an action is running)"),
    Binding("ctrl+q", "quit", "quit", show=False, priority=True, id="quit-now",
            tooltip="Quit at once"),
]


@dataclass(frozen=True)
class Key:
    """One active binding: its keys as shown, what it is called, where its action runs."""

    id: str | None
    keys: tuple[str, ...]
    description: str
    help: str
    action: str
    node: DOMNode
    show: bool

    @property
    def hint(self) -> str:
        return f"{self.keys[0]}:{self.description}"


def active_keys(screen: Screen) -> list[Key]:
    """The active bindings of `screen`, one `Key` per binding (its keys merged): the
    app's first (in registry order), then the focused pane's and widget's (those with an
    id, ours, before the widgets' own)."""
    app = screen.app
    merged: dict[tuple[int, str, str | None], tuple[Binding, DOMNode, list[str]]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system:
            continue
        slot = (id(active.node), binding.action, binding.id)
        shown = app.get_key_display(binding)
        if slot not in merged:
            merged[slot] = (binding, active.node, [])
        if shown not in merged[slot][2]:
            merged[slot][2].append(shown)
    order = {b.id: i for i, b in enumerate(APP_BINDINGS) if isinstance(b, Binding)}
    keys = [Key(b.id, tuple(shown), b.description or b.action, b.tooltip or b.description
                or b.action, b.action, node, b.show)
            for b, node, shown in merged.values()]
    keys.sort(key=lambda k: (k.node is not app, k.id is None, order.get(k.id, len(order))))
    return keys


def hints(screen: Screen) -> str:
    """The status bar's key hints: the shown active bindings, `key:word` each; the focused
    pane's right after rollback and help, so a narrow terminal still shows them."""
    return " ".join(hint_list(screen))


def hint_list(screen: Screen) -> list[str]:
    """`hints` one by one, in their order (the bar leaves out whole ones that do not fit)."""
    shown = [k for k in active_keys(screen) if k.show]
    first = [k for k in shown if k.id in _FIRST and k.node is screen.app]
    here = [k for k in shown if k.node is not screen.app]
    rest = [k for k in shown if k not in first and k not in here]
    return [k.hint for k in (*first, *here, *rest)]


_FIRST = {"rollback", "help"}


# ---------------------------------------------------------------- the user keymap


class KeymapError(ValueError):
    """A bad user keymap: `str()` is one line, `file:line:col: keys.ID: what`."""


def keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cockpit" / "config.yaml"


def load_keymap(path: Path | None = None,
                scopes: Iterable[tuple[str, list[BindingType]]] | None = None) -> dict[str, str]:
    """The `keys:` of the user config (binding id -> keys), checked; {} without a file."""
    path = keymap_path() if path is None else path
    if not path.exists():
        return {}
    try:
        located = load_located(path)
    except YamlError as exc:
        raise KeymapError(str(exc)) from None
    data = located.data if located.data is not None else {}
    if not isinstance(data, Mapping):
        raise KeymapError(f"{located.position(())}: expected a mapping (keys: ...)")
    raw = data.get("keys") or {}
    if not isinstance(raw, Mapping):
        raise KeymapError(f"{located.position(('keys',))}: keys: expected binding id: keys")
    scopes = list(default_scopes() if scopes is None else scopes)
    known = {b.id: b for _, bindings in scopes for b in bindings
             if isinstance(b, Binding) and b.id}
    keymap: dict[str, str] = {}
    for binding_id, keys in raw.items():
        where = located.position(("keys", binding_id))
        if binding_id not in known:
            raise KeymapError(f"{where}: keys.{binding_id}: no key has this id "
                              f"(ids: {', '.join(sorted(known))})")
        if not isinstance(keys, str) or not keys.strip():
            raise KeymapError(f"{where}: keys.{binding_id}: expected keys like ctrl+r or t,space")
        keymap[str(binding_id)] = keys.replace(" ", "")
    clash = find_clash(keymap, scopes)
    if clash:
        binding_id, message = clash
        raise KeymapError(f"{located.position(('keys', binding_id))}: keys.{binding_id}: "
                          f"{message}")
    return keymap


def find_clash(keymap: Mapping[str, str],
               scopes: Iterable[tuple[str, list[BindingType]]]) -> tuple[str, str] | None:
    """(id, why) of the first rebound key that another binding active with it also has."""
    normal = App._normalize_keymap(dict(keymap))  # noqa: SLF001 - Textual's own spelling of keys
    for scope, bindings in scopes:
        taken: dict[str, Binding] = {}
        for b in bindings:
            if not isinstance(b, Binding):
                continue
            keys = normal[b.id].split(",") if b.id in normal else _keys(b)
            for key in keys:
                other = taken.get(key)
                if other is not None and other.action != b.action and (
                        b.id in normal or other.id in normal):
                    mine, theirs = (b, other) if b.id in normal else (other, b)
                    what = theirs.tooltip or theirs.description or theirs.action
                    return str(mine.id), (
                        f"'{key}' clashes with {_named(theirs)} ({what}) in {scope}")
                taken.setdefault(key, b)
    return None


def _keys(binding: Binding) -> list[str]:
    return App._normalize_keymap({"k": binding.key})["k"].split(",")  # noqa: SLF001


def _named(binding: Binding) -> str:
    return f"keys.{binding.id}" if binding.id else f"the '{binding.action}' key"


def default_scopes() -> list[tuple[str, list[BindingType]]]:
    """Where bindings are active together: the app alone, and the app with each pane
    (its own keys and those of the widgets inside it)."""
    from cockpit.ui.panes import load_panes

    everywhere = list(APP_BINDINGS)
    scopes = [("every pane", everywhere)]
    for name, cls in sorted(load_panes().items()):
        inside = [b for widget in cls.KEY_WIDGETS for b in _class_bindings(widget)]
        scopes.append((f"the {name} pane", [*inside, *_class_bindings(cls), *everywhere]))
    return scopes


def _class_bindings(cls: type) -> list[BindingType]:
    """A widget class's bindings, its bases' included (as Textual merges them)."""
    out: list[BindingType] = []
    for base in cls.__mro__:
        out.extend(vars(base).get("BINDINGS", ()))
    return out
