"""The view of the cluster the pods pane draws and the signals are made from.

Immutable snapshots (`KubeView`): rollout rows, problem-first pod rows, counts and
recent warning events. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cockpit.sources.kube.objects import (
    DeploymentInfo,
    EventInfo,
    PodInfo,
    ReplicaSetInfo,
    image_tag,
)
from cockpit.views import View, ViewContext

# ---------------------------------------------------------------- the view


@dataclass(frozen=True, slots=True)
class RolloutRow:
    """One deployment's rollout: counts, the new and old replica sets, and its state."""

    cluster: str
    namespace: str
    name: str
    desired: int
    updated: int
    ready: int
    available: int
    unavailable: int
    revision: int
    image: str  # tag of the new replica set
    old_revision: int | None
    old_image: str
    old_replicas: int
    state: str  # complete | progressing | stalled | paused
    message: str

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def stalled(self) -> bool:
        return self.state == "stalled"


@dataclass(frozen=True, slots=True)
class PodRow:
    pod: PodInfo
    deployment: str
    restarts_10m: int
    sort_key: tuple = ()


@dataclass(frozen=True, slots=True)
class ScopeState:
    """How one watch (cluster x resource x namespace) is doing, for the pane and readings."""

    cluster: str
    resource: str
    namespace: str | None
    state: str  # connecting | ok | reconnecting | forbidden | error
    message: str = ""
    since: float = 0.0
    synced: bool = False  # listed at least once
    good_at: float = 0.0  # last moment the data was known current


@dataclass(frozen=True)
class KubeView:
    """A consistent snapshot: what the pane draws and what the signals are made from."""

    at: float
    clusters: tuple[str, ...]
    scopes: tuple[ScopeState, ...]
    rollouts: tuple[RolloutRow, ...]
    pods: tuple[PodRow, ...]  # problem pods first, then by cluster/namespace/name
    warnings: tuple[EventInfo, ...]  # newest first, only about objects in view
    restarts_10m: int
    version: int = 0
    counts: Counts = field(default_factory=lambda: Counts())
    by_deployment: dict[str, Counts] = field(default_factory=dict)  # across clusters
    by_cluster: dict[str, Counts] = field(default_factory=dict)
    crashing: tuple[PodRow, ...] = ()
    _by_object: dict[tuple[str, str, str, str], list[EventInfo]] = field(
        default_factory=dict, repr=False
    )

    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def not_ready(self) -> int:
        return self.counts.not_ready

    @property
    def crashlooping(self) -> int:
        return self.counts.crashlooping

    def events_for(self, cluster: str, namespace: str, kind: str, name: str) -> list[EventInfo]:
        """Recent warning events about one object, newest first."""
        return list(self._by_object.get((cluster, namespace, kind, name), ()))

    def filter(self, text: str) -> list[PodRow]:
        """Pods whose name, status, node, version, deployment or cluster contains `text`."""
        needle = text.strip().lower()
        if not needle:
            return list(self.pods)
        out = []
        for r in self.pods:
            p = r.pod
            hay = (
                f"{p.name} {p.status} {p.node} {p.version} {r.deployment} {p.cluster} {p.namespace}"
            )
            if needle in hay.lower():
                out.append(r)
        return out

    def scope_problems(self) -> list[ScopeState]:
        return [s for s in self.scopes if s.state != "ok"]


def counts_as_not_ready(p: PodInfo) -> bool:
    """Not ready, and expected to be: terminating and completed pods do not count."""
    return not p.is_ready and not p.terminating and p.phase != "Succeeded"


def rollout_row(dep: DeploymentInfo, rss: Iterable[ReplicaSetInfo]) -> RolloutRow:
    """kubectl rollout status's reading of a deployment, with its new and old replica sets."""
    ordered = sorted(rss, key=lambda r: r.revision, reverse=True)
    new = next((r for r in ordered if r.revision == dep.revision), ordered[0] if ordered else None)
    olds = [r for r in ordered if r is not new]
    live_olds = [r for r in olds if r.replicas > 0]
    old = live_olds[0] if live_olds else (olds[0] if olds else None)
    observed = dep.observed_generation >= dep.generation
    if dep.progressing_reason == "ProgressDeadlineExceeded":
        state = "stalled"
        message = dep.progressing_message
    elif dep.paused:
        state, message = "paused", "rollout paused"
    elif (
        observed
        and dep.updated >= dep.desired
        and dep.replicas <= dep.updated
        and dep.available >= dep.updated
    ):
        state, message = "complete", ""
    else:
        state = "progressing"
        if not observed:
            message = "waiting for the deployment spec update to be observed"
        elif dep.updated < dep.desired:
            message = f"{dep.updated} of {dep.desired} updated replicas"
        elif dep.replicas > dep.updated:
            message = f"{dep.replicas - dep.updated} old replicas pending termination"
        else:
            message = f"{dep.available} of {dep.updated} updated replicas available"
    return RolloutRow(
        cluster=dep.cluster,
        namespace=dep.namespace,
        name=dep.name,
        desired=dep.desired,
        updated=dep.updated,
        ready=dep.ready,
        available=dep.available,
        unavailable=dep.unavailable,
        revision=new.revision if new else dep.revision,
        image=image_tag(new.image if new else dep.image),
        old_revision=old.revision if old else None,
        old_image=image_tag(old.image) if old else "",
        old_replicas=sum(r.replicas for r in live_olds),
        state=state,
        message=message,
    )


def pod_sort_key(pod: PodInfo, restarts_10m: int) -> tuple:
    """Problem pods first (worst first, most recent restarts first), then by name."""
    return (-pod.rank, -restarts_10m, pod.cluster, pod.namespace, pod.name)



@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    not_ready: int = 0
    crashlooping: int = 0
    restarts_10m: int = 0


class CountsBuilder:
    __slots__ = ("total", "not_ready", "crashlooping", "restarts_10m")

    def __init__(self) -> None:
        self.total = self.not_ready = self.crashlooping = self.restarts_10m = 0

    def add(self, not_ready: bool, crashlooping: bool, restarts_10m: int, sign: int = 1) -> None:
        self.total += sign
        self.not_ready += sign * not_ready
        self.crashlooping += sign * crashlooping
        self.restarts_10m += sign * restarts_10m

    def freeze(self) -> Counts:
        return Counts(self.total, self.not_ready, self.crashlooping, self.restarts_10m)


def pod_counts(rows: Iterable[PodRow]) -> Counts:
    c = CountsBuilder()
    for r in rows:
        c.add(counts_as_not_ready(r.pod), r.pod.crashlooping, r.restarts_10m)
    return c.freeze()


@dataclass(frozen=True)
class PodsView(View):
    """What the pods pane draws: the cluster's view, or why there is none yet."""

    kube: KubeView | None = None
    error: str | None = None  # the pods reading failed: why (no list, forbidden, ...)


def pods_view(ctx: ViewContext) -> PodsView:
    """The kube source's view: the KubeView its `pods.total` reading carries."""
    reading = ctx.readings.get("pods.total")
    kube = reading.detail if reading is not None else None
    return PodsView(ctx.source, ctx.status, ctx.at,
                    kube=kube if isinstance(kube, KubeView) else None,
                    error=reading.error if reading is not None else None)
