"""The second-rollback guard: a pure judgement over the log's rollback events and the plan."""

from __future__ import annotations

from cockpit.model import Event, EventKind
from cockpit.rollback.again import last_rollback, second_rollback
from cockpit.rollback.plan import Plan, Revision

T = 1_000_000.0
QUIET = 900.0


def _plan(current: int, to: int, description: str = "Upgrade complete") -> Plan:
    return Plan(kind="helm", target="asr", current=Revision(current, "deployed",
                                                            description=description),
                to=Revision(to, "superseded"), timeout=60.0, namespace="asr")


def _log(at: float, from_rev: int = 5, to_rev: int = 4, exit_code: int | None = 0,
         verified: bool | None = None) -> list[Event]:
    base = {"rollback_id": "r1", "kind": "helm", "target": "asr", "from_revision": from_rev,
            "to_revision": to_rev}
    out = [Event(EventKind.ROLLBACK_START, "start", data=base, author="alice@b1", at=at)]
    if exit_code is not None:
        out.append(Event(EventKind.ROLLBACK_END, "end", at=at + 5,
                         data={**base, "state": "ended", "exit_code": exit_code,
                               "ended_at": at + 5}))
    if verified is not None:
        out.append(Event(EventKind.ROLLBACK_VERIFY, "verify", at=at + 30,
                         data={"rollback_id": "r1", "verified": verified}))
    return out


def _judge(plan: Plan, events: list[Event], at: float):  # noqa: ANN202
    return second_rollback(plan, last_rollback(events, "helm", "asr"), QUIET, at)


def test_a_first_rollback_passes():
    assert _judge(_plan(5, 4), [], T) is None
    other = [Event(EventKind.ROLLBACK_START, "s", data={"kind": "helm", "target": "other",
                                                        "rollback_id": "x"}, at=T)]
    assert _judge(_plan(5, 4), other, T + 1) is None  # another release's rollback


def test_rolling_back_the_rollback_is_refused_with_who_when_and_state():
    second = _judge(_plan(6, 3), _log(T, verified=True), T + 3600)
    assert second is not None
    text = second.describe(T + 3600)
    assert "started by alice@b1" in text and "(1h00m ago)" in text
    assert "succeeded, verified" in text and "rolls back the rollback" in text


def test_helms_rollback_marker_alone_is_enough():
    second = _judge(_plan(6, 3, "Rollback to 4"), [], T)
    assert second is not None and "is itself a rollback ('Rollback to 4')" in second.reasons[0]


def test_after_a_new_deploy_only_the_quiet_time_and_verification_count():
    verified = _log(T, verified=True)
    assert _judge(_plan(7, 6), verified, T + QUIET + 60) is None  # a fresh release, later
    soon = _judge(_plan(7, 6), verified, T + 120)
    assert soon is not None and any("younger than quiet_time" in r for r in soon.reasons)
    unverified = _judge(_plan(7, 6), _log(T, verified=False), T + 120)
    assert unverified is not None
    assert any("not verified (succeeded, NOT verified)" in r for r in unverified.reasons)


def test_a_failed_or_running_last_rollback_is_named():
    failed = _judge(_plan(5, 4), _log(T, exit_code=1), T + 60)
    assert failed is not None and "failed (exit 1)" in failed.describe(T + 60)
    running = _judge(_plan(5, 4), _log(T, exit_code=None), T + 60)
    assert running is not None and "still running" in running.describe(T + 60)
