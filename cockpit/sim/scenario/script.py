"""The script played: due steps taken, the release rolled out or back, faults applied to
the cluster, the ASR service and Prometheus, and healed (self: LaunchScenario).
"""

from __future__ import annotations

import hashlib
import time

from cockpit.sim.rehearsal import Rehearsal, Step
from cockpit.sim.scenario.world import (
    ASR_DELAY,
    CRASH_EVERY,
    DEPLOYMENTS,
    FAULTS,
    NAMESPACE,
    NEW,
    RELEASE_EFFECTS,
    STEP_EVERY,
    Note,
    _Rollout,
    image,
)


class Script:
    """The scenario's side effects, taken on `tick(now)` (self: LaunchScenario)."""

    # ------------------------------------------------------------ the script

    def tick(self, now: float | None = None) -> list[Note]:
        """Take the scripted steps that are due and apply the faults; notes for the log."""
        now = time.time() if now is None else now
        s = self.s(now)
        notes: list[Note] = []
        with self._lock:
            notes += self._release(now, s)
            notes += self._script(now, s)
            notes += self._heal(now)
            notes += self._apply(now, s)
            notes += self._step_rollout(s)
        return notes

    def _once(self, key: str) -> bool:
        if key in self._done:
            return False
        self._done.add(key)
        return True

    def _script(self, now: float, s: float) -> list[Note]:
        notes: list[Note] = []
        if self._once("start"):
            notes.append(("info", self.outline()))
        while self._plan and s >= self._plan[0].at:
            notes += self._step(self._plan.pop(0), now, s)
        return notes

    def _step(self, step: Step, now: float, s: float) -> list[Note]:
        """Take one scripted step; the notes it makes."""
        if step.action == "upgrade":
            version = step.upgrade or NEW
            if self.helm is not None and self.helm.deployed_app() != version:
                rev = self.helm.upgrade(version)
                return [("info", f"rehearsal: helm upgrade asr to revision {rev} ({version}); "
                                 "asr-gateway and asr-worker roll one pod at a time")]
            if self.helm is None:
                self._start_rollout(version, s)
                return [("info", f"rehearsal: upgrade to {version} started")]
            return []
        if step.action == "traffic":
            ramp = self.clock_text(step.traffic or 0.0)
            return [("info", f"rehearsal: traffic opens, ramping to full over {ramp}")]
        if step.action == "fault":
            name = step.fault or ""
            release_bound = FAULTS[name][0] <= RELEASE_EFFECTS
            if release_bound and self.version != NEW and id(step) not in self._operator:
                return [("info", f"rehearsal: the scripted fault is skipped ({name}): "
                                 f"{self.version} runs (the fault belongs to the {NEW} release)")]
            self.inject(name, now, by="script", lasts=step.lasts)
            heal = self.clock_text(step.lasts)
            return [("warning", f"rehearsal: fault injected — {FAULTS[name][1]}"
                     + (f" (ends with a rollback, or by itself after {heal})"
                        if release_bound else f" (ends by itself after {heal})"))]
        if step.action == "clear":
            effects = None if step.clear == "all" else FAULTS[step.clear or ""][0]
            n = self.clear(now, effects)
            return [("info", f"rehearsal: {n} fault(s) cleared by the script")]
        if step.action == "note":
            return [("info", f"rehearsal: {step.note}")]
        self.captain.append(step)
        if step.action == "tick":
            return [("info", "rehearsal: the captain ticks " + ", ".join(step.tick))]
        return [("warning", "rehearsal: the captain is expected to roll back now if the "
                            "verdict says NO-GO")]

    def play(self, script: Rehearsal, now: float | None = None) -> None:
        """Play `script` from its start, now (the palette's "Scenario: NAME"): every fault
        ends, the clock restarts; a step whose state already holds (the upgrade to a
        version that runs) changes nothing."""
        with self._lock:
            self.clear(now)
            self.script = script
            self._plan = script.sorted_steps()
            self._done.discard("start")
            traffic = script.first("traffic")
            self._traffic = (traffic.at, traffic.traffic or 1.0) if traffic is not None else None
            self.captain = []
            self.restart_clock(now)

    def take_captain(self) -> list[Step]:
        """The captain's steps that fell due since the last call (a drill plays them)."""
        with self._lock:
            due, self.captain = self.captain, []
        return due

    def _release(self, now: float, s: float) -> list[Note]:
        """Follow helm: a new deployed app version rolls the cluster to it."""
        if self.helm is None:
            return []
        wanted = self.helm.deployed_app()
        if wanted is None or wanted == self.version:
            return []
        notes: list[Note] = []
        rolled_back = self.version == NEW and wanted != NEW
        self._start_rollout(wanted, s)
        if rolled_back:
            ended = self.clear(now, RELEASE_EFFECTS)
            notes.append(("info", f"rehearsal: helm rolled back to {wanted}; the cluster rolls "
                                  "back" + (f" and {ended} release fault(s) end" if ended else "")))
        return notes

    def _start_rollout(self, version: str, s: float) -> None:
        self.version = version
        if self.cluster is None:
            return
        for name in DEPLOYMENTS:
            self.cluster.start_rollout(NAMESPACE, name, image(name, version))
        self._rollout = _Rollout(version, set(DEPLOYMENTS), next_step=s + STEP_EVERY)
        self._stalled = False

    def _step_rollout(self, s: float) -> list[Note]:
        ro = self._rollout
        if ro is None or self.cluster is None or self._stalled or s < ro.next_step:
            return []
        ro.next_step = s + STEP_EVERY
        for name in sorted(ro.pending):
            try:
                if self.cluster.rollout_step(NAMESPACE, name) is None:
                    ro.pending.discard(name)
            except KeyError:
                ro.pending.discard(name)
        if not ro.pending:
            self._rollout = None
            return [("info", f"rehearsal: rollout to {ro.version} complete")]
        return []

    def _heal(self, now: float) -> list[Note]:
        notes: list[Note] = []
        for w in self.windows:
            if w.end is None and now >= w.heal_at:
                w.end = w.heal_at
                notes.append(("info", f"rehearsal: fault {w.name!r} cleared by itself"
                              + (" (the bad pod was rescheduled)" if "crashloop" in w.effects
                                 else "")))
        return notes

    def _apply(self, now: float, s: float) -> list[Note]:
        on = self.active(now)
        notes: list[Note] = []
        if self.asr_faults is not None:
            self.asr_faults.delay = ASR_DELAY if "slow-asr" in on else 0.0
            self.asr_faults.wrong_words = "wrong-words" in on
            self.asr_faults.refuse = "asr-down" in on
        self.health_ok = "asr-down" not in on
        if self.prom is not None:
            self.prom.outage = "prom-down" in on
        if "stall" in on and not self._stalled:
            self._stalled = True
            if self._rollout is not None and self.cluster is not None:
                for name in sorted(self._rollout.pending):
                    self.cluster.stall_rollout(NAMESPACE, name)
        elif "stall" not in on and self._stalled:
            self._stalled = False
        if self.cluster is not None:
            notes += self._crashloop(on, s)
        return notes

    def _crashloop(self, on: set[str], s: float) -> list[Note]:
        if "crashloop" in on:
            if self._crash_pod is None:
                pods = [p for p, crashing in self._worker_pods() if not crashing]
                if not pods:
                    return []
                self._crash_pod = pods[0]
                self._crash_next = s
            if s >= self._crash_next:
                self._crash_next = s + CRASH_EVERY
                try:
                    self.cluster.crashloop(
                        NAMESPACE, self._crash_pod, restarts=1,
                        message="CUDA error: an illegal memory access was encountered",
                    )
                except KeyError:
                    self._crash_pod = None  # gone (rolled back): nothing to crash
            return []
        if self._crash_pod is not None:
            self._reschedule(self._crash_pod)
            self._crash_pod = None
        return []

    def _reschedule(self, name: str) -> None:
        """The crash-looping pod is replaced by a healthy one of the same replica set."""
        pod = self.cluster.get("pods", NAMESPACE, name)
        if pod is None:
            return
        owner = next((r for r in pod["metadata"].get("ownerReferences", [])
                      if r.get("kind") == "ReplicaSet"), None)
        rs = self.cluster.get("replicasets", NAMESPACE, owner["name"]) if owner else None
        self.cluster.delete_pod(NAMESPACE, name)
        if rs is None:
            return
        tmpl = rs["spec"]["template"]
        suffix = hashlib.sha256(f"{name}{time.time()}".encode()).hexdigest()[:5]
        self.cluster.create_pod(
            NAMESPACE, f"{rs['metadata']['name']}-{suffix}",
            labels=tmpl["metadata"]["labels"],
            image=tmpl["spec"]["containers"][0]["image"],
            containers=[c["name"] for c in tmpl["spec"]["containers"]],
            ready=True, owner=rs,
        )

