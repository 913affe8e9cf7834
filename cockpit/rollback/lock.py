"""One rollback at a time per launch: a lock file that a dead holder cannot keep.

The file holds who (user@host), which process, since when and for which rollback.
It is created with O_EXCL, so of two cockpits racing exactly one wins; the loser is
told who holds it. The lock is stale, and is broken, when its holder process is gone
from this host, or when it is older than its TTL (a holder on another host, or a
machine that rebooted). The cockpit that acquires it hands it to the runner process,
which releases it when the rollback ends.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cockpit.model import whoami


@dataclass(frozen=True)
class LockInfo:
    holder: str  # user@host
    host: str
    pid: int
    started: float
    rollback_id: str
    ttl: float

    def describe(self, at: float | None = None) -> str:
        age = max(0.0, (time.time() if at is None else at) - self.started)
        stamp = time.strftime("%H:%M:%S UTC", time.gmtime(self.started))
        return (
            f"{self.holder} (pid {self.pid}) has been rolling back since {stamp} "
            f"({age:.0f}s ago, rollback {self.rollback_id[:8]})"
        )


class LockHeld(Exception):
    """Another rollback of this launch is under way."""

    def __init__(self, info: LockInfo) -> None:
        self.info = info
        super().__init__(f"another rollback is running: {info.describe()}")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) holds nothing.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stale(info: LockInfo, at: float | None = None) -> str | None:
    """Why `info` no longer holds the lock, or None while it does (the same rule for the
    file, Redis and PostgreSQL locks)."""
    at = time.time() if at is None else at
    if at - info.started > info.ttl:
        return f"older than its TTL of {info.ttl:.0f}s"
    if info.host == socket.gethostname() and not pid_alive(info.pid):
        return f"its process {info.pid} is gone"
    return None


class LockBase:
    """What every rollback lock shows of its holder; each kind says how it `read()`s and
    which errors mean the lock cannot be reached (`unreachable`)."""

    unreachable: tuple[type[BaseException], ...] = ()

    def read(self) -> LockInfo | None:
        raise NotImplementedError

    def stale(self, info: LockInfo, at: float | None = None) -> str | None:
        return stale(info, at)

    def holder(self) -> LockInfo | None:
        """The live holder, for display (None when free, stale, or out of reach)."""
        try:
            info = self.read()
        except self.unreachable:
            return None
        return info if info is not None and stale(info) is None else None


class RollbackLock(LockBase):
    """The lock file at `path`; `ttl` bounds how long any holder can keep it."""

    def __init__(self, path: Path, ttl: float = 1800.0) -> None:
        self.path = Path(path)
        self.ttl = ttl
        # Stale locks broken by the last acquire(), with why: for the incident log.
        self.broken: list[tuple[LockInfo, str]] = []

    def read(self) -> LockInfo | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LockInfo(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            # Half-written or foreign content: treat as held since its mtime.
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                return None
            return LockInfo("unknown", "", -1, mtime, "unknown", self.ttl)

    def acquire(self, rollback_id: str, pid: int | None = None) -> LockInfo:
        """Take the lock for `rollback_id`, breaking a stale one; raise LockHeld otherwise."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        info = LockInfo(
            holder=whoami(),
            host=socket.gethostname(),
            pid=os.getpid() if pid is None else pid,
            started=time.time(),
            rollback_id=rollback_id,
            ttl=self.ttl,
        )
        self.broken = []
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                current = self.read()
                why = self.stale(current) if current is not None else None
                if current is not None and why is None:
                    raise LockHeld(current) from None
                if self._break(current) and current is not None and why is not None:
                    self.broken.append((current, why))
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(info), f)
            return info
        current = self.read()
        raise LockHeld(current or info)

    def _break(self, seen: LockInfo | None) -> bool:
        """Remove a stale lock, unless someone replaced it since we looked; True if removed."""
        aside = self.path.with_name(f"{self.path.name}.stale.{os.getpid()}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False
        try:
            moved = json.loads(aside.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            moved = None
        broke = True
        if seen is not None and moved is not None and moved != asdict(seen):
            # A live lock was created between our read and the rename: put it back.
            broke = False
            try:
                os.link(aside, self.path)
            except FileExistsError:
                pass
        aside.unlink(missing_ok=True)
        return broke

    def hand_over(self, rollback_id: str, pid: int) -> bool:
        """Give our lock to the runner process `pid` (atomic replace; same rollback only).

        False when there is nothing to hand over: a fast runner already finished and
        released it (and someone else may hold it now for another rollback).
        """
        info = self.read()
        if info is None or info.rollback_id != rollback_id:
            return False
        updated = LockInfo(**{**asdict(info), "pid": pid})
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(updated)), encoding="utf-8")
        os.replace(tmp, self.path)
        return True

    def release(self, rollback_id: str) -> bool:
        """Drop the lock if it is still ours (a TTL-broken lock may belong to another now)."""
        info = self.read()
        if info is None or info.rollback_id != rollback_id:
            return False
        self.path.unlink(missing_ok=True)
        return True
