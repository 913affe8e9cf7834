"""Enter on a log line: the event in full (kind, time, author, id, message, data)."""

from __future__ import annotations

import json
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from cockpit.model import Event
from cockpit.redact import redact
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain


def event_text(event: Event) -> str:
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.at))
    data = (json.dumps(dict(event.data), indent=2, sort_keys=True, default=str)
            if event.data else "-")
    return redact(
        f"kind:     {event.kind}\n"
        f"severity: {event.severity}\n"
        f"at:       {at} ({event.at:.3f})\n"
        f"author:   {event.author}\n"
        f"id:       {event.id}\n\n"
        f"{event.message}\n\n"
        f"data:\n{data}"
    )


class TextScreen(Dialog[None]):
    """A read-only dialog of outside text (shown literally), scrollable."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("enter", "cancel", "Close"),
        Binding("q", "cancel", "Close"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="text-dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            with VerticalScroll():
                yield Static(plain(self.body), id="dialog-body")
            yield Static(plain("esc, enter or q closes"), classes="dialog-hint")


class EventScreen(TextScreen):
    """One event of the log, in full."""

    def __init__(self, event: Event) -> None:
        super().__init__(f"Event {event.kind}", event_text(event))
        self.event = event
