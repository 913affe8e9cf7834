"""Space on a manual checklist item: tick or untick it, with an optional comment."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain


class TickScreen(Dialog[str]):
    """Returns the comment ("" for none), or None when cancelled."""

    def __init__(self, item_text: str, untick: bool = False) -> None:
        super().__init__()
        self.item_text = item_text
        self.untick = untick

    def compose(self) -> ComposeResult:
        verb = "Untick" if self.untick else "Tick"
        with Vertical(classes="dialog"):
            yield Static(plain(f"{verb}: {self.item_text}"), classes="dialog-title")
            yield Input(placeholder="comment (optional)", id="comment")
            yield Static(plain(f"enter: {verb.lower()} · esc: cancel"), classes="dialog-hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())
