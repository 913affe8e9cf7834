"""'Rollback verified', or why not, with the times: a pure decision over readings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cockpit.model import EventKind, ItemState, Reading, Status, Verdict, VerdictKind
from cockpit.rollback.ecs import deployment_state
from cockpit.rollback.plan import Plan, Revision, event_id
from cockpit.rollback.verify import Expectation, evaluate, watch
from cockpit.sources.kube.view import RolloutRow
from cockpit.store.sqlite import SqliteStore

END = 1_000.0


def _expect(**kw: object) -> Expectation:
    base = dict(
        rollback_id="r1", ended_at=END, deadline=END + 600, app_version="2.2", gates=("errors",)
    )
    return Expectation(**{**base, **kw})  # type: ignore[arg-type]


def _rollout(at: float, complete: bool = True, **detail: object) -> dict[str, Reading]:
    return {
        "rollout.complete.asr-gateway": Reading(
            "kube", "rollout.complete.asr-gateway", complete, at=at, detail=detail
        )
    }


def _item(item_id: str, status: Status, detail: str = "") -> ItemState:
    return ItemState(item_id, status, True, detail=detail)


def _verdict(at: float, failing: tuple[ItemState, ...] = ()) -> Verdict:
    kind = VerdictKind.NO_GO if failing else VerdictKind.GO
    return Verdict(kind, failing=failing, at=at)


def test_verified_with_the_times() -> None:
    v1 = evaluate(
        _expect(),
        _rollout(END + 5, version="2.2"),
        _verdict(END + 5, (_item("errors", Status.FAIL, "error_rate = 0.03 (> 0.01)"),)),
        at=END + 5,
    )
    assert v1.state == "waiting" and v1.rollout_at == END + 5 and v1.recovered_at is None
    assert v1.reasons == ("errors still failing (error_rate = 0.03 (> 0.01))",)
    v2 = evaluate(_expect(), _rollout(END + 40, version="2.2"), _verdict(END + 40), END + 40, v1)
    assert v2.state == "verified" and v2.final
    assert (v2.rollout_at, v2.recovered_at) == (END + 5, END + 40)
    assert v2.message() == "rollback verified (rollout +5s, SLOs +40s after the command ended)"


def test_readings_from_before_the_command_ended_do_not_count() -> None:
    v = evaluate(_expect(), _rollout(END - 1, version="2.2"), _verdict(END - 1), END + 1)
    assert v.state == "waiting"
    assert "rollout.complete.asr-gateway not read since the command ended" in v.reasons
    assert "the verdict has not been evaluated since the command ended" in v.reasons


def test_wrong_version_running_is_named() -> None:
    expect = _expect(from_version="2.3.1")
    v = evaluate(expect, _rollout(END + 1, version="2.3.1"), _verdict(END + 1), END + 1)
    assert v.reasons == ("rollout.complete.asr-gateway: runs version 2.3.1, expected 2.2",)
    # A tag that is neither version: left to the rollout state, and noted.
    v = evaluate(expect, _rollout(END + 1, version="2.2.0-cuda"), _verdict(END + 1), END + 1)
    assert v.state == "verified" and "not checked" in v.notes[0]


def _row(image: str, old_replicas: int = 0, name: str = "asr-gateway") -> RolloutRow:
    return RolloutRow(
        cluster="prod-eu", namespace="asr", name=name, desired=3, updated=3, ready=3,
        available=3, unavailable=0, revision=7, image=image, old_revision=6,
        old_image="2.3.1", old_replicas=old_replicas, state="complete", message="",
    )  # fmt: skip


def test_kube_view_rows_tell_the_running_tag() -> None:
    """The kube source's aggregate reading carries its view; per-deployment ones none."""
    expect = _expect(from_version="2.3.1", namespace="asr", deployment="asr-gateway")

    def readings(*rows: RolloutRow) -> dict[str, Reading]:
        view = SimpleNamespace(rollouts=rows)
        return {
            "rollout.complete": Reading("kube", "rollout.complete", True, at=END + 1, detail=view),
            "rollout.complete.asr-gateway": Reading(
                "kube", "rollout.complete.asr-gateway", True, at=END + 1
            ),
        }

    ok = evaluate(
        expect, readings(_row("2.2"), _row("9", name="other")), _verdict(END + 1), END + 1
    )
    assert ok.state == "verified"
    old = evaluate(expect, readings(_row("2.2", old_replicas=1)), _verdict(END + 1), END + 1)
    assert "still scaling down old pods" in old.reasons[0]
    bad = evaluate(expect, readings(_row("2.3.1")), _verdict(END + 1), END + 1)
    assert bad.reasons == ("rollout.complete.asr-gateway: runs image tags 2.3.1, expected 2.2",)


def test_images_are_compared_by_tag() -> None:
    expect = _expect(app_version=None, images=("registry.internal/asr:2.2",))
    ok = evaluate(
        expect, _rollout(END + 1, images=["other.registry/asr:2.2"]), _verdict(END + 1), END + 1
    )
    assert ok.state == "verified"
    bad = evaluate(expect, _rollout(END + 1, images=["x/asr:2.3"]), _verdict(END + 1), END + 1)
    assert bad.state == "waiting" and "runs images asr:2.3" in bad.reasons[0]


def test_rollout_not_complete_and_failed_source() -> None:
    v = evaluate(_expect(), _rollout(END + 1, complete=False), _verdict(END + 1), END + 1)
    assert v.reasons == ("rollout.complete.asr-gateway: rollout not complete",)
    failed = {
        "rollout.complete": Reading(
            "kube", "rollout.complete", None, at=END + 1, error="connection refused"
        )
    }
    v = evaluate(_expect(), failed, _verdict(END + 1), END + 1)
    assert v.reasons == ("rollout.complete failed: connection refused",)


def test_past_the_deadline_it_fails_saying_why() -> None:
    v = evaluate(
        _expect(),
        _rollout(END + 601, version="2.2"),
        _verdict(END + 601, (_item("errors", Status.FAIL),)),
        END + 601,
    )
    assert v.state == "failed"
    assert v.message().startswith("rollback NOT verified after 601s: errors still failing")


def test_without_kubernetes_the_command_outcome_stands_in() -> None:
    v = evaluate(_expect(), {}, _verdict(END + 1), END + 1)
    assert v.state == "verified" and v.notes[0].startswith("no rollout reading")
    v = evaluate(_expect(command_ok=False), {}, _verdict(END + 1), END + 1)
    assert v.state == "failed" and "the command failed" in v.reasons


def test_unknown_gate_and_other_no_go() -> None:
    unknown = Verdict(VerdictKind.HOLD, unknown=(_item("errors", Status.UNKNOWN),), at=END + 1)
    v = evaluate(_expect(), _rollout(END + 1, version="2.2"), unknown, END + 1)
    assert v.reasons == ("errors unknown",)
    other = _verdict(END + 1, (_item("gpu", Status.FAIL),))
    v = evaluate(_expect(gates=()), _rollout(END + 1, version="2.2"), other, END + 1)
    assert v.reasons == ("gpu still failing",)


async def test_watcher_logs_the_result_once(tmp_path) -> None:  # noqa: ANN001
    store = SqliteStore(tmp_path / "e.db")
    clock = iter([END + 1, END + 2, END + 3])
    readings = [
        _rollout(END + 1, complete=False),
        _rollout(END + 2, version="2.2"),
        _rollout(END + 3, version="2.2"),
    ]
    seen = []
    result = await watch(
        _expect(),
        lambda: readings[len(seen)],
        lambda: _verdict(END + 3),
        sink=store,
        on_update=seen.append,
        interval=0,
        clock=lambda: next(clock),
    )
    assert [v.state for v in seen] == ["waiting", "verified"]
    assert result.rollout_at == END + 2
    await watch(
        _expect(),
        lambda: readings[2],
        lambda: _verdict(END + 3),
        sink=store,
        interval=0,
        clock=lambda: END + 3,
    )
    events = store.events(kinds=[EventKind.ROLLBACK_VERIFY])
    assert len(events) == 1 and events[0].id == event_id("r1", "verify")
    assert events[0].data["verified"] is True


def test_expectation_from_a_plan() -> None:
    plan = Plan(
        kind="ecs",
        target="asr",
        cluster="prod",
        timeout=60,
        current=Revision(3, "ACTIVE"),
        to=Revision(2, "ACTIVE", images=("r/asr:2.2",)),
    )
    e = Expectation.from_plan(plan, ended_at=END, within=300, failing=["errors"])
    assert (e.rollback_id, e.deadline, e.images, e.gates) == (
        plan.id,
        END + 300,
        ("r/asr:2.2",),
        ("errors",),
    )


TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/asr:2"


@pytest.mark.parametrize(
    ("svc", "state"),
    [
        ({"taskDefinition": "other", "deployments": []}, "IN_PROGRESS"),
        (
            {
                "taskDefinition": TD,
                "deployments": [
                    {
                        "id": "n",
                        "status": "PRIMARY",
                        "taskDefinition": TD,
                        "rolloutState": "COMPLETED",
                        "runningCount": 2,
                        "desiredCount": 2,
                    }
                ],
            },
            "COMPLETED",
        ),
        (
            {
                "taskDefinition": TD,
                "deployments": [
                    {
                        "id": "n",
                        "status": "PRIMARY",
                        "taskDefinition": TD,
                        "rolloutState": "IN_PROGRESS",
                        "runningCount": 1,
                        "desiredCount": 2,
                    },
                    {"id": "o", "status": "ACTIVE", "taskDefinition": "old", "runningCount": 1},
                ],
            },
            "IN_PROGRESS",
        ),
        (
            {
                "taskDefinition": TD,
                "deployments": [
                    {
                        "id": "n",
                        "status": "PRIMARY",
                        "taskDefinition": TD,
                        "rolloutState": "FAILED",
                        "rolloutStateReason": "tasks failed to start",
                        "runningCount": 0,
                        "desiredCount": 2,
                    }
                ],
            },
            "FAILED",
        ),
        # moto keeps the old deployment entry after update_service
        (
            {
                "taskDefinition": TD,
                "deployments": [
                    {
                        "id": "o",
                        "status": "PRIMARY",
                        "taskDefinition": "asr:3",
                        "rolloutState": "COMPLETED",
                        "runningCount": 2,
                        "desiredCount": 2,
                    }
                ],
            },
            "COMPLETED",
        ),
    ],
)
def test_ecs_deployment_states(svc: dict, state: str) -> None:
    assert deployment_state(svc, TD)[0] == state


def test_an_engine_that_has_judged_nothing_yet_does_not_verify() -> None:
    # A fresh engine's verdict is HOLD with nothing failing and nothing unknown: it has not
    # looked yet, so the gates failing at plan time are not "passing again".
    fresh = Verdict(VerdictKind.HOLD, at=END + 1)
    v = evaluate(_expect(), _rollout(END + 1, version="2.2"), fresh, END + 1)
    assert v.state == "waiting" and v.reasons == ("no verdict yet",)
