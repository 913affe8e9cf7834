"""The append-only event log in SQLite: the default store, one database per launch.

WAL mode so two cockpit processes on one host (a captain and a watcher) can write
and read together. Events are only ever inserted; an event whose id is already
there is ignored, so replaying a journal or another operator's events is harmless.
`synchronous=FULL`: an append has reached the disk when it returns (NORMAL in WAL
mode may lose the last commits on power loss; the promise is "committed when it
happens").

The file is outside input too: a read-only filesystem, a corrupt or truncated
file, a directory or a path under a file, a full disk. Each is a `StoreError` with
one line naming the file and what to do, never a sqlite traceback. Readers (`log
list`, `log export`) open with `read_only=True`: no WAL switch, no CREATE, so a log
on a read-only mount or a copy handed over for a post-mortem can still be read.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

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


class StoreError(RuntimeError):
    """The event log cannot be used; `str()` is one line naming the file and why."""


def _why(exc: BaseException) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "read-only (a read-only filesystem or file): the event was NOT written"
    if "disk is full" in text or "disk full" in text:
        return "disk full: the event was NOT written; free space, nothing is lost so far"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ("not a readable cockpit event log (corrupt or truncated); keep it for "
                "inspection and start a new file with --store")
    if "unable to open" in text:
        return "cannot open the file (a directory, or a path under a file?)"
    if "no such table" in text:
        return "not a cockpit event log (no events table)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _read_only_fs(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class SqliteStore:
    """Append-only events in one SQLite file. Thread-safe; cheap to open."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.read_only = read_only
        memory = str(path) == ":memory:"
        self._lock = threading.Lock()
        self._listeners: list[Callable[[list[Event]], None]] = []
        self._mine: set[int] | None = None  # seqs this store inserted, while one listens
        self._seen = 0
        self._stop = threading.Event()
        try:
            if memory:
                self._db = self._connect(":memory:", uri=False)
            elif read_only:
                self._db = self._open_read_only()
            else:
                self._db = self._open_writable()
        except StoreError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: {_why(exc)}") from None

    @staticmethod
    def _connect(target: str, uri: bool) -> sqlite3.Connection:
        return sqlite3.connect(
            target,
            timeout=10.0,
            isolation_level=None,  # autocommit: every append is durable when it returns
            check_same_thread=False,
            uri=uri,
        )

    def _open_writable(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not an event log file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StoreError(f"{self.path}: a parent of it is a file, not a directory") from None
        except NotADirectoryError:
            raise StoreError(f"{self.path}: a parent of it is a file, not a directory") from None
        if _read_only_fs(self.path.parent):
            raise StoreError(f"{self.path}: on a read-only filesystem: events cannot be "
                             "written (`cockpit log list` can still read it)")
        db = self._connect(str(self.path), uri=False)
        try:
            db.execute("PRAGMA busy_timeout=10000")
            tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables - {"sqlite_sequence"} and "events" not in tables:  # someone else's data
                raise StoreError(f"{self.path}: not a cockpit event log (no events table); "
                                 "name another file with --store")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            db.execute("SELECT seq FROM events LIMIT 1").fetchall()  # a corrupt file fails here
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not an event log file")
        if not self.path.exists():
            raise StoreError(f"{self.path}: no event log here (nothing was recorded yet?)")
        base = f"file:{quote(str(self.path))}?mode=ro"
        last: sqlite3.Error | None = None
        # A WAL log on a read-only mount cannot make its -shm file: read it immutable.
        for target in (base, base + "&immutable=1"):
            db = self._connect(target, uri=True)
            try:
                db.execute("PRAGMA busy_timeout=10000")
                db.execute("SELECT seq FROM events LIMIT 1").fetchall()
                return db
            except sqlite3.Error as exc:
                db.close()
                last = exc
                if "not a database" in str(exc) or "no such table" in str(exc):
                    break
        assert last is not None
        raise StoreError(f"{self.path}: {_why(last)}")

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
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only: the event was NOT written")
        with self._lock:
            try:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO events (id, at, author, kind, severity, message, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {_why(exc)}") from None
            if cur.rowcount == 1 and self._mine is not None and cur.lastrowid is not None:
                self._mine.add(cur.lastrowid)
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
            try:
                rows = self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {_why(exc)}") from None
        try:
            return [_event(r) for r in reversed(rows)]
        except (ValueError, TypeError) as exc:  # a row written by something else
            raise StoreError(f"{self.path}: an event row is unreadable ({exc})") from None

    def last_seq(self) -> int:
        with self._lock:
            try:
                (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {_why(exc)}") from None
        return int(seq)

    def on_remote(self, callback: Callable[[list[Event]], None], every: float = 2.0) -> None:
        """Call `callback(events)` (from a background thread) with the events another
        process wrote to this file: a `cockpit tick` from the shell, a second cockpit on
        this host. Without it a running screen never saw them (an untick from a runbook
        left the screen at GO). Read by sequence every `every` s; our own inserts left out."""
        if str(self.path) == ":memory:":
            return
        start = not self._listeners
        seen = self.last_seq()
        with self._lock:
            self._listeners.append(callback)
            if start:
                self._seen, self._mine = seen, set()
        if start:
            threading.Thread(target=self._follow, args=(every,), name="sqlite-follow",
                             daemon=True).start()

    def _follow(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.poll_remote()
            except StoreError:
                continue  # a busy or full disk: the next round tries again

    def poll_remote(self) -> list[Event]:
        """One round of `on_remote`: the others' events since the last round, told."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT id, at, author, kind, severity, message, data, seq FROM events"
                    " WHERE seq > ? ORDER BY seq", (self._seen,)).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {_why(exc)}") from None
            mine = self._mine if self._mine is not None else set()
            theirs = [r for r in rows if r[7] not in mine]
            if rows:
                self._seen = rows[-1][7]
                mine.difference_update(r[7] for r in rows)
            listeners = list(self._listeners)
        try:
            events = [_event(r) for r in theirs]
        except (ValueError, TypeError):
            return []  # a row written by something else: `events()` says so
        if events:
            for callback in listeners:
                callback(events)
        return events

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._db.close()


def _event(row: tuple) -> Event:
    id_, at, author, kind, severity, message, data, _seq = row
    return Event(kind=kind, message=message, severity=severity, data=json.loads(data),
                 author=author, at=at, id=id_)
