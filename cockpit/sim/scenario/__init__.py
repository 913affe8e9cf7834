"""The rehearsal's simulated world: a launch of asr 2.4.0 played from a scenario file.

The script itself is data (`rehearsals/*.yaml`, loaded by `cockpit.sim.rehearsal`); the
default is `rehearsals/launch.yaml`, at speed 1 (scenario seconds = wall seconds):

| when | what |
| --- | --- |
| 0:00 | revision 4 (2.3.0) runs: asr-gateway x3, asr-worker x4; a trickle of traffic |
| 0:30 | `helm upgrade` to revision 5 (2.4.0): both deployments roll, one pod at a time |
| 1:30 | traffic opens, ramping to full by 4:30 (requests, streams, GPU load) |
| 5:00 | the fault: 5xx spike, slow responses, a crash-looping asr-worker pod, |
|      | slow ASR answers: the verdict turns NO-GO |
| +4:00 | without a rollback the fault clears on its own (the bad pod is rescheduled) |

This package holds what a scenario file cannot say: how each fault shows in the
metrics, the cluster and the ASR service.

A rollback (`helm rollback`, seen through the demo's helm state file) rolls the
cluster back to 2.3.0 and ends every fault that belongs to the release. Operators
add faults by name (`inject`), each lasting four scenario minutes unless cleared.

Values are functions of wall time (so Prometheus can answer `time=` in the past,
for backfill and `compare: 1d`), built from the fault windows: each fault rises over
15 scenario seconds and decays over ~20 after it ends, as a `rate(...[5m])` would.
Side effects (the cluster, the ASR service, the Prometheus outage) are applied by
`tick(now)`, which the demo calls twice a second.

The package's modules: `world` (names, versions, faults and their effects, `Window`),
`signals` (what the metrics say over time: the Prometheus table, the GPU series) and
`script` (steps taken, the rollout, faults applied and healed); `LaunchScenario` here
composes them. Import from `cockpit.sim.scenario` itself.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from cockpit.sim.rehearsal import Rehearsal, Step, load_rehearsal
from cockpit.sim.scenario.script import Script
from cockpit.sim.scenario.signals import Signals
from cockpit.sim.scenario.world import (
    ASR_DELAY,
    CRASH_EVERY,
    DECAY,
    DEPLOYMENTS,
    FAULTS,
    FLAP_CYCLE,
    FLAP_FLICKER,
    FLAP_HELD,
    FLAP_HIGH,
    FLAP_LOW,
    FULL_RPS,
    GPU_MIB,
    GPUS,
    HEAL_AFTER,
    NAMESPACE,
    NEW,
    OLD,
    PART_OF,
    REGISTRY,
    RELEASE_EFFECTS,
    RISE,
    STEP_EVERY,
    Note,
    Window,
    _Rollout,
    image,
)


class LaunchScenario(Signals, Script):
    """The script, its faults, and the values every simulator answers with.

    `cluster` is a `cockpit.sim.kube.cluster.Cluster`, `asr_faults` the ASR sim's `SimFaults`,
    `prom` the PromSim (for its outage flag), `helm` a `HelmState` (the deployed
    release), all optional so parts can be tested alone.
    """

    def __init__(
        self,
        *,
        cluster: Any = None,
        asr_faults: Any = None,
        prom: Any = None,
        helm: Any = None,
        speed: float = 1.0,
        t0: float | None = None,
        scripted_fault: bool = True,
        planned: list[tuple[str, float]] | None = None,
        script: Rehearsal | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.cluster = cluster
        self.asr_faults = asr_faults
        self.prom = prom
        self.helm = helm
        self.speed = speed
        self.t0 = time.time() if t0 is None else t0
        self.script = script if script is not None else load_rehearsal("launch")
        self.windows: list[Window] = []
        self.health_ok = True
        self.version = OLD  # what the cluster runs (or is rolling to)
        self._lock = threading.RLock()
        self._done: set[str] = set()  # scripted steps already taken
        # (at, step): the script's steps, its faults left out with scripted_fault=False,
        # and the operator's planned faults (--fault NAME@SECONDS).
        steps = [st for st in self.script.sorted_steps()
                 if scripted_fault or st.action != "fault"]
        operator = [Step(at=at, fault=name, lasts=HEAL_AFTER) for name, at in planned or []]
        self._operator = {id(st) for st in operator}  # injected whatever version runs
        self._plan: list[Step] = sorted(steps + operator, key=lambda st: st.at)
        self.captain: list[Step] = []  # due captain steps (tick, rollback) for a drill to play
        traffic = self.script.first("traffic")
        self._traffic = (traffic.at, traffic.traffic or 1.0) if traffic is not None else None
        self._rollout: _Rollout | None = None
        self._crash_pod: str | None = None
        self._crash_next = 0.0
        self._stalled = False

    # ------------------------------------------------------------ time

    def s(self, t: float) -> float:
        """Scenario seconds at wall time `t`."""
        return (t - self.t0) * self.speed

    def wall(self, s: float) -> float:
        return self.t0 + s / self.speed

    def restart_clock(self, t0: float | None = None) -> None:
        """Scenario second 0 is now (a drill starts the script once its engine is warm)."""
        with self._lock:
            self.t0 = time.time() if t0 is None else t0

    # ------------------------------------------------------------ set-up

    def setup(self) -> None:
        """The cluster at revision 4 and the helm history up to it."""
        if self.helm is not None and not self.helm.load():
            rows = [
                self.helm.revision(1, "superseded", "2.1.0", "Install complete"),
                self.helm.revision(2, "superseded", "2.2.0", "Upgrade complete"),
                self.helm.revision(3, "superseded", "2.2.1", "Upgrade complete"),
                self.helm.revision(4, "deployed", OLD, "Upgrade complete"),
            ]
            self.helm.save(rows)
        if self.cluster is not None:
            for name, replicas in DEPLOYMENTS.items():
                if self.cluster.get("deployments", NAMESPACE, name) is None:
                    self.cluster.create_deployment(
                        NAMESPACE, name, replicas=replicas, image=image(name, OLD),
                        revision=4, labels=dict(PART_OF), containers=(name,),
                    )

    # ------------------------------------------------------------ faults

    def inject(self, name: str, now: float | None = None, by: str = "operator",
               lasts: float = HEAL_AFTER) -> Window:
        if name not in FAULTS:
            raise KeyError(f"unknown fault {name!r} (known: {', '.join(sorted(FAULTS))})")
        now = time.time() if now is None else now
        with self._lock:
            window = Window(name, FAULTS[name][0], now, now + lasts / self.speed, by=by)
            self.windows.append(window)
        return window

    def clear(self, now: float | None = None, effects: frozenset[str] | None = None) -> int:
        """End every active fault (or those with any of `effects`); how many ended."""
        now = time.time() if now is None else now
        n = 0
        with self._lock:
            for w in self.windows:
                if w.end is None and (effects is None or w.effects & effects):
                    w.end = now
                    n += 1
        return n

    def active(self, now: float) -> set[str]:
        with self._lock:
            return {e for w in self.windows if w.start <= now and not w.ended(now)
                    for e in w.effects}

    def clock_text(self, scenario_seconds: float) -> str:
        """Scenario seconds as the wall-clock m:ss they take at this speed."""
        w = scenario_seconds / self.speed
        return f"{int(w // 60)}:{int(w % 60):02d}"

    def outline(self) -> str:
        at = self.clock_text
        parts = []
        for step in self._plan:
            if step.action == "upgrade":
                parts.append(f"upgrade {OLD} -> {step.upgrade} at {at(step.at)}")
            elif step.action == "traffic":
                parts.append(f"traffic from {at(step.at)}")
            elif step.action == "fault":
                parts.append(f"fault {step.fault} at {at(step.at)}")
        return (f"rehearsal started ({self.script.name}, speed x{self.speed:g}): "
                + ", ".join(parts) + "; roll back when the verdict says NO-GO")


# The world's names are re-exported: `from cockpit.sim.scenario import NAMESPACE` stays.
__all__ = [
    "ASR_DELAY",
    "CRASH_EVERY",
    "DECAY",
    "DEPLOYMENTS",
    "FAULTS",
    "FLAP_CYCLE",
    "FLAP_FLICKER",
    "FLAP_HELD",
    "FLAP_HIGH",
    "FLAP_LOW",
    "FULL_RPS",
    "GPUS",
    "GPU_MIB",
    "HEAL_AFTER",
    "LaunchScenario",
    "NAMESPACE",
    "NEW",
    "Note",
    "OLD",
    "PART_OF",
    "REGISTRY",
    "RELEASE_EFFECTS",
    "RISE",
    "STEP_EVERY",
    "Window",
    "image",
]
