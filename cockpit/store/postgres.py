"""The team's shared event log in PostgreSQL (psycopg 3, pooled).

One table for every launch of an installation (`cockpit_events`, with a `launch`
column), append-only by trigger (UPDATE, DELETE and TRUNCATE are refused for
everybody). Each launch has a gapless sequence: a batch takes the launch's row in
`cockpit_launches` FOR UPDATE, so sequences commit in order and "everything after
seq N" is a complete catch-up for any reader. An event whose id is already there is
skipped, so a journal replayed twice, or a batch retried after a lost reply, adds
nothing. The schema is migrated at start, versioned, under an advisory lock, so two
cockpits starting at the same moment are safe.

Also here: presence (who is watching, upserted by a heartbeat) and the lease table
the rollback lock uses when there is no Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from cockpit.model import Event
from cockpit.redact import register_secret
from cockpit.store.spec import StoreSpec, redact_dsn

MIGRATION_LOCK = 0x636F636B  # "cock": pg_advisory_xact_lock key of the schema migration

MIGRATIONS: list[tuple[int, str]] = [
    (1, """
CREATE TABLE cockpit_launches (
    launch   text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE cockpit_events (
    launch    text NOT NULL,
    seq       bigint NOT NULL,
    id        text NOT NULL UNIQUE,
    at        double precision NOT NULL,
    author    text NOT NULL,
    kind      text NOT NULL,
    severity  text NOT NULL,
    message   text NOT NULL,
    data      jsonb NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (launch, seq)
);
CREATE INDEX cockpit_events_at ON cockpit_events (launch, at);
CREATE FUNCTION cockpit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$;
CREATE TRIGGER cockpit_events_no_change BEFORE UPDATE OR DELETE ON cockpit_events
    FOR EACH ROW EXECUTE FUNCTION cockpit_append_only();
CREATE TRIGGER cockpit_events_no_truncate BEFORE TRUNCATE ON cockpit_events
    FOR EACH STATEMENT EXECUTE FUNCTION cockpit_append_only();
"""),
    (2, """
CREATE TABLE cockpit_presence (
    launch     text NOT NULL,
    session    text NOT NULL,
    username   text NOT NULL,
    host       text NOT NULL,
    ssh_client text,
    role       text NOT NULL,
    since      timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (launch, session)
);
CREATE TABLE cockpit_leases (
    name       text PRIMARY KEY,
    token      text NOT NULL,
    info       jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
"""),
]


@dataclass(frozen=True)
class Watcher:
    """One cockpit watching a launch, as presence shows it."""

    user: str
    host: str
    ssh_client: str | None
    role: str
    since: float
    last_seen: float
    session: str = ""


def conninfo(spec: StoreSpec) -> str:
    """The libpq connection string: the URL, plus the password from password_env or
    password_file when given (else libpq's own PGPASSWORD / PGPASSFILE / ~/.pgpass)."""
    assert spec.url is not None
    password = None
    if spec.password_env:
        password = os.environ.get(spec.password_env)
        if password is None:
            raise ValueError(f"store.password_env: environment variable {spec.password_env} "
                             "is not set")
    elif spec.password_file:
        try:
            password = spec.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"store.password_file: cannot read {spec.password_file}: "
                             f"{exc.strerror}") from None
    parts = conninfo_to_dict(spec.url)
    if parts.get("password"):
        register_secret(str(parts["password"]))
    if password is not None:
        register_secret(password)
        return make_conninfo(spec.url, password=password)
    return spec.url


class PgLog:
    """The shared log of one launch. Every call may raise psycopg.Error when the
    server is away; the caller (SharedStore's link thread) handles that."""

    def __init__(self, spec: StoreSpec, launch: str, connect_timeout: float = 3.0) -> None:
        self.spec = spec
        self.launch = launch
        self.shown = redact_dsn(spec.url or "")
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(1, int(connect_timeout)),
            "application_name": "cockpit",
            # A dead peer is noticed in seconds, not after the kernel's 15 minutes.
            "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
            "keepalives_count": 2, "tcp_user_timeout": 5000,
        }
        self.pool = ConnectionPool(conninfo(spec), min_size=0, max_size=4, kwargs=kwargs,
                                   open=False, timeout=connect_timeout + 1,
                                   check=ConnectionPool.check_connection,
                                   name="cockpit-store")
        self.pool.open(wait=False)
        self._migrated = False
        self._busy: dict[int, tuple[Any, float]] = {}  # thread -> (connection, since)

    @contextlib.contextmanager
    def _conn(self) -> Iterator[Any]:
        """A pooled connection, registered while in use (see interrupt_stuck)."""
        with self.pool.connection() as conn:
            me = threading.get_ident()
            self._busy[me] = (conn, time.monotonic())
            try:
                yield conn
            finally:
                self._busy.pop(me, None)

    def interrupt_stuck(self, limit: float) -> int:
        """Shut the socket of every call running longer than `limit` seconds, so a link
        that went silent (a middlebox that takes the bytes and forwards nothing; no
        keepalive or TCP timeout fires) fails now instead of hanging the link thread."""
        stuck = 0
        at = time.monotonic()
        for conn, since in list(self._busy.values()):
            if at - since <= limit:
                continue
            try:
                dup = socket.socket(fileno=os.dup(conn.pgconn.socket))
                try:
                    dup.shutdown(socket.SHUT_RDWR)
                finally:
                    dup.close()
                stuck += 1
            except (OSError, psycopg.Error):
                continue
        return stuck

    def close(self) -> None:
        self.pool.close(timeout=2)

    def drop_connections(self) -> None:
        """After a failure: forget every pooled connection (they may all be dead)."""
        self.pool.check()

    # ---------------------------------------------------------------- schema

    def migrate(self) -> int:
        """Bring the schema to the newest version (idempotent); the version now."""
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS cockpit_schema ("
                         "version integer PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r[0] for r in conn.execute("SELECT version FROM cockpit_schema")}
            for version, sql in MIGRATIONS:
                if version not in done:
                    conn.execute(sql)
                    conn.execute("INSERT INTO cockpit_schema (version) VALUES (%s)", (version,))
        self._migrated = True
        return max(v for v, _ in MIGRATIONS)

    def ensure(self) -> None:
        if not self._migrated:
            self.migrate()

    # ---------------------------------------------------------------- events

    def append(self, events: Sequence[Event]) -> list[tuple[int, Event]]:
        """Insert `events` in their order, skipping ids already there; the (seq, event)
        of those inserted. One transaction: all of the batch or none of it."""
        self.ensure()
        if not events:
            return []
        with self._conn() as conn, conn.transaction():
            conn.execute("INSERT INTO cockpit_launches (launch) VALUES (%s) "
                         "ON CONFLICT DO NOTHING", (self.launch,))
            (last,) = conn.execute("SELECT last_seq FROM cockpit_launches WHERE launch = %s "
                                   "FOR UPDATE", (self.launch,)).fetchone()
            ids = [e.id for e in events]
            there = {r[0] for r in conn.execute(
                "SELECT id FROM cockpit_events WHERE id = ANY(%s)", (ids,))}
            rows, done = [], []
            for event in events:
                if event.id in there:
                    continue
                there.add(event.id)
                last += 1
                rows.append((self.launch, last, event.id, event.at, event.author,
                             str(event.kind), str(event.severity), event.message,
                             json.dumps(dict(event.data), default=str, sort_keys=True)))
                done.append((last, event))
            if rows:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO cockpit_events (launch, seq, id, at, author, kind, "
                        "severity, message, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                        " ON CONFLICT (id) DO NOTHING", rows)
                conn.execute("UPDATE cockpit_launches SET last_seq = %s WHERE launch = %s",
                             (last, self.launch))
        return done

    def after(self, seq: int, limit: int = 5000) -> list[tuple[int, Event]]:
        """Events of this launch after `seq`, in sequence order."""
        self.ensure()
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT seq, id, at, author, kind, severity, message, data FROM cockpit_events "
                "WHERE launch = %s AND seq > %s ORDER BY seq LIMIT %s",
                (self.launch, seq, limit)).fetchall()
        return [(int(r[0]), _event(r)) for r in rows]

    def last_seq(self) -> int:
        self.ensure()
        with self._conn() as conn:
            row = conn.execute("SELECT last_seq FROM cockpit_launches WHERE launch = %s",
                               (self.launch,)).fetchone()
        return int(row[0]) if row else 0

    # ---------------------------------------------------------------- presence

    def heartbeat(self, session: str, user: str, host: str, ssh_client: str | None,
                  role: str) -> None:
        self.ensure()
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO cockpit_presence (launch, session, username, host, ssh_client, "
                "role) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (launch, session) DO UPDATE "
                "SET last_seen = now(), role = EXCLUDED.role",
                (self.launch, session, user, host, ssh_client, role))

    def leave(self, session: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM cockpit_presence WHERE launch = %s AND session = %s",
                         (self.launch, session))

    def watchers(self, within: float = 30.0) -> list[Watcher]:
        """Cockpits of this launch seen in the last `within` seconds (server clock)."""
        self.ensure()
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT username, host, ssh_client, role, extract(epoch FROM since), "
                "extract(epoch FROM last_seen), session FROM cockpit_presence "
                "WHERE launch = %s AND last_seen > now() - make_interval(secs => %s) "
                "ORDER BY since", (self.launch, within)).fetchall()
        return [Watcher(r[0], r[1], r[2], r[3], float(r[4]), float(r[5]), r[6]) for r in rows]


def _event(row: Iterable[Any]) -> Event:
    _seq, id_, at, author, kind, severity, message, data = row
    if isinstance(data, str):
        data = json.loads(data)
    return Event(kind=kind, message=message, severity=severity, data=data, author=author,
                 at=float(at), id=id_)


__all__ = ["MIGRATIONS", "PgLog", "Watcher", "conninfo", "psycopg"]
