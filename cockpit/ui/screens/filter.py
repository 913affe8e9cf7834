"""`/`: the filter of the focused pane (empty clears it)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain


class FilterScreen(Dialog[str]):
    def __init__(self, target: str, current: str = "") -> None:
        super().__init__()
        self.target = target
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(f"Filter {self.target}"), classes="dialog-title")
            yield Input(self.current, placeholder="text to match (empty: show all)", id="filter")
            yield Static(plain("enter applies · empty clears · esc cancels"), classes="dialog-hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())
