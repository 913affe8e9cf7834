"""The simulated world's names and shapes: the namespace, deployments and versions, the
faults by name and their effects, the GPUs, and one fault's window in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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

