"""Is the rollback verified? A pure decision over readings, and a small watcher.

After the command ends, a rollback is verified when, in readings taken after it ended:
- the rollout is complete (`rollout.complete`, or `rollout.complete.<deployment>`) and
  runs the old revision (the kube reading's detail names its version or images), and
- the SLO gates that were failing when the rollback was planned pass again, and the
  verdict is no longer NO-GO.
Without a Kubernetes source (ECS, or no kube pane) the rollout step is judged by the
command's own outcome (helm --wait, or the ECS deployment reaching COMPLETED).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from cockpit.model import Reading, Verdict, VerdictKind, now
from cockpit.rollback import events
from cockpit.rollback.plan import Plan, image_tag

State = Literal["verified", "waiting", "failed"]


@dataclass(frozen=True)
class Expectation:
    """What the rollout should show once rolled back."""

    rollback_id: str
    ended_at: float  # when the command ended; readings before it do not count
    deadline: float  # after this, not yet verified means failed
    app_version: str | None = None
    images: tuple[str, ...] = ()
    deployment: str | None = None  # the rollout reading suffix to look at (None: all)
    gates: tuple[str, ...] = ()  # checklist items failing when planned
    command_ok: bool = True
    from_version: str | None = None  # the app version rolled back from
    namespace: str | None = None  # only rollouts in this namespace (helm)

    @classmethod
    def from_plan(
        cls,
        plan: Plan,
        ended_at: float,
        within: float,
        failing: Sequence[str] = (),
        command_ok: bool = True,
        deployment: str | None = None,
    ) -> Expectation:
        return cls(
            rollback_id=plan.id,
            ended_at=ended_at,
            deadline=ended_at + within,
            app_version=plan.to.app_version,
            images=plan.to.images,
            deployment=deployment,
            gates=tuple(failing),
            command_ok=command_ok,
            from_version=plan.current.app_version,
            namespace=plan.namespace,
        )


@dataclass(frozen=True)
class Verification:
    state: State
    reasons: tuple[str, ...]
    ended_at: float
    at: float
    rollout_at: float | None = None  # first seen rolled out on the old revision
    recovered_at: float | None = None  # first seen with the SLO gates passing
    notes: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.state != "waiting"

    def message(self) -> str:
        def after(t: float | None) -> str:
            return "-" if t is None else f"+{t - self.ended_at:.0f}s"

        times = f"rollout {after(self.rollout_at)}, SLOs {after(self.recovered_at)}"
        if self.state == "verified":
            return f"rollback verified ({times} after the command ended)"
        why = "; ".join(self.reasons)
        if self.state == "failed":
            return f"rollback NOT verified after {self.at - self.ended_at:.0f}s: {why} ({times})"
        return f"verifying rollback: {why} ({times})"


def _get(detail: Any, key: str) -> Any:
    if isinstance(detail, Mapping):
        return detail.get(key)
    return getattr(detail, key, None)


def _tag(image: str) -> str:
    """The tag alone: `registry/asr:2.2` -> `2.2`; already a tag -> itself."""
    last = image_tag(image)
    return last.rsplit(":", 1)[1] if ":" in last and "@" not in last else last


def _version_match(tag: str, version: str | None) -> bool:
    return bool(version) and tag in (version, f"v{version}")


def _runs_expected(expect: Expectation, detail: Any) -> tuple[bool | None, str]:
    """(True/False, what runs) when the detail tells; (None, why) when it cannot.

    `detail` is the kube source's view (rows of rollouts with the new replica set's
    image tag) or a mapping with `version`/`images`. A helm chart's app version is
    usually its image tag; when the tag is neither the version rolled back to nor the
    one rolled back from, the check is left to the rollout state and noted.
    """
    rows = _get(detail, "rollouts")
    if rows is not None:
        rows = [
            r
            for r in rows
            if (expect.deployment is None or _get(r, "name") == expect.deployment)
            and (expect.namespace is None or _get(r, "namespace") == expect.namespace)
        ]
        if not rows:
            return None, "no rollout of the target in the kube view"
        tags = sorted({str(_get(r, "image") or "") for r in rows})
        old = [r for r in rows if (_get(r, "old_replicas") or 0) > 0]
        what = "image tags " + ", ".join(tags)
        if old:
            return False, f"{what} with {len(old)} rollout(s) still scaling down old pods"
        return _judge(expect, tags, what)
    version = _get(detail, "version") or _get(detail, "app_version")
    images = _get(detail, "images") or ()
    if isinstance(images, str):
        images = (images,)
    images = tuple(str(i) for i in images)
    if expect.images and images:
        want = {image_tag(i) for i in expect.images}
        have = {image_tag(i) for i in images}
        return want <= have, "images " + ", ".join(sorted(have))
    if version:
        return _judge(expect, [str(version)], f"version {version}")
    if images:
        return _judge(expect, [_tag(i) for i in images], "images " + ", ".join(images))
    return None, "the kube reading does not say which version runs"


def _judge(expect: Expectation, tags: Sequence[str], what: str) -> tuple[bool | None, str]:
    want = {_tag(i) for i in expect.images}
    if any(_version_match(t, expect.from_version) for t in tags) and not any(
        _version_match(t, expect.app_version) for t in tags
    ):
        return False, what
    if all(_version_match(t, expect.app_version) or t in want for t in tags):
        return True, what
    if want and all(t in want for t in tags):
        return True, what
    return None, f"{what}: not the version rolled back to ({expect.app_version}); not checked"


def _rollout(
    expect: Expectation, readings: Mapping[str, Reading]
) -> tuple[bool, list[str], list[str]]:
    """(rolled out, reasons not, notes)."""
    if expect.deployment:
        names = [f"rollout.complete.{expect.deployment}"]
    else:
        names = sorted(
            n for n in readings if n == "rollout.complete" or n.startswith("rollout.complete.")
        )
    if not names:
        notes = ["no rollout reading (no Kubernetes source): judged by the command's outcome"]
        return expect.command_ok, ([] if expect.command_ok else ["the command failed"]), notes
    reasons: list[str] = []
    notes: list[str] = []
    for name in names:
        r = readings.get(name)
        if r is None:
            reasons.append(f"no {name} reading yet")
            continue
        if r.at < expect.ended_at:
            reasons.append(f"{name} not read since the command ended")
            continue
        if not r.ok:
            reasons.append(f"{name} failed: {r.error}")
            continue
        if r.value is not True:
            reasons.append(f"{name}: rollout not complete")
            continue
        detail = r.detail
        if detail is None and "rollout.complete" in readings:
            detail = readings["rollout.complete"].detail  # per-deployment readings carry none
        ok, what = _runs_expected(expect, detail)
        if ok is False:
            want = expect.app_version or ", ".join(image_tag(i) for i in expect.images)
            reasons.append(f"{name}: runs {what}, expected {want}")
        elif ok is None:
            notes.append(f"{name}: {what}")
    if not expect.command_ok:
        reasons.append("the command failed")
    return not reasons, reasons, notes


def _slo(expect: Expectation, verdict: Verdict | None) -> tuple[bool, list[str]]:
    if verdict is None:
        return False, ["no verdict yet"]
    if verdict.at < expect.ended_at:
        return False, ["the verdict has not been evaluated since the command ended"]
    if verdict.kind == VerdictKind.HOLD and not verdict.unknown and not verdict.failing:
        return False, ["no verdict yet"]  # an engine that has judged nothing yet
    reasons: list[str] = []
    failing = {i.item_id: i for i in verdict.failing}
    unknown = {i.item_id: i for i in verdict.unknown}
    watched = expect.gates or tuple(failing)
    for gate in watched:
        if gate in failing:
            detail = failing[gate].detail
            reasons.append(f"{gate} still failing" + (f" ({detail})" if detail else ""))
        elif gate in unknown:
            reasons.append(f"{gate} unknown")
    if verdict.kind == VerdictKind.NO_GO and not reasons:
        reasons.append("the verdict is still NO-GO")
    return not reasons, reasons


def evaluate(
    expect: Expectation,
    readings: Mapping[str, Reading],
    verdict: Verdict | None,
    at: float,
    previous: Verification | None = None,
) -> Verification:
    """The verification state at `at`; `previous` carries the first-seen times forward."""
    rolled, rollout_reasons, notes = _rollout(expect, readings)
    recovered, slo_reasons = _slo(expect, verdict)
    rollout_at = previous.rollout_at if previous else None
    recovered_at = previous.recovered_at if previous else None
    if rolled and rollout_at is None:
        rollout_at = at
    if not rolled:
        rollout_at = None
    if recovered and recovered_at is None:
        recovered_at = at
    if not recovered:
        recovered_at = None
    reasons = tuple(rollout_reasons + slo_reasons)
    if not expect.command_ok:
        state: State = "failed"
    elif rolled and recovered:
        state = "verified"
    elif at >= expect.deadline:
        state = "failed"
    else:
        state = "waiting"
    return Verification(
        state=state,
        reasons=reasons,
        ended_at=expect.ended_at,
        at=at,
        rollout_at=rollout_at,
        recovered_at=recovered_at,
        notes=tuple(notes),
    )


async def watch(
    expect: Expectation,
    readings: Callable[[], Mapping[str, Reading]],
    verdict: Callable[[], Verdict | None],
    sink: Any = None,
    on_update: Callable[[Verification], Awaitable[None] | None] | None = None,
    interval: float = 1.0,
    clock: Callable[[], float] = now,
) -> Verification:
    """Re-evaluate every `interval` until verified or past the deadline; log the result once."""
    current: Verification | None = None
    while True:
        current = evaluate(expect, readings(), verdict(), clock(), current)
        if on_update is not None:
            result = on_update(current)
            if asyncio.iscoroutine(result):
                await result
        if current.final:
            break
        await asyncio.sleep(interval)
    data = {
        "state": current.state,
        "reasons": list(current.reasons),
        "notes": list(current.notes),
        "ended_at": current.ended_at,
        "rollout_at": current.rollout_at,
        "recovered_at": current.recovered_at,
        "at": current.at,
    }
    events.record(
        sink,
        events.verify_event(
            expect.rollback_id, current.state == "verified", current.message(), data
        ),
    )
    return replace(current)
