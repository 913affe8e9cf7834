"""The rollback lock across hosts: two captains on two bastions, exactly one rolls back.

With a bus configured the lock is a Redis key (`SET NX PX`: one winner; the value
names the holder and the rollback, the expiry outlasts the command's timeout; only
the holder's rollback id releases or hands it over, by a compare-and-delete script).
With a PostgreSQL store and no bus it is a lease row taken under a transaction-level
advisory lock. Without either, the lock file of lock.py (one host).

A lock whose holder process died on this host is broken at once; on another host it
expires. When the shared lock cannot be reached the rollback is refused (fail closed:
two captains must never both run), with the reason.
"""

from __future__ import annotations

import json
import os
import socket
import time
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cockpit.model import whoami
from cockpit.rollback.lock import LockBase, LockHeld, LockInfo, RollbackLock, stale
from cockpit.rollback.plan import RollbackError

_RELEASE = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\\n' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_HAND_OVER = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\\n' then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
"""
_BREAK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LockUnavailable(RollbackError):
    """The shared lock could not be reached: no rollback starts without it."""


def _info(rollback_id: str, ttl: float, pid: int | None = None) -> LockInfo:
    return LockInfo(holder=whoami(), host=socket.gethostname(),
                    pid=os.getpid() if pid is None else pid, started=time.time(),
                    rollback_id=rollback_id, ttl=ttl)


class RedisLock(LockBase):
    """The launch's rollback lock as one Redis key."""

    unreachable = (LockUnavailable,)
    kind = "redis"

    def __init__(self, url: str, launch: str, ttl: float = 1800.0, timeout: float = 3.0) -> None:
        import redis  # noqa: PLC0415

        self.url, self.launch, self.ttl = url, launch, ttl
        self.key = f"cockpit:rollback-lock:{launch}"
        self.path = Path(self.key)  # for messages that name where the lock is
        self.broken: list[tuple[LockInfo, str]] = []
        self._errors = (redis.RedisError, OSError)
        self._r = redis.Redis.from_url(url, socket_timeout=timeout,
                                       socket_connect_timeout=timeout)

    def spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "launch": self.launch, "ttl": self.ttl}

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self._errors as exc:
            raise LockUnavailable(f"the rollback lock in Redis cannot be reached ({exc}): "
                                  "no rollback starts without it") from None

    def _read_raw(self) -> tuple[str | None, LockInfo | None]:
        raw = self._call(self._r.get, self.key)
        if raw is None:
            return None, None
        text = raw.decode("utf-8", "replace")
        try:
            return text, LockInfo(**json.loads(text.split("\n", 1)[1]))
        except (ValueError, TypeError, IndexError):
            return text, LockInfo("unknown", "", -1, time.time(), "unknown", self.ttl)

    def read(self) -> LockInfo | None:
        return self._read_raw()[1]

    def acquire(self, rollback_id: str, pid: int | None = None) -> LockInfo:
        info = _info(rollback_id, self.ttl, pid)
        value = f"{rollback_id}\n{json.dumps(asdict(info))}"
        self.broken = []
        for _ in range(5):
            if self._call(self._r.set, self.key, value, None, int(self.ttl * 1000), True):
                return info
            raw, current = self._read_raw()
            if raw is None:
                continue  # expired between the two calls
            why = stale(current) if current is not None else None
            if why is None:
                raise LockHeld(current)  # type: ignore[arg-type]
            if self._call(self._r.eval, _BREAK, 1, self.key, raw) and current is not None:
                self.broken.append((current, why))
        current = self.read()
        raise LockHeld(current or info)

    def hand_over(self, rollback_id: str, pid: int) -> bool:
        info = self.read()
        if info is None or info.rollback_id != rollback_id:
            return False
        updated = json.dumps({**asdict(info), "pid": pid})
        return bool(self._call(self._r.eval, _HAND_OVER, 1, self.key, rollback_id,
                               f"{rollback_id}\n{updated}"))

    def release(self, rollback_id: str) -> bool:
        return bool(self._call(self._r.eval, _RELEASE, 1, self.key, rollback_id))


class PgLock(LockBase):
    """The launch's rollback lock as a lease row in PostgreSQL (no Redis configured)."""

    unreachable = (LockUnavailable,)
    kind = "postgresql"

    def __init__(self, store: dict[str, Any], launch: str, ttl: float = 1800.0) -> None:
        from cockpit.store.spec import parse  # noqa: PLC0415

        self.store, self.launch, self.ttl = store, launch, ttl
        self.spec_ = parse(store)
        self.name = f"rollback:{launch}"
        self.path = Path(self.name)
        self.broken: list[tuple[LockInfo, str]] = []

    def spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "store": self.store, "launch": self.launch, "ttl": self.ttl}

    def _conn(self) -> Any:
        import psycopg  # noqa: PLC0415

        from cockpit.store.postgres import PgLog, conninfo  # noqa: PLC0415

        try:
            log = PgLog(self.spec_, self.launch)  # migrates (the lease table) on first use
            try:
                log.ensure()
            finally:
                log.close()
            return psycopg.connect(conninfo(self.spec_), autocommit=True, connect_timeout=3)
        except (psycopg.Error, OSError) as exc:
            raise LockUnavailable(f"the rollback lock in PostgreSQL cannot be reached "
                                  f"({str(exc).splitlines()[0] if str(exc) else exc}): "
                                  "no rollback starts without it") from None

    def read(self) -> LockInfo | None:
        with self._conn() as conn:
            row = conn.execute("SELECT info FROM cockpit_leases WHERE name = %s "
                               "AND expires_at > now()", (self.name,)).fetchone()
        return LockInfo(**row[0]) if row else None

    def acquire(self, rollback_id: str, pid: int | None = None) -> LockInfo:
        info = _info(rollback_id, self.ttl, pid)
        self.broken = []
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)",
                         (zlib.crc32(self.name.encode()) & 0x7FFFFFFF,))
            row = conn.execute("SELECT info, expires_at > now() FROM cockpit_leases "
                               "WHERE name = %s", (self.name,)).fetchone()
            if row is not None:
                current = LockInfo(**row[0])
                why = stale(current) if row[1] else "its lease expired"
                if why is None:
                    raise LockHeld(current)
                self.broken.append((current, why))
            conn.execute(
                "INSERT INTO cockpit_leases (name, token, info, expires_at) VALUES "
                "(%s, %s, %s, now() + make_interval(secs => %s)) ON CONFLICT (name) DO UPDATE "
                "SET token = EXCLUDED.token, info = EXCLUDED.info, "
                "expires_at = EXCLUDED.expires_at",
                (self.name, rollback_id, json.dumps(asdict(info)), self.ttl))
        return info

    def hand_over(self, rollback_id: str, pid: int) -> bool:
        with self._conn() as conn:
            cur = conn.execute("UPDATE cockpit_leases SET info = jsonb_set(info, '{pid}', "
                               "to_jsonb(%s::int)) WHERE name = %s AND token = %s",
                               (pid, self.name, rollback_id))
            return cur.rowcount == 1

    def release(self, rollback_id: str) -> bool:
        with self._conn() as conn:
            cur = conn.execute("DELETE FROM cockpit_leases WHERE name = %s AND token = %s",
                               (self.name, rollback_id))
            return cur.rowcount == 1


def lock_for(config: Any, path: Path, ttl: float) -> Any:
    """The launch's lock: Redis when a bus is configured, else PostgreSQL for a shared
    store, else the lock file at `path`."""
    bus = getattr(config, "bus", None)
    launch = str(getattr(config, "launch", "launch"))
    if bus:
        return RedisLock(bus, launch, ttl)
    store = getattr(config, "store", None)
    url = getattr(store, "url", store)
    if isinstance(url, str) and url.startswith(("postgresql://", "postgres://")):
        from cockpit.store import spec_of  # noqa: PLC0415

        return PgLock(spec_of(config).as_dict(), launch, ttl)
    return RollbackLock(path, ttl=ttl)


def lock_spec(lock: Any) -> Any:
    """What the runner needs to release `lock` (a path, or the shared lock's spec)."""
    spec = getattr(lock, "spec", None)
    return spec() if callable(spec) else str(lock.path)


def open_lock(spec: Any) -> Any:
    """The lock named by `lock_spec()` (in the runner process)."""
    if isinstance(spec, dict):
        if spec.get("kind") == "redis":
            return RedisLock(spec["url"], spec["launch"], float(spec.get("ttl", 1800.0)))
        return PgLock(spec["store"], spec["launch"], float(spec.get("ttl", 1800.0)))
    return RollbackLock(Path(spec))
