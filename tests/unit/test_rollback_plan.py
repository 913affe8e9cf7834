"""Choosing the revision to return to, and the plan's plain form."""

from __future__ import annotations

import json

import pytest

from cockpit.rollback.helm import choose, parse_history
from cockpit.rollback.plan import Plan, Revision, RollbackError, event_id, helm_duration


def _hist(*statuses: str) -> list[Revision]:
    return [
        Revision(number=i + 1, status=s, chart=f"asr-{i + 1}.0.0") for i, s in enumerate(statuses)
    ]


def test_last_good_before_the_deployed_one() -> None:
    current, target, warnings = choose(_hist("superseded", "superseded", "failed", "deployed"))
    assert (current.number, target.number, warnings) == (4, 2, [])


def test_a_rollback_revision_counts_as_good() -> None:
    # 3 was itself a rollback to 1; now 4 is bad: back to 3.
    current, target, _ = choose(_hist("superseded", "superseded", "superseded", "deployed"))
    assert (current.number, target.number) == (4, 3)


def test_a_second_rollback_does_not_return_to_the_release_the_first_fled() -> None:
    # 4 good, 5 bad, 6 = "Rollback to 4": rolling back from 6 must not redeploy 5, and
    # going to 4 would change nothing, so the target is 3, with both skips said plainly.
    history = _hist("superseded", "superseded", "superseded", "superseded", "superseded",
                    "deployed")
    history[5] = Revision(6, "deployed", chart="asr-4.0.0", description="Rollback to 4")
    current, target, warnings = choose(history)
    assert (current.number, target.number) == (6, 3)
    assert warnings == ["skipped revision 5: it was rolled back by revision 6; "
                        "revision 4: revision 6 is already a copy of it"]
    # the operator may still pick 5 on purpose
    assert choose(history, pick=5)[1].number == 5


def test_no_deployed_revision_uses_the_newest_and_warns() -> None:
    current, target, warnings = choose(_hist("superseded", "deployed", "pending-upgrade")[:1]
                                       + _hist("superseded", "failed", "failed")[1:])  # fmt: skip
    assert (current.number, target.number) == (3, 1)
    assert warnings == ["no revision is marked deployed; the newest is failed"]


def test_nothing_to_return_to() -> None:
    with pytest.raises(RollbackError, match="no successfully deployed revision before revision 1"):
        choose(_hist("deployed"))
    with pytest.raises(RollbackError, match="no history"):
        choose([])


def test_operator_pick_of_a_failed_revision_warns() -> None:
    _, target, warnings = choose(_hist("superseded", "failed", "deployed"), pick=2)
    assert target.number == 2
    assert warnings == ["revision 2 is failed: it never ran successfully"]


def test_parse_history_sorts_and_rejects_garbage() -> None:
    rows = [
        {"revision": 2, "status": "deployed", "chart": "asr-2", "app_version": "2"},
        {"revision": 1, "status": "superseded", "chart": "asr-1", "app_version": "1"},
    ]
    assert [r.number for r in parse_history(json.dumps(rows))] == [1, 2]
    with pytest.raises(RollbackError, match="not JSON"):
        parse_history("Error: boom")


def test_plan_round_trips_through_json_and_reads_plainly() -> None:
    plan = Plan(
        kind="helm", target="asr", namespace="asr", context="prod-eu", timeout=300,
        current=Revision(4, "deployed", "asr-2.3.1", "2.3.1"),
        to=Revision(2, "superseded", "asr-2.2.0", "2.2"),
        argv=("helm", "rollback", "asr", "2", "-n", "asr", "--kube-context", "prod-eu",
              "--wait", "--timeout", "5m0s"),
        history=(Revision(1, "superseded"),),
    )  # fmt: skip
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
    lines = plan.lines()
    assert lines[0] == "roll back helm release asr from revision 4 to 2"
    assert lines[1] == "  where:    kube context prod-eu, namespace asr"
    assert plan.summary().endswith("(kube context prod-eu, namespace asr)")
    assert (
        "  command:  helm rollback asr 2 -n asr --kube-context prod-eu --wait --timeout 5m0s"
        in lines
    )
    assert "  to:       revision 2 asr-2.2.0 app 2.2 (superseded)" in lines


def test_event_ids_are_derived_and_distinct() -> None:
    assert event_id("abc", "end") == event_id("abc", "end")
    assert event_id("abc", "end") != event_id("abc", "start")
    assert event_id("abc", "end") != event_id("abd", "end")


@pytest.mark.parametrize(("seconds", "text"), [(300, "5m0s"), (90, "1m30s"), (3700, "1h1m40s")])
def test_helm_durations(seconds: float, text: str) -> None:
    assert helm_duration(seconds) == text
