"""`?`: every key of the cockpit, the app's and each pane's."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from cockpit.ui.panes import load_panes
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain

# Keys handled by the list widgets inside panes (Textual's DataTable), listed once.
LIST_KEYS = [
    ("↑ ↓ / k j", "Move the cursor"),
    ("PgUp PgDn Home End", "Move a page / to the ends"),
    ("tab / shift+tab", "Next / previous pane"),
    ("esc", "Close a dialog"),
]


def _rows(bindings: list[BindingType], display) -> list[tuple[str, str]]:
    rows: dict[str, list[str]] = {}
    for b in bindings:
        if not isinstance(b, Binding):
            continue
        rows.setdefault(b.description or b.action, []).append(display(b))
    return [(" / ".join(keys), desc) for desc, keys in rows.items()]


class HelpScreen(Dialog[None]):
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
        display = self.app.get_key_display
        sections: list[tuple[str, list[tuple[str, str]]]] = [
            ("Everywhere", _rows(list(self.app.BINDINGS), display)),
        ]
        for name, cls in sorted(load_panes().items()):
            rows = _rows(list(cls.BINDINGS), display)
            if rows:
                sections.append((f"{cls.TITLE or name} pane", rows))
        sections.append(("Lists", LIST_KEYS))
        from cockpit.ui.panes.log import KIND_MARK, ROLLBACK_MARK

        marks = [(mark, kind) for kind, (mark, _) in KIND_MARK.items()]
        marks.append((ROLLBACK_MARK[0], "rollback (plan, start, output, end, verify)"))
        sections.append(("Incident log marks", marks))
        with Vertical(classes="dialog", id="help"):
            yield Static(plain("Keys — no mouse needed"), classes="dialog-title")
            with VerticalScroll():
                for title, rows in sections:
                    yield Static(plain(title, "bold underline"))
                    width = max(len(k) for k, _ in rows) + 2
                    yield Static(plain("\n".join(f"  {k:<{width}}{d}" for k, d in rows) + "\n"))
            yield Static(plain("↑ ↓ j k PgUp PgDn scroll · esc, ? or q closes"),
                         classes="dialog-hint")
