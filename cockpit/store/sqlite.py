"""The append-only event log in SQLite: the default store, one database per launch.

WAL mode so two cockpit processes on one host (a captain and a watcher) can write
and read together. Events are only ever inserted; an event whose id is already
there is ignored, so replaying a journal or another operator's events is harmless.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from cockpit.model import Event

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    at       REAL NOT NULL,
    author   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    severity TEXT NOT NULL,
    message  TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, at);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
"""


class SqliteStore:
    """Append-only events in one SQLite file. Thread-safe; cheap to open."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path) if str(path) == ":memory:" else str(self.path),
            timeout=10.0,
            isolation_level=None,  # autocommit: every append is durable when it returns
            check_same_thread=False,
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)

    def append(self, event: Event) -> bool:
        """Insert `event`; False when an event with its id is already there."""
        row = (
            event.id,
            event.at,
            event.author,
            str(event.kind),
            str(event.severity),
            event.message,
            json.dumps(dict(event.data), default=str, sort_keys=True),
        )
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO events (id, at, author, kind, severity, message, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return cur.rowcount == 1

    def extend(self, events: Iterable[Event]) -> int:
        return sum(self.append(e) for e in events)

    def events(
        self,
        since: float | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[Event]:
        """Events oldest first; `limit` keeps the newest `limit` of them."""
        where, args = [], []
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        if after_seq is not None:
            where.append("seq > ?")
            args.append(after_seq)
        kind_list = [str(k) for k in kinds] if kinds is not None else None
        if kind_list:
            where.append(f"kind IN ({','.join('?' * len(kind_list))})")
            args.extend(kind_list)
        sql = "SELECT id, at, author, kind, severity, message, data, seq FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at DESC, seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_event(r) for r in reversed(rows)]

    def last_seq(self) -> int:
        with self._lock:
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(seq)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _event(row: tuple) -> Event:
    id_, at, author, kind, severity, message, data, _seq = row
    return Event(kind=kind, message=message, severity=severity, data=json.loads(data),
                 author=author, at=at, id=id_)
