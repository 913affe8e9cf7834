"""The shared event log of a team: PostgreSQL, a local journal, and the Redis bus.

Every write commits to the local journal first (so it is never lost and never waits
on the network) and wakes the link thread, which ships the queue to PostgreSQL in
order and publishes what it shipped on the bus. Other cockpits' events arrive by the
bus (the next sequence is applied at once) or by a catch-up read from PostgreSQL by
sequence (after a gap, a reconnect, or every few seconds when there is no bus), are
copied into the journal and handed to the listeners (the engine), each exactly once.
Reads are served from the journal, so the screen works the same while PostgreSQL is
away; the status says since when, and how many events wait.
"""

from __future__ import annotations

import builtins
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg_pool import PoolTimeout

from cockpit.model import Event
from cockpit.redact import redact
from cockpit.store.journal import LocalJournal
from cockpit.store.postgres import PgLog, Watcher, psycopg
from cockpit.store.spec import StoreSpec

log = logging.getLogger(__name__)

HEARTBEAT = 10.0  # presence is refreshed this often ...
PRESENCE_TTL = 30.0  # ... and a cockpit not seen for this long has gone
_DOWN = (psycopg.Error, PoolTimeout, OSError)


@dataclass(frozen=True)
class SharedStatus:
    """What the banner says about the shared log and the bus."""

    online: bool
    offline_since: float | None
    pending: int
    bus: str | None  # None (no bus), "live" or "paused"
    bus_paused_since: float | None
    error: str | None = None
    replayed: int = 0  # events the last return of the shared log replayed
    replayed_at: float | None = None

    def describe(self) -> str:
        parts = []
        if not self.online:
            since = time.strftime("%H:%M", time.gmtime(self.offline_since or time.time()))
            parts.append(f"shared log offline since {since}, {self.pending} events waiting")
        elif self.replayed_at is not None and time.time() - self.replayed_at < 60:
            parts.append(f"shared log back: {self.replayed} events replayed")
        if self.bus == "paused":
            parts.append("live updates paused")
        return "; ".join(parts)


class SharedStore:
    """The Store protocol over PostgreSQL + journal (+ bus); see the module docstring."""

    kind = "postgresql"

    def __init__(
        self,
        spec: StoreSpec,
        launch: str,
        journal: Path,
        bus: str | None = None,
        poll: float = 2.0,
        connect_timeout: float = 3.0,
        sync_timeout: float = 3.0,
        heartbeat: float = HEARTBEAT,
        presence_ttl: float = PRESENCE_TTL,
        op_timeout: float = 10.0,
    ) -> None:
        self.spec = spec
        self.launch = launch
        self.shown = spec.shown()
        self.poll = poll
        self.heartbeat = heartbeat
        self.presence_ttl = presence_ttl
        self.journal = LocalJournal(journal, launch)
        self.pg = PgLog(spec, launch, connect_timeout)
        self._listeners: list[Callable[[list[Event]], None]] = []
        self._status_listeners: list[Callable[[SharedStatus], None]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # this instance's delivered sequence
        self._mine: set[str] = set()  # ids written by this instance (not handed back)
        self._known_local = self.journal.last_seq()  # journal rows the reader already has
        self._seq = self.journal.remote_seq()
        self._online = False
        self._ever_online = False
        self._offline_since: float | None = time.time()
        self._error: str | None = None
        self._replayed = 0
        self._replayed_at: float | None = None
        self._cycles = 0
        self._in_cycle = False
        self._cycle_done = threading.Condition()
        self._presence: tuple[str, str, str, str | None, str] | None = None
        self._last_beat = 0.0
        self._watchers: list[Watcher] = []
        self.bus: Any = None
        if bus:
            from cockpit.store.bus import RedisBus  # noqa: PLC0415

            self.bus = RedisBus(bus, launch, self._on_bus_message, self._on_bus_state,
                                on_presence=self._wake.set)
        self._thread = threading.Thread(target=self._link, name="cockpit-store", daemon=True)
        self._thread.start()
        self.op_timeout = op_timeout
        self._watchdog = threading.Thread(target=self._watch, name="cockpit-store-watchdog",
                                          daemon=True)
        self._watchdog.start()
        if self.bus is not None:
            self.bus.start()
        if sync_timeout > 0:
            self.sync(sync_timeout)
            self._known_local = self.journal.last_seq()

    # ---------------------------------------------------------------- Store protocol

    def append(self, event: Event) -> bool:
        inserted = self.journal.write(event)
        if inserted:
            with self._lock:
                self._mine.add(event.id)
            self._wake.set()
        return inserted

    def extend(self, events: Iterable[Event]) -> int:
        return sum(self.append(e) for e in events)

    def events(self, since: float | None = None, kinds: Iterable[str] | None = None,
               limit: int | None = None, after_seq: int | None = None) -> builtins.list[Event]:
        return self.journal.events(since=since, kinds=kinds, limit=limit, after_seq=after_seq)

    def last_seq(self) -> int:
        return self.journal.last_seq()

    def close(self, flush: float = 2.0) -> None:
        if flush > 0 and self._online:
            self.flush(flush)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        if self.bus is not None:
            self.bus.close()
        if self._presence is not None and self._online:
            try:
                self.pg.leave(self._presence[0])
            except _DOWN:
                pass
        self.pg.close()
        self.journal.close()

    # ---------------------------------------------------------------- team features

    def on_remote(self, callback: Callable[[list[Event]], None]) -> None:
        """Call `callback(events)` (from a background thread) with other cockpits' events."""
        self._listeners.append(callback)

    def on_status(self, callback: Callable[[SharedStatus], None]) -> None:
        """Call `callback(status)` (from a background thread) when the link changes."""
        self._status_listeners.append(callback)

    def join(self, user: str, host: str, ssh_client: str | None, role: str) -> None:
        """Be present in this launch (heartbeat every 10 s) until close()."""
        self._presence = (uuid.uuid4().hex, user, host, ssh_client, role)
        self._last_beat = 0.0
        self._wake.set()

    def watchers(self) -> list[Watcher]:
        """Who watches this launch (as of the last heartbeat); this cockpit at least."""
        mine = self._presence
        out = list(self._watchers)
        if mine is not None and not any(w.session == mine[0] for w in out):
            now = time.time()
            out.insert(0, Watcher(mine[1], mine[2], mine[3], mine[4], now, now, mine[0]))
        return out

    def status(self) -> SharedStatus:
        bus = None
        if self.bus is not None:
            bus = "live" if self.bus.live else "paused"
        return SharedStatus(self._online, None if self._online else self._offline_since,
                            self.journal.pending_count(), bus,
                            self.bus.paused_since if self.bus is not None else None,
                            self._error, self._replayed, self._replayed_at)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the shared log has every event written here; False on timeout."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while time.monotonic() < deadline:
            if self._online and self.journal.pending_count() == 0:
                return True
            time.sleep(0.02)
        return self._online and self.journal.pending_count() == 0

    def sync(self, timeout: float = 3.0) -> bool:
        """Wait for one full exchange with the shared log (ship + catch up); False if it
        could not be reached in time (the journal is then all there is)."""
        with self._cycle_done:
            need = self._cycles + (2 if self._in_cycle else 1)  # a cycle begun after now
            self._wake.set()
            self._cycle_done.wait_for(lambda: self._cycles >= need or self._stop.is_set(),
                                      timeout)
            return self._cycles >= need and self._online

    # ---------------------------------------------------------------- the link thread

    def _link(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                self.pg.ensure()
                with self._cycle_done:
                    self._in_cycle = True
                replay = not self._online
                shipped = self._ship()
                self._pull()
                self._beat()
                self._set_online(True, replayed=shipped if replay and shipped else None)
                backoff = 0.2
                wait = self.poll if self.bus is None or not self.bus.live else 5.0
                if self._presence is not None:
                    wait = min(wait, self.heartbeat)
            except _DOWN as exc:
                self._set_online(False, exc)
                try:
                    self.pg.drop_connections()
                except Exception:  # noqa: BLE001 - best effort on a broken pool
                    log.debug("pool check failed", exc_info=True)
                wait = backoff
                backoff = min(2.0, backoff * 2)
            except Exception:  # noqa: BLE001 - the link thread must not die
                log.exception("store link failed")
                wait = 1.0
            with self._cycle_done:
                self._cycles += 1
                self._in_cycle = False
                self._cycle_done.notify_all()
            if self._wake.wait(wait):
                self._wake.clear()

    def _watch(self) -> None:
        """Cut a call to PostgreSQL that hangs past op_timeout (see PgLog.interrupt_stuck)."""
        while not self._stop.wait(min(1.0, self.op_timeout / 2)):
            self.pg.interrupt_stuck(self.op_timeout)

    def _ship(self) -> int:
        """Send the queue to PostgreSQL in order; how many events were shipped."""
        total = 0
        while True:
            batch = self.journal.pending(500)
            if not batch:
                return total
            done = self.pg.append(batch)
            self.journal.shipped(e.id for e in batch)
            total += len(batch)
            if self.bus is not None and done:
                self.bus.publish_many(done)
            self._accept(done)

    def _pull(self) -> None:
        """Catch up from PostgreSQL: every event after the sequence delivered here."""
        while True:
            with self._lock:
                after = self._seq
            rows = self.pg.after(after)
            self._accept(rows, catching_up=True)
            if len(rows) < 5000:
                return

    def _accept(self, rows: list[tuple[int, Event]], catching_up: bool = False) -> None:
        """A run of the shared log (seq, event): keep it and hand it on, exactly once.

        Only the continuation of what this instance has is taken (a gap wakes the link
        thread, which catches up from the store by sequence)."""
        with self._lock:
            run: list[tuple[int, Event]] = []
            expect = self._seq + 1
            for seq, event in sorted(rows, key=lambda r: r[0]):
                if seq < expect:
                    continue
                if seq != expect and not catching_up:
                    self._wake.set()  # a gap
                    break
                run.append((seq, event))
                expect = seq + 1
            if not run:
                return
            before = self.journal.keep_many(run)
            self._seq = run[-1][0]
            new = []
            for _, event in run:
                if event.id in self._mine:
                    self._mine.discard(event.id)
                    continue
                local = before.get(event.id)
                if local is not None and local <= self._known_local:
                    continue  # the reader had it from the journal already
                new.append(event)
        if not new:
            return
        for callback in list(self._listeners):
            try:
                callback(new)
            except Exception:  # noqa: BLE001 - a broken listener must not stop the link
                log.exception("store listener failed")

    def _beat(self) -> None:
        """Presence: our heartbeat every HEARTBEAT s (once joined); everybody's, read every
        cycle (also for the CLI's handoff, which watches nothing itself)."""
        if self._presence is not None and time.monotonic() - self._last_beat >= self.heartbeat:
            first = self._last_beat == 0.0
            session, user, host, ssh, role = self._presence
            self.pg.heartbeat(session, user, host, ssh, role)
            self._last_beat = time.monotonic()
            if first and self.bus is not None:
                self.bus.announce()
        before = [(w.session, w.role) for w in self._watchers]
        self._watchers = self.pg.watchers(self.presence_ttl)
        if [(w.session, w.role) for w in self._watchers] != before:
            self._notify_status()

    def _on_bus_message(self, seq: int, event: Event) -> None:
        self._accept([(seq, event)])

    def _on_bus_state(self, live: bool) -> None:
        self._wake.set()  # up: catch up on what the gap hid; down: poll sooner
        self._notify_status()

    def _set_online(self, online: bool, exc: BaseException | None = None,
                    replayed: int | None = None) -> None:
        changed = online != self._online
        if online:
            self._online = True
            self._ever_online = True
            self._offline_since = None
            self._error = None
            if replayed is not None:
                self._replayed, self._replayed_at = replayed, time.time()
        else:
            self._online = False
            self._error = redact(f"{type(exc).__name__}: {exc}".splitlines()[0]) if exc else None
            if self._offline_since is None:
                self._offline_since = time.time()
        if changed:
            self._notify_status()

    def _notify_status(self) -> None:
        status = self.status()
        for callback in list(self._status_listeners):
            try:
                callback(status)
            except Exception:  # noqa: BLE001
                log.exception("store status listener failed")
