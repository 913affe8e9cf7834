"""The one way outside text reaches the screen: literally, never as markup.

Pod names, event messages, labels, transcripts and subprocess output may hold
`[red]`, `[@click=...]` or ANSI escapes. Textual parses markup in plain strings
(see TEXTUAL-NOTES.md), so every such string goes through `plain()` first.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0/C1 control characters and ESC sequences: shown visibly, never sent to the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(s: str) -> str:
    """Control characters replaced by their visible escape (ESC -> '\\x1b')."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def plain(s: object, style: str = "") -> Text:
    """A Rich Text holding `s` literally: no markup parsed, no escapes interpreted."""
    return Text(visible(str(s)), style=style, no_wrap=False)
