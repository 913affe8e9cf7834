"""What the engine tells its subscribers (`Change`), and the names it shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HISTORY_POINTS = 360  # per signal: 30 min at 5 s; bounded so hours cost what minutes do
_ENGINE = "engine"


class Denied(PermissionError):
    """This operator's role may not do that (the refusal is logged as an event)."""


@dataclass(frozen=True)
class Change:
    """What changed, for subscribers: kind is "reading", "verdict", "event", "status" (a
    source went down or came back: payload its name) or "progress" (a source's view
    changed between samples, e.g. the ASR probe streaming: payload its name)."""

    kind: str
    payload: Any


# The verdict's stand-in item when nothing is wrong but GO would be blind (see _blind).
BLIND_ITEM = "(blind)"
