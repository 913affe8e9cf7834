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

This module holds what a scenario file cannot say: how each fault shows in the
metrics, the cluster and the ASR service.

A rollback (`helm rollback`, seen through the demo's helm state file) rolls the
cluster back to 2.3.0 and ends every fault that belongs to the release. Operators
add faults by name (`inject`), each lasting four scenario minutes unless cleared.

Values are functions of wall time (so Prometheus can answer `time=` in the past,
for backfill and `compare: 1d`), built from the fault windows: each fault rises over
15 scenario seconds and decays over ~20 after it ends, as a `rate(...[5m])` would.
Side effects (the cluster, the ASR service, the Prometheus outage) are applied by
`tick(now)`, which the demo calls twice a second.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.sim.prometheus import QueryTable, Sample
from cockpit.sim.rehearsal import Rehearsal, Step, load_rehearsal

NAMESPACE = "asr"
DEPLOYMENTS = {"asr-gateway": 3, "asr-worker": 4}
PART_OF = {"app.kubernetes.io/part-of": "asr"}
REGISTRY = "registry.example/asr"
OLD, NEW = "2.3.0", "2.4.0"

HEAL_AFTER = 240.0  # an operator's fault clears on its own this long after it began
STEP_EVERY = 5.0  # one rolling-update step per deployment
CRASH_EVERY = 30.0  # the crash-looping container dies again
RISE, DECAY = 15.0, 20.0

FULL_RPS = 240.0
ASR_DELAY = 2.5  # s: every ASR answer this late while "slow-asr"
# "flap": a cycle of FLAP_CYCLE scenario seconds: first a flicker across the 5% line
# every FLAP_FLICKER s (never held for a `for:`), then held above it for FLAP_HELD s, then
# below. The error rate stays above the checklist's 1% gate all along.
FLAP_CYCLE, FLAP_FLICKER, FLAP_HELD = 90.0, 5.0, 45.0
FLAP_HIGH, FLAP_LOW = 0.075, 0.025

# Fault name -> (effects, what it is). Effects marked in RELEASE_EFFECTS belong to
# the release and end when it is rolled back.
FAULTS: dict[str, tuple[frozenset[str], str]] = {
    "launch": (frozenset({"errors", "latency", "crashloop", "slow-asr"}),
               "the scripted fault: 5xx spike, slow responses, a crash-looping asr-worker "
               "pod, slow ASR answers"),
    "errors": (frozenset({"errors"}), "5xx spike (error rate ~8%)"),
    "latency": (frozenset({"latency"}), "p95/p99 latency spike"),
    "crashloop": (frozenset({"crashloop"}), "one asr-worker pod crash-loops"),
    "slow-asr": (frozenset({"slow-asr"}), f"the ASR service answers {ASR_DELAY:g}s late"),
    "wrong-words": (frozenset({"wrong-words"}), "the ASR service gets every other word wrong"),
    "asr-down": (frozenset({"asr-down"}), "the ASR service and /health answer 503"),
    "xid": (frozenset({"xid"}), "XID 79 (GPU fallen off the bus) on one GPU"),
    "stall": (frozenset({"stall"}), "the rollout in progress passes its deadline"),
    "prom-down": (frozenset({"prom-down"}), "Prometheus answers 503"),
    "asr-regression": (frozenset({"slow-asr", "wrong-words"}),
                       "the ASR service answers, but late and with wrong words (first partial "
                       "and WER degrade)"),
    "gpu-saturation": (frozenset({"gpu-saturate"}), "every serving GPU at 100% utilization"),
    "flapping": (frozenset({"flap"}), "the error rate crosses its 5% line and back every few "
                                      "seconds, then holds above it"),
}
RELEASE_EFFECTS = frozenset({"errors", "latency", "crashloop", "slow-asr", "wrong-words",
                             "flap"})

GPUS = [("gpu-node-a", "0"), ("gpu-node-a", "1"), ("gpu-node-b", "0"), ("gpu-node-b", "1")]
GPU_MIB = 23034.0  # NVIDIA L4

Note = tuple[str, str]  # (severity, message) for the incident log


@dataclass
class Window:
    """One fault, from `start` until `end` (wall seconds); `end` None: still on."""

    name: str
    effects: frozenset[str]
    start: float
    heal_at: float
    end: float | None = None
    by: str = "script"

    def ended(self, now: float) -> bool:
        return self.end is not None and self.end <= now


@dataclass
class _Rollout:
    version: str
    pending: set[str] = field(default_factory=set)
    next_step: float = 0.0  # scenario seconds
    announced: bool = False


def _noise(t: float, k: float = 0.0) -> float:
    """Deterministic, smooth wobble in [-1, 1]."""
    return 0.6 * math.sin(t / 23.0 + k * 1.7) + 0.4 * math.sin(t / 7.3 + k * 0.9)


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def image(deployment: str, version: str) -> str:
    return f"{REGISTRY}/{deployment}:{version}"


class LaunchScenario:
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

    def intensity(self, effect: str, t: float) -> float:
        """0..1: how strongly `effect` shows in the metrics at wall time `t`."""
        total = 0.0
        with self._lock:
            windows = [w for w in self.windows if effect in w.effects and w.start <= t]
        for w in windows:
            end = w.end if w.end is not None else math.inf
            rise_end = min(t, end)
            level = _smooth((rise_end - w.start) * self.speed / RISE)
            if t > end:
                level *= math.exp(-(t - end) * self.speed / DECAY)
            total += level
        return min(1.0, total)

    # ------------------------------------------------------------ metrics

    def traffic(self, t: float) -> float:
        s = self.s(t)
        ramp = 0.0
        if self._traffic is not None:
            start, over = self._traffic
            ramp = _smooth((s - start) / max(over, 1.0))
        return max(0.02, (0.15 + 0.85 * ramp) * (1 + 0.03 * _noise(t, 1)))

    def request_rate(self, t: float) -> float:
        return FULL_RPS * self.traffic(t)

    def error_rate(self, t: float) -> float:
        base = 0.0015 + 0.0005 * _noise(t, 2)
        return max(0.0, base + 0.085 * self.intensity("errors", t) + self._flap(t))

    def _flap(self, t: float) -> float:
        """The "flap" fault's error rate: see FLAP_CYCLE."""
        level = self.intensity("flap", t)
        if level <= 0:
            return 0.0
        windows = [w for w in self.windows if "flap" in w.effects and w.start <= t]
        if windows[-1].ended(t):
            return level * FLAP_LOW  # over: the low level, decaying, no more crossings
        into = (t - windows[-1].start) * self.speed % FLAP_CYCLE
        flicker = FLAP_CYCLE - FLAP_HELD - 15.0
        if into < flicker:
            high = int(into // FLAP_FLICKER) % 2 == 0
        else:
            high = into < flicker + FLAP_HELD
        return level * (FLAP_HIGH if high else FLAP_LOW)

    def _slow(self, t: float) -> float:
        return max(self.intensity("latency", t), 0.8 * self.intensity("errors", t),
                   0.3 * self.intensity("gpu-saturate", t))

    def p95(self, t: float) -> float:
        return 0.28 + 0.12 * self.traffic(t) + 0.02 * _noise(t, 3) + 1.35 * self._slow(t)

    def p99(self, t: float) -> float:
        return 0.55 + 0.25 * self.traffic(t) + 0.04 * _noise(t, 4) + 2.1 * self._slow(t)

    def active_streams(self, t: float) -> float:
        return float(round(150 * self.traffic(t)))

    def prom_table(self, queries: Mapping[str, str]) -> QueryTable:
        """Exact answers for the demo config's named queries, and the DCGM metrics."""
        fns: dict[str, Callable[[float], float]] = {
            "error_rate": self.error_rate,
            "p95_latency": self.p95,
            "p99_latency": self.p99,
            "request_rate": self.request_rate,
            "active_streams": self.active_streams,
        }
        table = QueryTable()
        for name, expr in queries.items():
            if name in fns:
                table.add_scalar_expr(expr, fns[name])
        for field_name, metric in (
            ("util", "DCGM_FI_DEV_GPU_UTIL"),
            ("fb_used", "DCGM_FI_DEV_FB_USED"),
            ("fb_free", "DCGM_FI_DEV_FB_FREE"),
            ("temp", "DCGM_FI_DEV_GPU_TEMP"),
            ("power", "DCGM_FI_DEV_POWER_USAGE"),
            ("xid", "DCGM_FI_DEV_XID_ERRORS"),
        ):
            table.metrics[metric] = (lambda f: lambda t: self.gpu_series(f, t))(field_name)
        return table

    def _worker_pods(self) -> list[tuple[str, bool]]:
        """(name, crashing) of the asr-worker pods, oldest name order, at most one per GPU."""
        if self.cluster is None:
            return [(f"asr-worker-{i}", False) for i in range(len(GPUS))]
        pods = []
        for p in self.cluster.objects("pods", NAMESPACE):
            if p["metadata"].get("labels", {}).get("app") != "asr-worker":
                continue
            statuses = p.get("status", {}).get("containerStatuses") or []
            crashing = any(
                (cs.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                for cs in statuses
            )
            ready = all(cs.get("ready") for cs in statuses) if statuses else False
            if ready or crashing:
                pods.append((p["metadata"]["name"], crashing))
        return sorted(pods)[: len(GPUS)]

    def gpu_series(self, field_name: str, t: float) -> list[Sample]:
        pods = self._worker_pods()
        serving = sum(1 for _, crashing in pods if not crashing) or 1
        load = self.traffic(t) * len(GPUS) / serving
        out: list[Sample] = []
        xid = self.intensity("xid", t) > 0.5
        for i, (node, gpu) in enumerate(GPUS):
            pod, crashing = pods[i] if i < len(pods) else ("", False)
            busy = bool(pod) and not crashing
            util = min(100.0, max(0.0, 6 + 72 * load * (1 + 0.08 * _noise(t, 10 + i)))) \
                if busy else 0.0
            if busy:
                util += (100.0 - util) * self.intensity("gpu-saturate", t)
            used = (7800 + 9500 * min(1.0, load) + 300 * _noise(t, 20 + i)) if busy else 1.0
            value = {
                "util": round(util),
                "fb_used": round(used),
                "fb_free": round(GPU_MIB - used),
                "temp": round(34 + 0.4 * util),
                "power": round(16 + 0.52 * util, 3),
                "xid": 79.0 if xid and i == len(GPUS) - 1 else 0.0,
            }[field_name]
            uid = hashlib.sha256(f"{node}/{gpu}".encode()).hexdigest()
            labels = {
                "gpu": gpu,
                "UUID": f"GPU-{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
                "device": f"nvidia{gpu}",
                "modelName": "NVIDIA L4",
                "Hostname": node,
                "DCGM_FI_DRIVER_VERSION": "550.90.07",
                "instance": f"10.0.3.{11 + i // 2}:9400",
                "job": "dcgm-exporter",
            }
            if pod:
                labels.update(pod=pod, namespace=NAMESPACE, container="asr-worker")
            out.append((labels, float(value)))
        return out

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


__all__ = ["FAULTS", "LaunchScenario", "Window"]
