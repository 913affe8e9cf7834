"""Outside text made safe for a terminal or a file someone will `cat`: no raw escapes.

Prometheus error bodies, notes, launch names, pod names and transcripts may hold
`\\x1b[2J`, `\\x1b]0;title\\x07` or other control characters. Written raw to a
terminal they clear it, retitle it or worse. `visible()` shows each control
character as its escape (ESC -> `\\x1b`) instead. The screen (`ui/text.py`) and every
headless text output (`check`, `log list`, `log export`, error lines) use it; this
module has no dependencies so headless commands stay light.
"""

from __future__ import annotations

import re

# C0/C1 control characters (tab and newline are handled by the callers' formats).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# ...and in one-line outputs, newline and tab too.
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(s: str) -> str:
    """Control characters replaced by their visible escape (ESC -> '\\x1b')."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def one_line(s: object) -> str:
    """`s` on one line: every control character, newline and tab included, made visible."""
    return _CONTROL_LINE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(s))
