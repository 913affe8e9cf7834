"""The detached rollback process: `python -m cockpit.rollback.runner JOURNAL_DIR`.

Started by the cockpit with `start_new_session=True`, so it has no controlling
terminal and a dropped SSH session (SIGHUP) or a killed cockpit does not stop it.
It reads its plan from the journal, runs it, streams the output into the journal,
writes the outcome there, records the end event (when it was given a store; the id is
derived from the rollback id, so the cockpit recording it again is a no-op) and
releases the launch's rollback lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from cockpit.redact import redact
from cockpit.rollback import journal
from cockpit.rollback.plan import Plan

EXIT_RUNNER_ERROR = 70  # EX_SOFTWARE: the runner itself failed, not the command


def _open_store(spec: str | dict[str, Any] | None) -> Any:
    """The event log named in the request (store.open, as everybody), or None."""
    if not spec:
        return None
    from cockpit import store  # noqa: PLC0415

    if isinstance(spec, str):
        return store.open(spec)
    journal = spec.get("journal")
    return store.open(spec, launch=str(spec.get("launch") or "launch"),
                      journal=Path(journal) if journal else None)


def _run_helm(plan: Plan, emit: Callable[[str], None]) -> int:
    from cockpit.rollback.helm import rollback_argv  # noqa: PLC0415

    # Rebuild the argv from the validated fields: the journal is a file, not a trust root.
    argv = rollback_argv(
        plan.argv[0], plan.target, plan.to.number, str(plan.namespace), plan.context, plan.timeout
    )
    if tuple(argv) != tuple(plan.argv):
        raise RuntimeError("the journaled command does not match its plan")
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=0,
    )
    assert proc.stdout is not None
    buf = b""
    while chunk := os.read(proc.stdout.fileno(), 65536):
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            emit(line.decode("utf-8", errors="replace"))
    if buf:
        emit(buf.decode("utf-8", errors="replace"))
    return proc.wait()


def _run_ecs(plan: Plan, emit: Callable[[str], None]) -> int:
    from cockpit.rollback import ecs  # noqa: PLC0415

    poll = float(os.environ.get("COCKPIT_ECS_POLL", "5"))
    return ecs.execute(plan, emit, poll=poll)


def run(d: Path) -> int:
    """Run the rollback journaled in `d`; return its exit code."""
    req = journal.request(d)
    plan = Plan.from_dict(req["plan"])
    journal.set_status(d, state="running", pid=os.getpid())
    out: IO[str] = open(d / journal.OUTPUT, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def emit(line: str) -> None:
        out.write(redact(line.rstrip("\r")) + "\n")
        out.flush()

    code: int
    error: str | None = None
    try:
        code = _run_helm(plan, emit) if plan.kind == "helm" else _run_ecs(plan, emit)
        if code != 0:
            error = _last_error(d)
    except Exception as exc:  # noqa: BLE001 - whatever happens, the journal gets an outcome
        error = redact(f"{type(exc).__name__}: {exc}")
        emit(f"cockpit runner: {error}")
        code = EXIT_RUNNER_ERROR
    finally:
        out.close()
    journal.set_status(d, state="ended", exit_code=code, ended_at=time.time(), error=error)
    _finish(d, req)
    return code


def _last_error(d: Path) -> str | None:
    state = journal.read(d)
    if state is None:
        return None
    for line in reversed(state.output()):
        if line.strip():
            return line.strip()[:500]
    return None


def _finish(d: Path, req: dict[str, Any]) -> None:
    """Record the end event and release the lock; failures here never change the outcome."""
    from cockpit.rollback.events import end_event, record  # noqa: PLC0415
    from cockpit.rollback.shared_lock import open_lock  # noqa: PLC0415

    state = journal.read(d)
    try:
        store = _open_store(req.get("store"))
        if store is not None and state is not None:
            record(store, end_event(state))
            close = getattr(store, "close", None)
            if callable(close):
                close()
    except Exception as exc:  # noqa: BLE001
        print(f"cockpit runner: could not record the end event: {exc}", file=sys.stderr)
    if req.get("lock"):
        try:
            open_lock(req["lock"]).release(str(req["rollback_id"]))
        except Exception as exc:  # noqa: BLE001 - the lock then expires on its own
            print(f"cockpit runner: could not release the lock: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cockpit.rollback.runner JOURNAL_DIR", file=sys.stderr)
        return 2
    # Own session already (start_new_session); ignore hangups anyway, and let the
    # command run to its end even if someone sends the group an interrupt.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return run(Path(args[0]))


if __name__ == "__main__":
    sys.exit(main())
