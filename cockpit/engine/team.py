"""The team: other cockpits' events and the shared log's health, folded into this
engine's change stream, and who else watches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from cockpit import identity, roles
from cockpit.checklist import fold_ticks
from cockpit.engine.change import Change
from cockpit.model import Event, EventKind, Severity


class Team:
    """The shared store's side of the engine (self: Engine)."""

    # ------------------------------------------------------------ the team (shared store)

    def _attach_store(self) -> None:
        """Other cockpits' events and the shared log's health come in through the same
        change stream as this cockpit's own (from the store's thread, onto our loop)."""
        loop = asyncio.get_running_loop()
        on_remote = getattr(self.store, "on_remote", None)
        if callable(on_remote):
            on_remote(lambda events: loop.call_soon_threadsafe(self.ingest, events))
        on_status = getattr(self.store, "on_status", None)
        if callable(on_status):
            on_status(lambda status: loop.call_soon_threadsafe(self._store_status, status))
        join = getattr(self.store, "join", None)
        if callable(join):
            me = identity.current()
            user, _, host = self.author.partition("@")
            join(user, host or me.host, me.ssh_client, self.role)

    def ingest(self, events: Iterable[Event]) -> None:
        """Events another cockpit wrote (already in our store): fold them and tell."""
        ticks = False
        for event in events:
            if event.kind in (EventKind.TICK, EventKind.UNTICK):
                ticks = True
            elif event.kind == EventKind.VERDICT:
                self._recorded_verdict = event.data.get("verdict", self._recorded_verdict)
                self._verdict_id = event.id
            self._notify(Change("event", event))
        if ticks:
            self._ticks = fold_ticks(self.store.events(kinds=[EventKind.TICK, EventKind.UNTICK]))
            self._evaluate()

    def _store_status(self, status: Any) -> None:
        text = status.describe() if hasattr(status, "describe") else str(status)
        if text != self._store_said:
            if text.startswith("shared log offline") or text.startswith("shared log back"):
                self.record(Event(EventKind.STORE, text, Severity.WARNING if "offline" in text
                                  else Severity.INFO, {"online": bool(status.online),
                                                       "pending": status.pending},
                                  author=self.author, at=self.clock()))
            self._store_said = text
        self._notify(Change("status", "store"))

    def team_status(self) -> str:
        """"shared log offline since 02:14, 7 events waiting", "live updates paused", or ""."""
        status = getattr(self.store, "status", None)
        return status().describe() if callable(status) else ""

    def watchers(self) -> list[str]:
        """Who watches this launch: "alice (captain)", "bob", ... this cockpit included."""
        listing = getattr(self.store, "watchers", None)
        if not callable(listing):
            return []
        out = []
        for w in listing():
            name = w.user + (" (captain)" if w.role == roles.CAPTAIN else
                             " (read-only)" if w.role == roles.READ_ONLY else "")
            if name not in out:
                out.append(name)
        return out
