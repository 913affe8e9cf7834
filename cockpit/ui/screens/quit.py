"""`q` while an action (a rollback) is running: ask first."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain


class QuitScreen(Dialog[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Quit anyway"),
        Binding("n", "answer(False)", "Stay"),
        Binding("escape", "answer(False)", "Stay"),
    ]

    def __init__(self, actions: list[str]) -> None:
        super().__init__()
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain("Quit while an action is running?"), classes="dialog-title")
            yield Static(plain("Running: " + ", ".join(self.actions)))
            yield Static(plain("It keeps running in its own process and the log records its "
                               "outcome; a restarted cockpit shows it."), classes="dialog-hint")
            with Horizontal(classes="buttons"):
                yield Button("Stay (n)", id="stay", variant="primary")
                yield Button("Quit (y)", id="quit", variant="error")

    def action_answer(self, really: bool) -> None:
        self.dismiss(really)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")
