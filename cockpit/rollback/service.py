"""Rollback for one launch: plan, authorize, lock, start the runner, follow, log.

The screen and the headless CLI both go through `Rollbacks`, so they share the
lock, the journal, the log and the exit code. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.model import EventKind, whoami
from cockpit.rollback import events, journal
from cockpit.rollback.again import LastRollback, SecondRollback, last_rollback, second_rollback
from cockpit.rollback.helm import plan_helm, rollback_argv
from cockpit.rollback.lock import LockHeld, LockInfo
from cockpit.rollback.plan import Plan, RollbackError
from cockpit.rollback.shared_lock import lock_for, lock_spec
from cockpit.rollback.validate import check

DEFAULT_LOCK_TTL = 1800.0


class NotCaptain(RollbackError):
    """The operator may look at the plan but not execute it."""


class SecondRollbackRefused(RollbackError):
    """A second rollback (of a rollback, too soon, the last unverified) without `again`."""

    def __init__(self, second: SecondRollback) -> None:
        self.second = second
        super().__init__(f"refused: {second.describe()}; pass --again to roll back again anyway")


def is_captain(user: str, captains: Iterable[str]) -> bool:
    """`user` is `name@host`; a captain entry `name` matches any host, `name@host` only that."""
    from cockpit.roles import matches  # noqa: PLC0415

    return matches(user, captains)


def state_dir_for(config: Any) -> Path:
    """Where this launch keeps its rollback lock and journals (beside its event log)."""
    rb = getattr(config, "rollback", None)
    configured = getattr(rb, "state_dir", None)
    if configured:
        return Path(configured)
    store_path = Path(config.store_path())
    return store_path.with_name(store_path.stem + ".rollback")


def store_spec(config: Any) -> dict[str, Any] | None:
    """The event log the runner records the end event in itself: the config's store
    (names of its secrets, never the secrets), the launch and its local journal."""
    if not hasattr(config, "store_path"):
        return None
    from cockpit.store import spec_of  # noqa: PLC0415

    return {**spec_of(config).as_dict(), "launch": config.launch,
            "journal": str(config.store_path())}


@dataclass
class Run:
    """A started (or recovered) rollback: follow its output, wait for its outcome."""

    dir: Path
    rollbacks: Rollbacks
    process: subprocess.Popen[bytes] | None = None

    @property
    def rollback_id(self) -> str:
        return self.dir.name

    def state(self) -> journal.JournalState | None:
        if self.process is not None:
            self.process.poll()  # reap our child, so a finished runner is not a zombie
        return journal.read(self.dir)

    def lines(self, poll: float = 0.1) -> AsyncIterator[str]:
        """Output lines as they come, until the rollback has finished."""
        return journal.follow(self.dir, poll=poll)

    async def wait(self, poll: float = 0.1) -> journal.JournalState:
        """The outcome, once finished; records the end event (once, whoever else does)."""
        while True:
            state = self.state()
            if state is None:
                raise RollbackError(f"the journal in {self.dir} is unreadable")
            if state.finished:
                if self.process is not None:
                    # Let the runner finish its epilogue (end event, lock release).
                    try:
                        await asyncio.to_thread(self.process.wait, 30)
                    except subprocess.TimeoutExpired:
                        pass
                self.rollbacks.record(events.end_event(state))
                return state
            await asyncio.sleep(poll)


class Rollbacks:
    """The rollback of one launch config, writing its events to `sink` (store or engine)."""

    def __init__(
        self,
        config: Any,
        sink: Any = None,
        user: str | None = None,
        state_dir: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        if getattr(config, "rollback", None) is None:
            raise RollbackError("the launch config has no rollback section")
        self.config = config
        self.target = config.rollback
        self.sink = sink
        self.user = user or whoami()
        self.state_dir = Path(state_dir) if state_dir else state_dir_for(config)
        self.python = python
        ttl = getattr(self.target, "lock_ttl", None) or DEFAULT_LOCK_TTL
        section = self.target.helm or self.target.ecs
        # A live rollback must never look stale: the TTL outlasts the command's own timeout.
        ttl = max(ttl, float(getattr(section, "timeout", 0.0)) + 600.0)
        # Across hosts (Redis, else PostgreSQL) when the launch is shared; else a file.
        self.lock = lock_for(config, self.state_dir / "rollback.lock", ttl)
        self.journal_root = self.state_dir / "journal"

    # -------------------------------------------------------------- who and what

    @property
    def captains(self) -> list[str]:
        return list(getattr(self.config, "captains", None) or [])

    def may_execute(self, user: str | None = None) -> bool:
        return is_captain(user or self.user, self.captains)

    def record(self, event: Any) -> bool:
        return events.record(self.sink, event)

    @property
    def quiet_time(self) -> float:
        return float(getattr(self.target, "quiet_time", 900.0) or 0.0)

    def last(self, plan: Plan) -> LastRollback | None:
        """The latest rollback of the plan's target in the log."""
        find = getattr(self.sink, "events", None)
        if find is None:
            return None
        kinds = [EventKind.ROLLBACK_START, EventKind.ROLLBACK_END, EventKind.ROLLBACK_VERIFY]
        return last_rollback(find(kinds=kinds), plan.kind, plan.target)

    def second(self, plan: Plan) -> SecondRollback | None:
        """Why `plan` would be a second rollback (refused without `again`), or None.
        While another rollback holds the lock, the lock refuses (naming its holder)."""
        if self.holder() is not None:
            return None
        return second_rollback(plan, self.last(plan), self.quiet_time)

    async def plan(
        self, revision: int | None = None, verdict: str | None = None, failing: Sequence[str] = ()
    ) -> Plan:
        """Work out the rollback (nothing changes) and log the plan."""
        if self.target.helm is not None:
            h = self.target.helm
            plan = await plan_helm(
                h.release,
                h.namespace,
                context=h.kube_context,
                timeout=h.timeout,
                pick=revision,
                helm=getattr(h, "helm", None) or None,
            )
        else:
            from cockpit.rollback.ecs import plan_ecs_sync  # noqa: PLC0415 - boto3 is optional

            e = self.target.ecs
            plan = await asyncio.to_thread(
                plan_ecs_sync,
                e.cluster,
                e.service,
                e.region,
                e.endpoint_url,
                getattr(e, "timeout", 600.0),
                revision,
            )
        self.record(events.plan_event(plan, verdict, failing))
        return plan

    # -------------------------------------------------------------- execute

    def holder(self) -> LockInfo | None:
        return self.lock.holder()

    def start(self, plan: Plan, confirmed_by: str | None = None, again: bool = False) -> Run:
        """Confirm and start `plan` in its own process; raises NotCaptain, LockHeld or
        SecondRollbackRefused (unless `again`: the operator asked for a second one)."""
        who = confirmed_by or self.user
        if not self.may_execute(who):
            self.record(events.denied_event(plan, who, self.captains))
            raise NotCaptain(
                f"{who} is not a captain of this launch (captains: "
                f"{', '.join(self.captains) or 'none configured'}): the plan is read-only"
            )
        self._revalidate(plan)
        second = self.second(plan)
        if second is not None and not again:
            self.record(events.refused_event(plan, who, second))
            raise SecondRollbackRefused(second)
        try:
            self.lock.acquire(plan.id)
        except LockHeld as exc:
            self.record(events.locked_event(plan, who, exc.info))
            raise
        finally:
            for info, why in self.lock.broken:
                self.record(events.lock_broken_event(plan, who, info, why))
        try:
            if (self.journal_root / plan.id).exists():
                raise RollbackError("this plan was already executed: plan again to roll back")
            d = journal.create(
                self.journal_root,
                plan,
                who,
                {"lock": lock_spec(self.lock), "store": store_spec(self.config)},
            )
            self.record(events.confirm_event(plan, who, second=second))
            err = open(d / journal.RUNNER_ERR, "wb")  # noqa: SIM115
            try:
                proc = subprocess.Popen(
                    [self.python, "-m", "cockpit.rollback.runner", str(d)],
                    stdin=subprocess.DEVNULL,
                    stdout=err,
                    stderr=err,
                    start_new_session=True,
                    close_fds=True,
                    cwd=str(d),
                    env=self._runner_env(),
                )
            finally:
                err.close()
        except BaseException:
            self.lock.release(plan.id)  # nothing was started
            raise
        # From here the runner owns the rollback; it releases the lock when it ends.
        self.lock.hand_over(plan.id, proc.pid)
        self.record(events.start_event(plan, who, proc.pid))
        return Run(d, self, proc)

    def _runner_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The runner imports cockpit from wherever this process did.
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        return env

    def _revalidate(self, plan: Plan) -> None:
        """The plan must still match the config target and pass the identifier checks."""
        if plan.kind == "helm":
            h = self.target.helm
            if h is None or plan.target != h.release or plan.namespace != h.namespace:
                raise RollbackError("the plan does not match the configured helm target")
            expected = rollback_argv(
                plan.argv[0], h.release, plan.to.number, h.namespace, h.kube_context, plan.timeout
            )
            if tuple(expected) != plan.argv:
                raise RollbackError("the plan's command does not match the configured target")
        else:
            e = self.target.ecs
            if e is None or plan.call.get("service") != e.service or plan.cluster != e.cluster:
                raise RollbackError("the plan does not match the configured ECS target")
            check("cluster", plan.call["cluster"])
            check("service", plan.call["service"])

    # -------------------------------------------------------------- after a restart

    def journals(self) -> list[journal.JournalState]:
        return journal.all_journals(self.journal_root)

    def recover(self) -> list[Run]:
        """On start: log the outcome of every finished rollback (no-op if already logged)
        and return the ones still running, to follow."""
        running = []
        for state in self.journals():
            if state.finished:
                self.record(events.end_event(state))
            else:
                running.append(Run(state.dir, self))
        return running

    def latest(self) -> journal.JournalState | None:
        states = self.journals()
        return states[-1] if states else None


__all__ = ["LockHeld", "NotCaptain", "Rollbacks", "Run", "SecondRollbackRefused", "is_captain"]
