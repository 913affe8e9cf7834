"""`?`: every key active on the screen (the app's and the focused pane's), generated
from the bindings (cockpit/ui/keys.py), and the incident log's marks."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from cockpit.ui.keys import Key
from cockpit.ui.panes.base import Pane
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain


def sections_of(keys: list[Key]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The active keys grouped by where they act: the focused pane's, then everywhere."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        node = key.node
        where = "Everywhere"
        while node is not None:
            if isinstance(node, Pane):
                where = f"{node.title} pane (focused)"
                break
            node = node.parent
        sections.setdefault(where, []).append((" / ".join(key.keys), key.help))
    everywhere = sections.pop("Everywhere", [])
    return [*sections.items(), *([("Everywhere", everywhere)] if everywhere else [])]


class HelpScreen(Dialog[None]):
    """Every active key of the screen below (generated from its bindings), and the marks."""

    def __init__(self, keys: list[Key]) -> None:
        super().__init__()
        self.keys = keys

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("question_mark", "cancel", "Close"),
        Binding("q", "cancel", "Close"),
        Binding("j", "scroll(1)", "Scroll down", show=False),
        Binding("k", "scroll(-1)", "Scroll up", show=False),
    ]

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def compose(self) -> ComposeResult:
        sections = sections_of(self.keys)
        from cockpit.ui.panes.log import KIND_MARK, ROLLBACK_MARK

        marks = [(mark, kind) for kind, (mark, _) in KIND_MARK.items()]
        marks.append((ROLLBACK_MARK[0], "rollback (plan, start, output, end, verify)"))
        sections.append(("Incident log marks", marks))
        with Vertical(classes="dialog", id="help"):
            yield Static(plain("Keys here — no mouse needed (tab moves to the next pane)"),
                         classes="dialog-title")
            with VerticalScroll():
                for title, rows in sections:
                    yield Static(plain(title, "bold underline"))
                    width = max(len(k) for k, _ in rows) + 2
                    yield Static(plain("\n".join(f"  {k:<{width}}{d}" for k, d in rows) + "\n"))
            yield Static(plain("↑ ↓ j k PgUp PgDn scroll · esc, ? or q closes"),
                         classes="dialog-hint")
