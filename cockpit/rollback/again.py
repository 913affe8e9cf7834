"""Is this a second rollback? Then it is refused unless the operator asks for it.

Two rollbacks in a row go back two releases: after 5 -> 4, helm's current revision is 6
(a copy of 4), and "the last good one before the current" is 3, a release nobody chose.
So a plan is refused, with who did the last rollback, when, and its state, when:
- nothing was deployed since the last rollback of this target (it would roll back the
  rollback), or the current revision is itself a rollback (helm's "Rollback to N");
- the last one is not verified (still verifying, failed, never verified);
- the last one is younger than `quiet_time`.
`--again` (the screen: a plan that says so and its own confirmation) goes ahead anyway.
A pure decision over the incident log's rollback events and the plan.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from cockpit.model import Event, EventKind
from cockpit.rollback.plan import Plan


@dataclass(frozen=True)
class LastRollback:
    """The latest rollback of one target, as the log tells it."""

    rollback_id: str
    who: str
    started_at: float
    brief: str
    from_revision: int | None
    to_revision: int | None
    ended_at: float | None = None
    end_state: str | None = None  # ended | lost; None while running
    exit_code: int | None = None
    verified: bool | None = None  # None: no verify event (yet)

    @property
    def state(self) -> str:
        if self.end_state is None:
            return "still running"
        if self.end_state == "lost":
            return "outcome unknown (its runner was lost)"
        if self.exit_code != 0:
            return f"failed (exit {self.exit_code})"
        if self.verified is True:
            return "succeeded, verified"
        if self.verified is False:
            return "succeeded, NOT verified"
        return "succeeded, not verified yet"

    def describe(self, at: float | None = None) -> str:
        at = time.time() if at is None else at
        stamp = time.strftime("%H:%M:%S UTC", time.gmtime(self.started_at))
        return (f"the last rollback ({self.brief}) was started by {self.who} at {stamp} "
                f"({_ago(at - self.started_at)} ago): {self.state}")


@dataclass(frozen=True)
class SecondRollback:
    """Why `plan` is a second rollback; it needs `--again`."""

    reasons: tuple[str, ...]
    last: LastRollback | None

    def describe(self, at: float | None = None) -> str:
        head = self.last.describe(at) if self.last is not None else "a rollback was made"
        return f"{head}; this would roll back again: {'; '.join(self.reasons)}"

    def lines(self, at: float | None = None) -> list[str]:
        return [f"  SECOND ROLLBACK: {self.describe(at)}",
                "  refused unless asked for explicitly (--again; in the screen: y, a, enter)"]


def _ago(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def last_rollback(events: Iterable[Event], kind: str, target: str) -> LastRollback | None:
    """The latest started rollback of `target`, with its end and verify events folded in."""
    events = list(events)
    starts = [e for e in events if e.kind == EventKind.ROLLBACK_START
              and e.data.get("kind") == kind and e.data.get("target") == target]
    if not starts:
        return None
    start = max(starts, key=lambda e: e.at)
    rid = start.data.get("rollback_id")
    brief = f"{target} {start.data.get('from_revision')} -> {start.data.get('to_revision')}"
    last = LastRollback(rid, start.author, start.at, brief, start.data.get("from_revision"),
                        start.data.get("to_revision"))
    for e in events:
        if e.data.get("rollback_id") != rid:
            continue
        if e.kind == EventKind.ROLLBACK_END:
            last = _replace(last, ended_at=e.data.get("ended_at") or e.at,
                            end_state=str(e.data.get("state")), exit_code=e.data.get("exit_code"))
        elif e.kind == EventKind.ROLLBACK_VERIFY:
            last = _replace(last, verified=bool(e.data.get("verified")))
    return last


def _replace(last: LastRollback, **changes: object) -> LastRollback:
    from dataclasses import replace

    return replace(last, **changes)  # type: ignore[arg-type]


def second_rollback(plan: Plan, last: LastRollback | None, quiet_time: float,
                    at: float | None = None) -> SecondRollback | None:
    """Why `plan` is a second rollback, or None when it is a first one."""
    at = time.time() if at is None else at
    reasons: list[str] = []
    description = plan.current.description or ""
    if plan.kind == "helm" and description.startswith("Rollback to"):
        reasons.append(f"the current revision {plan.current.number} is itself a rollback "
                       f"({description!r})")
    if last is not None:
        produced = (last.from_revision or 0) + (1 if plan.kind == "helm" else 0)
        nothing_since = plan.current.number <= produced
        if nothing_since and not reasons:
            reasons.append(f"nothing was deployed since it (current revision "
                           f"{plan.current.number}): this rolls back the rollback")
        if last.verified is not True and (nothing_since or at - last.started_at < quiet_time):
            reasons.append(f"it is not verified ({last.state})")
        age = at - (last.ended_at or last.started_at)
        if age < quiet_time:
            reasons.append(f"it is younger than quiet_time ({_ago(age)} < {_ago(quiet_time)})")
    if not reasons:
        return None
    return SecondRollback(tuple(reasons), last)
