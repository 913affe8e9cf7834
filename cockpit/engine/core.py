"""The engine: runs the sources, holds the latest reading per signal, judges the
checklist, decides the verdict and writes the event log.

It knows nothing of Textual. The TUI, `cockpit check` and the tests all drive the
same Engine: the screen subscribes to its changes and sends the operator's actions
(ticks, notes) back through it, so there is one path for state and one for writes.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cockpit import roles
from cockpit.checklist import Checklist, fold_ticks, load_checklist
from cockpit.config import LaunchConfig
from cockpit.engine.actions import OperatorActions
from cockpit.engine.change import Change
from cockpit.engine.history import PointRing
from cockpit.engine.judging import Judging
from cockpit.engine.running import SourceRunning
from cockpit.engine.team import Team
from cockpit.engine.views import EngineViews
from cockpit.model import (
    Event,
    EventKind,
    ItemState,
    Reading,
    Source,
    Verdict,
    VerdictKind,
    now,
    whoami,
)

log = logging.getLogger("cockpit.engine")  # one logger name for the whole engine


class Engine(SourceRunning, Judging, EngineViews, OperatorActions, Team):
    """One launch's live state. Create, `await start()`, read, act, `await stop()`."""

    def __init__(
        self,
        config: LaunchConfig,
        store: Any,
        sources: Sequence[Source] | None = None,
        checklist: Checklist | None = None,
        clock: Callable[[], float] = now,
        author: str | None = None,
        read_only: bool = False,
    ) -> None:
        from cockpit.sources import build_sources

        self.config = config
        self.store = store
        self.clock = clock
        self.author = author or whoami()
        self.role = roles.role_of(self.author, config, read_only)
        self.checklist = checklist or load_checklist(config.checklist)
        self.sources: list[Source] = list(build_sources(config) if sources is None else sources)
        self.readings: dict[str, Reading] = {}
        self.started_at: float | None = None
        self._source_of: dict[str, Source] = {}
        self._readings_of: dict[str, dict[str, Reading]] = {}  # source name -> its readings
        self._source_error: dict[str, str | None] = {}
        self.store_error: str | None = None  # the event log's last failure, None when fine
        self._sampled: set[str] = set()
        self._history: dict[str, PointRing] = {}  # numeric signals' last points
        self._subscribers: list[Callable[[Change], None]] = []
        self._tasks: list[asyncio.Task] = []
        self._ticks = fold_ticks(store.events(kinds=[EventKind.TICK, EventKind.UNTICK]))
        last = store.events(kinds=[EventKind.VERDICT], limit=1)
        self._recorded_verdict: str | None = last[0].data.get("verdict") if last else None
        self._verdict_id = last[0].id if last else ""
        self.verdict = Verdict(VerdictKind.HOLD, at=clock())
        self._state_cache: dict[str, ItemState] | None = None
        self._gated: list[tuple[Any, frozenset[str]]] | None = None  # (item, signals it reads)
        self._judge_again_at = -math.inf  # after it, the clock re-judges (_clock_tick)
        self._store_said = ""

    def record(self, event: Event) -> bool:
        """Append an event to the log (idempotent by id) and tell the subscribers.

        If the store fails (disk full, read-only, corrupt), an operator's own event
        (tick, untick, note) raises, so the action is reported as NOT done; the
        engine's own events (verdicts, source outages) are dropped with the failure
        kept in `store_error` (shown by the screen), so judging goes on."""
        from cockpit.store.sqlite import StoreError

        try:
            inserted = self.store.append(event)
        except StoreError as exc:
            if self.store_error != str(exc):
                self.store_error = str(exc)
                self._notify(Change("status", "store"))
            if event.kind in (EventKind.TICK, EventKind.UNTICK, EventKind.NOTE):
                raise
            return False
        if self.store_error is not None:
            self.store_error = None
            self._notify(Change("status", "store"))
        if inserted:
            if event.kind in (EventKind.TICK, EventKind.UNTICK):
                self._ticks = fold_ticks(self.store.events(kinds=[EventKind.TICK,
                                                                  EventKind.UNTICK]))
                self._evaluate()
            self._notify(Change("event", event))
        return inserted

    def events(self, limit: int | None = None, kinds: Iterable[str] | None = None,
               since: float | None = None) -> list[Event]:
        return self.store.events(since=since, kinds=kinds, limit=limit)

    # ------------------------------------------------------------ subscribers

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback(change)` on every change; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _notify(self, change: Change) -> None:
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:  # noqa: BLE001 - a broken subscriber must not stop the engine
                log.exception("subscriber failed on %s", change.kind)
