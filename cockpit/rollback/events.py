"""The incident-log events of a rollback, with ids derived from the rollback id.

Building the same step twice gives the same event id, so whoever records it (the
runner, the cockpit that started it, a cockpit restarted after a crash) the store
keeps one copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from cockpit.model import Event, EventKind, Severity, now, whoami
from cockpit.redact import redact
from cockpit.rollback.journal import JournalState
from cockpit.rollback.plan import Plan, event_id

TAIL_LINES = 20


class Sink(Protocol):
    """A store (`append`) or the engine (`record`): anything events can be written to."""


def record(sink: Any, event: Event) -> bool:
    """Write `event` to `sink`; True when it was new. A missing sink records nothing."""
    if sink is None:
        return False
    if hasattr(sink, "append"):
        return bool(sink.append(event))
    result = sink.record(event)
    return True if result is None else bool(result)


def _plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "rollback_id": plan.id,
        "kind": plan.kind,
        "target": plan.target,
        "where": plan.where,
        "from_revision": plan.current.number,
        "to_revision": plan.to.number,
        "command": plan.command_text(),
    }


def plan_event(plan: Plan, verdict: str | None = None, failing: Sequence[str] = ()) -> Event:
    data = {**_plan_data(plan), "verdict": verdict, "failing": list(failing)}
    why = ""
    if verdict:
        why = f" (verdict {verdict}" + (f", failing: {', '.join(failing)})" if failing else ")")
    return Event(
        kind=EventKind.ROLLBACK_PLAN,
        message=f"rollback planned: {plan.brief()}{why}",
        severity=Severity.INFO,
        data=data,
        author=plan.made_by,
        at=plan.made_at,
        id=event_id(plan.id, f"plan:{plan.made_at:.6f}"),
    )


def confirm_event(plan: Plan, who: str, at: float | None = None, second: Any = None) -> Event:
    again = f" (a SECOND rollback, asked for: {second.describe()})" if second else ""
    data = {**_plan_data(plan), "confirmed_by": who, "again": second is not None}
    if second is not None:
        data["again_reasons"] = list(second.reasons)
    return Event(
        kind=EventKind.ROLLBACK_CONFIRM,
        message=f"rollback confirmed by {who}: {plan.brief()}{again}",
        severity=Severity.WARNING,
        data=data,
        author=who,
        at=now() if at is None else at,
        id=event_id(plan.id, "confirm"),
    )


def start_event(plan: Plan, who: str, pid: int, at: float | None = None) -> Event:
    return Event(
        kind=EventKind.ROLLBACK_START,
        message=f"rollback started: {plan.brief()}",
        severity=Severity.WARNING,
        data={**_plan_data(plan), "pid": pid, "argv": list(plan.argv), "call": dict(plan.call)},
        author=who,
        at=now() if at is None else at,
        id=event_id(plan.id, "start"),
    )


def end_event(state: JournalState) -> Event:
    tail = [redact(line) for line in state.tail(TAIL_LINES)]
    ok = state.succeeded
    return Event(
        kind=EventKind.ROLLBACK_END,
        message=state.outcome(),
        severity=Severity.INFO if ok else Severity.ERROR,
        data={
            **_plan_data(state.plan),
            "state": state.state,
            "exit_code": state.exit_code,
            "duration": state.duration,
            "started_at": state.started_at,
            "ended_at": state.ended_at,
            "error": state.error,
            "output_tail": tail,
        },
        author=state.confirmed_by or whoami(),
        at=state.ended_at if state.ended_at is not None else now(),
        id=event_id(state.rollback_id, "end"),
    )


def denied_event(plan: Plan | None, who: str, captains: Iterable[str]) -> Event:
    data: dict[str, Any] = {"user": who, "captains": list(captains)}
    if plan is not None:
        data.update(_plan_data(plan))
    what = plan.summary() if plan is not None else "rollback"
    return Event(
        kind=EventKind.ROLLBACK_DENIED,
        message=f"{who} is not a captain and may not execute: {what}",
        severity=Severity.WARNING,
        data=data,
        author=who,
    )


def refused_event(plan: Plan, who: str, second: Any) -> Event:
    """A second rollback refused (no --again): who tried, and the last one's who/when/state."""
    last = second.last
    data: dict[str, Any] = {**_plan_data(plan), "user": who, "reasons": list(second.reasons)}
    if last is not None:
        data["last"] = {"rollback_id": last.rollback_id, "who": last.who,
                        "started_at": last.started_at, "state": last.state}
    return Event(
        kind=EventKind.ROLLBACK_REFUSED,
        message=f"second rollback refused for {who}: {plan.brief()}: {second.describe()}",
        severity=Severity.WARNING,
        data=data,
        author=who,
    )


def locked_event(plan: Plan, who: str, holder: Any) -> Event:
    return Event(
        kind=EventKind.ROLLBACK_LOCKED,
        message=f"rollback not started for {who}: {holder.describe()}",
        severity=Severity.WARNING,
        data={**_plan_data(plan), "user": who, "holder": holder.holder, "holder_pid": holder.pid,
              "holder_since": holder.started, "holder_rollback_id": holder.rollback_id},
        author=who,
    )


def lock_broken_event(plan: Plan, who: str, stale: Any, why: str) -> Event:
    return Event(
        kind=EventKind.ROLLBACK_LOCK_BROKEN,
        message=f"stale rollback lock broken by {who}: held by {stale.holder} (pid {stale.pid}, "
                f"rollback {str(stale.rollback_id)[:8]}), {why}",
        severity=Severity.WARNING,
        data={**_plan_data(plan), "user": who, "holder": stale.holder, "holder_pid": stale.pid,
              "holder_since": stale.started, "holder_rollback_id": stale.rollback_id,
              "why": why},
        author=who,
    )


def verify_event(rollback_id: str, verified: bool, message: str, data: dict[str, Any]) -> Event:
    return Event(
        kind=EventKind.ROLLBACK_VERIFY,
        message=message,
        severity=Severity.INFO if verified else Severity.ERROR,
        data={"rollback_id": rollback_id, "verified": verified, **data},
        id=event_id(rollback_id, "verify"),
    )
