"""`n`: a note for the incident log: several lines, with a severity."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Select, Static, TextArea

from cockpit.model import Severity
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain

SEVERITIES = [Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL, Severity.DEBUG]


class NoteScreen(Dialog[tuple[str, str]]):
    """Returns (text, severity), or None when cancelled or empty."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save the note"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain("Note for the incident log"), classes="dialog-title")
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Select([(s.value, s.value) for s in SEVERITIES], value=Severity.INFO.value,
                         allow_blank=False, id="severity")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Static(plain("enter: new line · tab: severity, buttons · ctrl+s: save"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#note-text", TextArea).text.strip()
        severity = str(self.query_one("#severity", Select).value)
        self.dismiss((text, severity) if text else None)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
