"""The local side of a shared log: a SQLite file beside the launch's state.

It holds a copy of the launch's events (everything this cockpit wrote or fetched,
append-only like any event log) and the queue of events written here that the shared
log has not confirmed yet. Writing an event commits it here first, in one
transaction with its place in the queue, so nothing the operator did waits on the
network or is lost while the network is away (design invariant 3); the link thread
ships the queue in order and removes what the shared log committed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from cockpit.model import Event
from cockpit.store.sqlite import SqliteStore, StoreError, _why

_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    qseq INTEGER PRIMARY KEY AUTOINCREMENT,
    id   TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sync (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class LocalJournal(SqliteStore):
    """The launch's events on this host plus the queue waiting for the shared log."""

    def __init__(self, path: str | Path, launch: str) -> None:
        super().__init__(path)
        self.launch = launch
        with self._lock:
            self._db.executescript(_JOURNAL_SCHEMA)

    def write(self, event: Event) -> bool:
        """Commit `event` here and queue it for the shared log; False if already here."""
        row = (event.id, event.at, event.author, str(event.kind), str(event.severity),
               event.message, json.dumps(dict(event.data), default=str, sort_keys=True))
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    cur = self._db.execute(
                        "INSERT OR IGNORE INTO events (id, at, author, kind, severity, message,"
                        " data) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                    inserted = cur.rowcount == 1
                    if inserted:
                        self._db.execute("INSERT OR IGNORE INTO pending (id) VALUES (?)",
                                         (event.id,))
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                # As the SQLite log says it (disk full, read-only): one line, NOT written.
                raise StoreError(f"{self.path}: {_why(exc)}") from None
        return inserted

    def keep(self, events: Iterable[Event]) -> list[Event]:
        """Copy events fetched from the shared log; the ones that were new here."""
        new = []
        for event in events:
            if super().append(event):
                new.append(event)
        return new

    def keep_many(self, rows: list[tuple[int, Event]]) -> dict[str, int | None]:
        """Copy a run of the shared log (seq, event), in one transaction, and record that
        this copy is complete up to the last seq. Returns, for each event id, the local
        seq it had *before* (None: it is new here)."""
        if not rows:
            return {}
        ids = [e.id for _, e in rows]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before: dict[str, int | None] = dict.fromkeys(ids)
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    marks = ",".join("?" * len(chunk))  # placeholders only, no values
                    for id_, seq in self._db.execute(
                            f"SELECT id, seq FROM events WHERE id IN ({marks})", chunk):  # noqa: S608
                        before[id_] = int(seq)
                self._db.executemany(
                    "INSERT OR IGNORE INTO events (id, at, author, kind, severity, message, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(e.id, e.at, e.author, str(e.kind), str(e.severity), e.message,
                      json.dumps(dict(e.data), default=str, sort_keys=True))
                     for _, e in rows if before[e.id] is None])
                self._db.execute(
                    "INSERT INTO sync (key, value) VALUES (?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET value = excluded.value "
                    "WHERE CAST(excluded.value AS INTEGER) > CAST(sync.value AS INTEGER)",
                    (f"remote_seq:{self.launch}", str(rows[-1][0])))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return before

    def pending(self, limit: int = 500) -> list[Event]:
        """Queued events, oldest first (the order they were written here)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT e.id, e.at, e.author, e.kind, e.severity, e.message, e.data, e.seq "
                "FROM pending p JOIN events e ON e.id = p.id ORDER BY p.qseq LIMIT ?",
                (limit,)).fetchall()
        return [Event(kind=r[3], message=r[5], severity=r[4], data=json.loads(r[6]),
                      author=r[2], at=r[1], id=r[0]) for r in rows]

    def pending_count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM pending").fetchone()
        return int(n)

    def shipped(self, ids: Iterable[str]) -> None:
        """The shared log has these (committed): take them off the queue."""
        ids = list(ids)
        if not ids:
            return
        with self._lock:  # one transaction: one commit for the whole batch
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def local_seq(self, event_id: str) -> int | None:
        """This file's own sequence of the event with `event_id` (None: not here)."""
        with self._lock:
            row = self._db.execute("SELECT seq FROM events WHERE id = ?", (event_id,)).fetchone()
        return int(row[0]) if row else None

    def remote_seq(self) -> int:
        """The shared log's sequence this copy is complete up to."""
        with self._lock:
            row = self._db.execute("SELECT value FROM sync WHERE key = ?",
                                   (f"remote_seq:{self.launch}",)).fetchone()
        return int(row[0]) if row else 0

    def set_remote_seq(self, seq: int) -> None:
        with self._lock:
            self._db.execute("INSERT INTO sync (key, value) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value "
                             "WHERE CAST(excluded.value AS INTEGER) > CAST(sync.value AS INTEGER)",
                             (f"remote_seq:{self.launch}", str(seq)))
