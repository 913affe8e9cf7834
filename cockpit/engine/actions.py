"""The operator's actions through the engine (tick, untick, note), each checked against
the operator's role; a refusal is an event too.
"""

from __future__ import annotations

from cockpit import roles
from cockpit.engine.change import Denied
from cockpit.model import Event, EventKind, Severity


class OperatorActions:
    """Ticks, notes and role checks (self: Engine)."""

    # ------------------------------------------------------------ operator actions

    def tick(self, item_id: str, comment: str | None = None) -> Event:
        return self._tick(EventKind.TICK, item_id, comment)

    def untick(self, item_id: str, comment: str | None = None) -> Event:
        return self._tick(EventKind.UNTICK, item_id, comment)

    def _tick(self, kind: EventKind, item_id: str, comment: str | None) -> Event:
        item = self.checklist.item(item_id)
        self._allow(str(kind), item_id)
        if not item.manual:
            raise ValueError(f"{item_id!r} is ticked by its live signal ({item.auto}), not by hand")
        verb = "ticked" if kind == EventKind.TICK else "unticked"
        message = f"{verb} {item_id}: {item.text}" + (f" ({comment})" if comment else "")
        event = Event(kind, message, Severity.INFO,
                      {"item": item_id, "comment": comment or None}, author=self.author,
                      at=self.clock())
        self.record(event)
        return event

    def note(self, text: str, severity: str = Severity.INFO) -> Event:
        self._allow("note")
        event = Event(EventKind.NOTE, text, Severity(severity), {}, author=self.author,
                      at=self.clock())
        self.record(event)
        return event

    def may(self, action: str) -> bool:
        return roles.may(self.role, action)

    def deny(self, action: str, what: str = "") -> Event:
        """Log that this operator's role refused `action` (every refusal is an event)."""
        event = Event(EventKind.DENIED,
                      f"{self.author} ({self.role}) may not {action}" + (f": {what}" if what
                                                                         else ""),
                      Severity.WARNING, {"action": action, "role": self.role, "what": what},
                      author=self.author, at=self.clock())
        self.record(event)
        return event

    def _allow(self, action: str, what: str = "") -> None:
        if not self.may(action):
            self.deny(action, what)
            raise Denied(f"{self.author} is {self.role}: may not {action}")
