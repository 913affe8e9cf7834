"""Rollout happenings: what changed since the previous sample, as log events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.model import Event, EventKind
from cockpit.sources.kube.view import KubeView


def on_cluster(cluster: str, view: KubeView) -> str:
    return f" on {cluster}" if len(view.clusters) > 1 else ""


def kube_event(message: str, severity: str, key: tuple, ro: Any) -> Event:
    return Event(
        kind=EventKind.KUBE,
        message=message,
        severity=severity,
        data={
            "cluster": key[0],
            "namespace": key[1],
            "deployment": key[2],
            "revision": ro.revision,
            "image": ro.image,
            "state": ro.state,
        },
    )


@dataclass(frozen=True)
class KubeMemory:
    """What the previous sample saw, to log transitions (not states) as events."""

    rollouts: dict[tuple[str, str, str], Any]
    crashing: dict[tuple[str, str, str, str], str]
    scopes: dict[tuple[str, str, str | None], tuple[str, str]]

    @classmethod
    def of(cls, view: KubeView) -> KubeMemory:
        return cls(
            rollouts={(r.cluster, r.namespace, r.name): r for r in view.rollouts},
            crashing={
                (r.pod.cluster, r.pod.namespace, r.pod.name, r.pod.uid): r.pod.last_termination
                for r in view.crashing
            },
            scopes={
                (s.cluster, s.resource, s.namespace): (s.state, s.message) for s in view.scopes
            },
        )


# ---------------------------------------------------------------- readings


