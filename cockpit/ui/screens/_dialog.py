"""Shared bits of the modal dialogs."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A centred modal; escape dismisses it with None."""

    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "cancel", "Close / cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
