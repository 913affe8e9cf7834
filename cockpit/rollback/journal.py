"""The on-disk journal of one rollback: what was asked, its output, and how it ended.

`<root>/<rollback id>/`:
  request.json  the plan, who confirmed, where the lock and the event store are
  output.log    the command's output, line by line, as it comes (redacted)
  status.json   starting -> running (runner pid) -> ended (exit code, times); replaced atomically
  runner.err    the runner's own stderr (a traceback, if it ever has one)

The runner process writes it; any cockpit, the one that started the rollback or one
started later, reads it back to show the rollback running, or its outcome.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.rollback.lock import pid_alive
from cockpit.rollback.plan import Plan

REQUEST = "request.json"
STATUS = "status.json"
OUTPUT = "output.log"
RUNNER_ERR = "runner.err"

# A journal left in "starting" this long without a runner pid never got its runner.
START_GRACE = 60.0


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON atomically (temp file + rename) so a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class JournalState:
    """A rollback as its journal tells it."""

    dir: Path
    rollback_id: str
    plan: Plan
    confirmed_by: str
    state: str  # starting | running | ended | lost
    pid: int | None
    started_at: float
    ended_at: float | None
    exit_code: int | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("ended", "lost")

    @property
    def succeeded(self) -> bool:
        return self.state == "ended" and self.exit_code == 0

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else max(0.0, self.ended_at - self.started_at)

    def output(self) -> list[str]:
        try:
            text = (self.dir / OUTPUT).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return text.splitlines()

    def tail(self, lines: int = 20) -> list[str]:
        return self.output()[-lines:]

    def outcome(self) -> str:
        """One line for the operator, the outcome first (log panes cut long lines)."""
        what = self.plan.brief()
        if self.state == "lost":
            why = self.error or "no status"
            return f"rollback outcome UNKNOWN, the runner process died ({why}): {what}"
        if self.state != "ended":
            return f"rollback running since {_clock(self.started_at)} (pid {self.pid}): {what}"
        took = f" in {self.duration:.1f}s" if self.duration is not None else ""
        if self.exit_code == 0:
            return f"rollback succeeded{took}: {what}"
        err = f": {self.error}" if self.error else ""
        return f"rollback FAILED with exit code {self.exit_code}{took}: {what}{err}"


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(at))


def create(root: Path, plan: Plan, confirmed_by: str, extra: Mapping[str, Any]) -> Path:
    """A new journal directory for `plan` (its id is the rollback id)."""
    d = Path(root) / plan.id
    d.mkdir(parents=True, exist_ok=False)
    write_json(
        d / REQUEST,
        {"rollback_id": plan.id, "plan": plan.to_dict(), "confirmed_by": confirmed_by, **extra},
    )
    (d / OUTPUT).touch()
    write_json(
        d / STATUS,
        {"state": "starting", "pid": None, "host": socket.gethostname(), "started_at": time.time()},
    )
    return d


def request(d: Path) -> dict[str, Any]:
    data = _read_json(Path(d) / REQUEST)
    if data is None:
        raise FileNotFoundError(f"no readable {REQUEST} in {d}")
    return data


def set_status(d: Path, **fields: Any) -> dict[str, Any]:
    status = _read_json(Path(d) / STATUS) or {}
    status.update(fields)
    write_json(Path(d) / STATUS, status)
    return status


def read(d: Path, at: float | None = None) -> JournalState | None:
    """The state of the journal in `d`, or None when it is not a readable journal."""
    d = Path(d)
    req = _read_json(d / REQUEST)
    status = _read_json(d / STATUS)
    if req is None or status is None:
        return None
    try:
        plan = Plan.from_dict(req["plan"])
    except (KeyError, TypeError, ValueError):
        return None
    at = time.time() if at is None else at
    state = str(status.get("state", "starting"))
    pid = status.get("pid")
    error = status.get("error")
    here = status.get("host") in (None, socket.gethostname())
    if state == "running" and here and pid is not None and not pid_alive(int(pid)):
        # Re-read: the runner may have finished between our two reads.
        status = _read_json(d / STATUS) or status
        state = str(status.get("state", state))
        if state == "running":
            state, error = "lost", f"runner process {pid} exited without writing an outcome"
    elif state == "starting" and at - float(status.get("started_at", at)) > START_GRACE:
        state, error = "lost", "the runner never started"
    return JournalState(
        dir=d,
        rollback_id=str(req["rollback_id"]),
        plan=plan,
        confirmed_by=str(req.get("confirmed_by", "")),
        state=state,
        pid=int(pid) if pid is not None else None,
        started_at=float(status.get("started_at", 0.0)),
        ended_at=float(status["ended_at"]) if status.get("ended_at") is not None else None,
        exit_code=int(status["exit_code"]) if status.get("exit_code") is not None else None,
        error=str(error) if error else None,
    )


def all_journals(root: Path) -> list[JournalState]:
    """Every readable journal under `root`, oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    states = [s for d in root.iterdir() if d.is_dir() and (s := read(d)) is not None]
    return sorted(states, key=lambda s: s.started_at)


async def follow(d: Path, poll: float = 0.1, from_start: bool = True) -> AsyncIterator[str]:
    """The output lines of the rollback in `d` as they come, until it has finished."""
    path = Path(d) / OUTPUT
    pos = 0 if from_start else (path.stat().st_size if path.exists() else 0)
    buf = b""
    while True:
        state = read(d)
        finished = state is None or state.finished
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        pos += len(chunk)
        buf += chunk
        *complete, buf = buf.split(b"\n")
        for line in complete:
            yield line.decode("utf-8", errors="replace")
        if finished and not chunk:
            if buf:
                yield buf.decode("utf-8", errors="replace")
            return
        if not chunk:
            await asyncio.sleep(poll)
