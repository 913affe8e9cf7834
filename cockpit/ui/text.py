"""The one way outside text reaches the screen: literally, never as markup.

Pod names, event messages, labels, transcripts and subprocess output may hold
`[red]`, `[@click=...]` or ANSI escapes. Textual parses markup in plain strings
(see TEXTUAL-NOTES.md), so every such string goes through `plain()` first.
"""

from __future__ import annotations

from rich.text import Text

from cockpit.safetext import visible  # one definition, shared with the headless outputs

__all__ = ["plain", "visible"]


def plain(s: object, style: str = "") -> Text:
    """A Rich Text holding `s` literally: no markup parsed, no escapes interpreted."""
    return Text(visible(str(s)), style=style, no_wrap=False)
