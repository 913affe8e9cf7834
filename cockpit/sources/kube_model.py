"""Pure aggregation of Kubernetes objects into what the pods pane and the gates need.

No I/O and no client: the watch threads of `cockpit.sources.kube` feed raw API JSON
(dicts) into a `KubeStore`; `KubeStore.view()` folds it into a `KubeView` of rollout
rows, problem-first pod rows, counts and recent warning events. Objects are slimmed
on the way in (a few hundred bytes per pod instead of the full JSON), so thousands of
pods cost little memory, and a view is rebuilt only when something changed.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

Obj = dict[str, Any]
PodKey = tuple[str, str, str]  # (cluster, namespace, name)

RESTART_WINDOW = 600.0  # seconds: "restarts in the last 10 minutes"
MAX_EVENTS = 500  # warning events kept per cluster

# Problem ranks: higher sorts first. 0 is a healthy pod.
RANK_CRASHLOOP = 60
RANK_FAILED = 50
RANK_IMAGE = 45
RANK_PENDING = 40
RANK_NOT_READY = 30
RANK_TERMINATING = 10
RANK_OK = 0

_IMAGE_REASONS = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
_FAILED_REASONS = {
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "Error",
    "OOMKilled",
    "ContainerCannotRun",
}


def parse_time(value: str | None) -> float | None:
    """RFC 3339 (`2026-11-22T03:04:05Z`, with or without fractions) -> epoch seconds."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def image_tag(image: str) -> str:
    """`registry:5000/asr/gateway:2.3.1` -> `2.3.1`; a digest -> its first 12 hex digits."""
    if "@" in image:
        return image.rsplit("@", 1)[1].split(":", 1)[-1][:12]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


# ---------------------------------------------------------------- slim objects


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    name: str
    image: str
    ready: bool
    restarts: int
    state: str  # running | waiting | terminated | unknown
    reason: str  # the state's reason: CrashLoopBackOff, ImagePullBackOff, Completed, ...
    message: str
    last_reason: str  # lastState.terminated.reason: OOMKilled, Error, ...
    last_exit_code: int | None
    last_finished: float | None


@dataclass(frozen=True, slots=True)
class PodInfo:
    cluster: str
    namespace: str
    name: str
    uid: str
    replicaset: str  # the controlling ReplicaSet's name, "" when none
    phase: str
    status: str  # what kubectl's STATUS column would say (CrashLoopBackOff, Terminating, ...)
    why: str  # the longer reason: an unschedulable message, a back-off message
    ready: int
    total: int
    restarts: int
    last_termination: str  # "OOMKilled (exit 137)", "" when none
    node: str
    created: float | None
    version: str  # image tag of the first container
    containers: tuple[ContainerInfo, ...]
    terminating: bool
    crashlooping: bool
    is_ready: bool
    rank: int  # problem rank: 0 healthy, higher is worse
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cluster, self.namespace, self.name)

    @property
    def problem(self) -> bool:
        return self.rank > 0


def slim_pod(cluster: str, obj: Obj) -> PodInfo:
    """A pod's JSON -> PodInfo, with kubectl's reading of its status."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    phase = st.get("phase") or "Unknown"
    owner = next(
        (r.get("name", "") for r in meta.get("ownerReferences") or [] if r.get("controller")), ""
    )
    containers = []
    for cs in st.get("containerStatuses") or []:
        state = cs.get("state") or {}
        kind = next(iter(state), "unknown")
        body = state.get(kind) or {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        containers.append(
            ContainerInfo(
                name=str(cs.get("name", "")),
                image=str(cs.get("image", "")),
                ready=bool(cs.get("ready")),
                restarts=int(cs.get("restartCount") or 0),
                state=kind,
                reason=str(body.get("reason", "")),
                message=str(body.get("message", "")),
                last_reason=str(last.get("reason", "")),
                last_exit_code=last.get("exitCode"),
                last_finished=parse_time(last.get("finishedAt")),
            )
        )
    terminating = bool(meta.get("deletionTimestamp"))
    conds = {c.get("type"): c for c in st.get("conditions") or []}
    ready_cond = (conds.get("Ready") or {}).get("status") == "True"
    n_ready = sum(1 for c in containers if c.ready)
    total = len(spec.get("containers") or []) or len(containers)
    crashloop = any(c.state == "waiting" and c.reason == "CrashLoopBackOff" for c in containers)

    # kubectl's STATUS: the pod's reason or phase, overridden by a container's reason.
    status = st.get("reason") or phase
    why = st.get("message") or ""
    for c in containers:
        if c.state == "waiting" and c.reason:
            status, why = c.reason, c.message
            break
        if c.state == "terminated":
            status = c.reason or (f"ExitCode:{c.last_exit_code}" if c.last_exit_code else status)
            break
    if phase == "Pending" and status == "Pending":
        sched = conds.get("PodScheduled") or {}
        if sched.get("status") == "False":
            why = f"{sched.get('reason', '')}: {sched.get('message', '')}".strip(": ")
    if terminating:
        status = "Terminating" if st.get("reason") != "NodeLost" else "Unknown"

    last = next((c for c in containers if c.last_reason), None)
    last_term = ""
    if last is not None:
        last_term = last.last_reason
        if last.last_exit_code is not None:
            last_term += f" (exit {last.last_exit_code})"

    if terminating:
        rank = RANK_TERMINATING
    elif crashloop:
        rank = RANK_CRASHLOOP
    elif phase == "Failed" or status in _FAILED_REASONS:
        rank = RANK_FAILED
    elif status in _IMAGE_REASONS:
        rank = RANK_IMAGE
    elif phase == "Pending":
        rank = RANK_PENDING
    elif phase == "Succeeded":
        rank = RANK_OK
    elif not ready_cond:
        rank = RANK_NOT_READY
    else:
        rank = RANK_OK
    images = spec.get("containers") or []
    version = image_tag(str(images[0].get("image", ""))) if images else ""
    return PodInfo(
        cluster=cluster,
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        uid=str(meta.get("uid") or meta.get("name", "")),
        replicaset=str(owner),
        phase=phase,
        status=str(status),
        why=str(why),
        ready=n_ready,
        total=total,
        restarts=sum(c.restarts for c in containers),
        last_termination=last_term,
        node=str(spec.get("nodeName") or ""),
        created=parse_time(meta.get("creationTimestamp")),
        version=version,
        containers=tuple(containers),
        terminating=terminating,
        crashlooping=crashloop and not terminating,
        is_ready=ready_cond and not terminating,
        rank=rank,
        labels=tuple(sorted((meta.get("labels") or {}).items())),
    )


@dataclass(frozen=True, slots=True)
class ReplicaSetInfo:
    cluster: str
    namespace: str
    name: str
    deployment: str
    revision: int
    image: str
    replicas: int  # spec
    ready: int
    available: int


def _revision(meta: Obj) -> int:
    """The `deployment.kubernetes.io/revision` annotation, 0 when absent or garbled."""
    try:
        return int((meta.get("annotations") or {}).get("deployment.kubernetes.io/revision"))
    except (TypeError, ValueError):
        return 0


def _first_image(spec: Obj) -> str:
    """The pod template's first container image (the version a rollout row shows)."""
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return str(containers[0].get("image", "")) if containers else ""


def slim_replicaset(cluster: str, obj: Obj) -> ReplicaSetInfo:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    owner = next(
        (
            r.get("name", "")
            for r in meta.get("ownerReferences") or []
            if r.get("kind") == "Deployment"
        ),
        "",
    )
    return ReplicaSetInfo(
        cluster=cluster,
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        deployment=str(owner),
        revision=_revision(meta),
        image=_first_image(spec),
        replicas=int(spec.get("replicas") or 0),
        ready=int(st.get("readyReplicas") or 0),
        available=int(st.get("availableReplicas") or 0),
    )


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    cluster: str
    namespace: str
    name: str
    desired: int
    replicas: int
    updated: int
    ready: int
    available: int
    unavailable: int
    generation: int
    observed_generation: int
    revision: int
    image: str
    paused: bool
    progressing_reason: str
    progressing_message: str
    progressing_status: str


def slim_deployment(cluster: str, obj: Obj) -> DeploymentInfo:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    conds = {c.get("type"): c for c in st.get("conditions") or []}
    prog = conds.get("Progressing") or {}
    desired = spec.get("replicas")
    return DeploymentInfo(
        cluster=cluster,
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        desired=1 if desired is None else int(desired),
        replicas=int(st.get("replicas") or 0),
        updated=int(st.get("updatedReplicas") or 0),
        ready=int(st.get("readyReplicas") or 0),
        available=int(st.get("availableReplicas") or 0),
        unavailable=int(st.get("unavailableReplicas") or 0),
        generation=int(meta.get("generation") or 0),
        observed_generation=int(st.get("observedGeneration") or 0),
        revision=_revision(meta),
        image=_first_image(spec),
        paused=bool(spec.get("paused")),
        progressing_reason=str(prog.get("reason", "")),
        progressing_message=str(prog.get("message", "")),
        progressing_status=str(prog.get("status", "")),
    )


@dataclass(frozen=True, slots=True)
class EventInfo:
    cluster: str
    namespace: str
    kind: str  # of the involved object
    name: str  # of the involved object
    reason: str
    message: str
    type: str
    count: int
    last_seen: float
    uid: str


def slim_event(cluster: str, obj: Obj) -> EventInfo:
    meta = obj.get("metadata") or {}
    inv = obj.get("involvedObject") or obj.get("regarding") or {}
    last = (
        parse_time(obj.get("lastTimestamp"))
        or parse_time(obj.get("eventTime"))
        or parse_time((obj.get("series") or {}).get("lastObservedTime"))
        or parse_time(meta.get("creationTimestamp"))
        or 0.0
    )
    return EventInfo(
        cluster=cluster,
        namespace=str(inv.get("namespace") or meta.get("namespace", "")),
        kind=str(inv.get("kind", "")),
        name=str(inv.get("name", "")),
        reason=str(obj.get("reason", "")),
        message=str(obj.get("message") or obj.get("note") or ""),
        type=str(obj.get("type", "")),
        count=int(obj.get("count") or (obj.get("series") or {}).get("count") or 1),
        last_seen=last,
        uid=str(meta.get("uid") or meta.get("name", "")),
    )


_SLIM: dict[str, Any] = {
    "pods": slim_pod,
    "replicasets": slim_replicaset,
    "deployments": slim_deployment,
    "events": slim_event,
}


def slim(resource: str, cluster: str, obj: Obj) -> Any:
    """The slim record of one API object of `resource`."""
    return _SLIM[resource](cluster, obj)


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


def _not_ready(p: PodInfo) -> bool:
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


_sort_key = attrgetter("sort_key")


# ---------------------------------------------------------------- the store


class KubeStore:
    """Objects by watch scope, fed by the watch threads, folded into views on demand.

    Thread-safe: `replace`/`apply` come from the watch threads, `view` from the
    engine's loop. The pod rows, their problem-first order and the counts are kept up
    to date per change (a bisect into a sorted list, counters adjusted), so a view of
    thousands of pods costs little more than copying the list. Restart counts are
    tracked per pod so `restarts_10m` counts the restarts seen in the window (for a pod
    first seen with restarts, its last termination inside the window counts as one).
    """

    def __init__(self, clock: Any = None) -> None:
        import time

        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._pods: dict[tuple[str, str | None], dict[tuple[str, str], PodInfo]] = {}
        self._rss: dict[tuple[str, str | None], dict[tuple[str, str], ReplicaSetInfo]] = {}
        self._deps: dict[tuple[str, str | None], dict[tuple[str, str], DeploymentInfo]] = {}
        self._events: dict[str, dict[str, EventInfo]] = {}
        self._restarts: dict[PodKey, deque[tuple[float, int]]] = {}  # (when, how many)
        self._scopes: dict[tuple[str, str, str | None], ScopeState] = {}
        self._clusters: list[str] = []
        self.version = 0  # bumped on every change
        # Derived, maintained per change:
        self._dep_of: dict[PodKey, str] = {}  # (cluster, ns, replica set) -> deployment
        self._rows: dict[PodKey, PodRow] = {}
        self._sorted: list[PodRow] = []
        self._crashing: dict[PodKey, PodRow] = {}
        self._tot = _Counter()
        self._by_dep: dict[str, _Counter] = {}
        self._by_cluster: dict[str, _Counter] = {}
        self._view: KubeView | None = None
        self._view_minute = -1

    # ------------------------------------------------------------ feeding

    def add_cluster(self, cluster: str) -> None:
        with self._lock:
            if cluster not in self._clusters:
                self._clusters.append(cluster)
                self.version += 1

    def set_scope(self, scope: ScopeState) -> None:
        with self._lock:
            old = self._scopes.get((scope.cluster, scope.resource, scope.namespace))
            if old != scope:
                self._scopes[(scope.cluster, scope.resource, scope.namespace)] = scope
                self.version += 1

    def scope(self, cluster: str, resource: str, namespace: str | None) -> ScopeState | None:
        with self._lock:
            return self._scopes.get((cluster, resource, namespace))

    def replace(
        self,
        cluster: str,
        resource: str,
        namespace: str | None,
        items: Iterable[Any],
        *,
        slimmed: bool = False,
    ) -> None:
        """A fresh list for one scope: what is not in it is gone. `items` are raw API
        objects, or (`slimmed`) what `slim(resource, ...)` made of them beforehand, so a
        long list is slimmed page by page outside the lock."""
        now = self._clock()
        objs = list(items) if slimmed else [slim(resource, cluster, o) for o in items]
        with self._lock:
            if resource == "pods":
                old = self._pods.get((cluster, namespace), {})
                new: dict = {}
                for p in objs:
                    key = (p.namespace, p.name)
                    new[key] = p
                    self._pod_changed(old.get(key), p, now)
                for key, p in old.items():
                    if key not in new:
                        self._pod_changed(p, None, now)
                self._pods[(cluster, namespace)] = new
            elif resource == "replicasets":
                self._rss[(cluster, namespace)] = {(r.namespace, r.name): r for r in objs}
                self._remap()
            elif resource == "deployments":
                self._deps[(cluster, namespace)] = {(d.namespace, d.name): d for d in objs}
            elif resource == "events":
                evs = self._events.setdefault(cluster, {})
                # Events of other namespaces of this cluster stay; this scope's are replaced.
                for uid in [u for u, e in evs.items() if namespace in (None, e.namespace)]:
                    del evs[uid]
                for e in objs:
                    self._add_event(cluster, e)
            self.version += 1

    def apply(
        self, cluster: str, resource: str, namespace: str | None, type_: str, obj: Obj
    ) -> None:
        """One watch event (ADDED, MODIFIED, DELETED) for one scope."""
        now = self._clock()
        with self._lock:
            if resource == "pods":
                scope = self._pods.setdefault((cluster, namespace), {})
                p = slim_pod(cluster, obj)
                key = (p.namespace, p.name)
                old = scope.get(key)
                if type_ == "DELETED":
                    scope.pop(key, None)
                    self._pod_changed(old, None, now)
                else:
                    scope[key] = p
                    self._pod_changed(old, p, now)
            elif resource == "replicasets":
                scope_r = self._rss.setdefault((cluster, namespace), {})
                r = slim_replicaset(cluster, obj)
                known = (r.namespace, r.name) in scope_r
                if type_ == "DELETED":
                    scope_r.pop((r.namespace, r.name), None)
                else:
                    scope_r[(r.namespace, r.name)] = r
                if type_ == "DELETED" or not known:
                    self._remap()
            elif resource == "deployments":
                scope_d = self._deps.setdefault((cluster, namespace), {})
                d = slim_deployment(cluster, obj)
                if type_ == "DELETED":
                    scope_d.pop((d.namespace, d.name), None)
                else:
                    scope_d[(d.namespace, d.name)] = d
            elif resource == "events":
                e = slim_event(cluster, obj)
                if type_ == "DELETED":
                    self._events.get(cluster, {}).pop(e.uid, None)
                else:
                    self._add_event(cluster, e)
            self.version += 1

    def _add_event(self, cluster: str, e: EventInfo) -> None:
        if e.type == "Normal":
            return
        evs = self._events.setdefault(cluster, {})
        evs.pop(e.uid, None)
        evs[e.uid] = e  # insertion order ~ arrival order
        while len(evs) > MAX_EVENTS:
            oldest = min(evs.values(), key=lambda x: x.last_seen)
            del evs[oldest.uid]

    # ------------------------------------------------------------ derived rows

    def _pod_changed(self, old: PodInfo | None, new: PodInfo | None, now: float) -> None:
        """Keep restarts, the row, the sorted list and the counters in step with one pod."""
        ref = new or old
        assert ref is not None
        key = (ref.cluster, ref.namespace, ref.name)
        if new is None:
            self._restarts.pop(key, None)
            self._set_row(key, None)
            return
        if old is not None and old.uid != new.uid:
            self._restarts.pop(key, None)  # a new pod under an old name
            old = None
        self._track_restarts(key, old, new, now)
        self._set_row(key, self._row(key, new))

    def _row(self, key: PodKey, p: PodInfo) -> PodRow:
        hist = self._restarts.get(key)
        n10 = sum(n for _, n in hist) if hist else 0
        dep = self._dep_of.get((p.cluster, p.namespace, p.replicaset), "")
        return PodRow(p, dep, n10, pod_sort_key(p, n10))

    def _set_row(self, key: PodKey, row: PodRow | None) -> None:
        old = self._rows.pop(key, None)
        if old is not None:
            i = bisect_left(self._sorted, old.sort_key, key=_sort_key)
            del self._sorted[i]
            self._count(old, -1)
            self._crashing.pop(key, None)
        if row is not None:
            self._rows[key] = row
            insort(self._sorted, row, key=_sort_key)
            self._count(row, +1)
            if row.pod.crashlooping:
                self._crashing[key] = row

    def _count(self, row: PodRow, sign: int) -> None:
        p = row.pod
        nr, crash, n10 = _not_ready(p), p.crashlooping, row.restarts_10m
        self._tot.add(nr, crash, n10, sign)
        c = self._by_cluster.get(p.cluster)
        if c is None:
            c = self._by_cluster[p.cluster] = _Counter()
        c.add(nr, crash, n10, sign)
        if row.deployment:
            d = self._by_dep.get(row.deployment)
            if d is None:
                d = self._by_dep[row.deployment] = _Counter()
            d.add(nr, crash, n10, sign)
            if d.total == 0:
                del self._by_dep[row.deployment]

    def _remap(self) -> None:
        """Replica sets came or went: pods may belong to other deployments now."""
        dep_of = {
            (r.cluster, r.namespace, r.name): r.deployment
            for scope in self._rss.values()
            for r in scope.values()
            if r.deployment
        }
        if dep_of == self._dep_of:
            return
        changed = {
            k for k in dep_of.keys() | self._dep_of.keys() if dep_of.get(k) != self._dep_of.get(k)
        }
        self._dep_of = dep_of
        for key, row in list(self._rows.items()):
            p = row.pod
            if (p.cluster, p.namespace, p.replicaset) in changed:
                self._set_row(key, self._row(key, p))

    def _track_restarts(self, key: PodKey, old: PodInfo | None, new: PodInfo, now: float) -> None:
        if old is None:
            if new.restarts > 0:
                recent = [
                    c.last_finished
                    for c in new.containers
                    if c.last_finished and now - c.last_finished <= RESTART_WINDOW
                ]
                if recent:
                    self._restarts.setdefault(key, deque(maxlen=64)).append((max(recent), 1))
            return
        delta = new.restarts - old.restarts
        if delta > 0:
            self._restarts.setdefault(key, deque(maxlen=64)).append((now, delta))

    # ------------------------------------------------------------ reading

    def view(self) -> KubeView:
        """The current snapshot; rebuilt only when something changed (or a minute passed,
        for the restart window)."""
        now = self._clock()
        minute = int(now // 60)
        with self._lock:
            if self._view is not None and self._view.version == self.version:
                if minute == self._view_minute:
                    return self._view
            self._view = self._build(now)
            self._view_minute = minute
            return self._view

    def _expire_restarts(self, now: float) -> None:
        cutoff = now - RESTART_WINDOW
        for key, hist in list(self._restarts.items()):
            if hist and hist[0][0] < cutoff:
                while hist and hist[0][0] < cutoff:
                    hist.popleft()
                if not hist:
                    del self._restarts[key]
                row = self._rows.get(key)
                if row is not None:
                    self._set_row(key, self._row(key, row.pod))

    def _build(self, now: float) -> KubeView:
        self._expire_restarts(now)
        rs_by_name: dict[PodKey, ReplicaSetInfo] = {}
        rss_by_dep: dict[PodKey, list[ReplicaSetInfo]] = {}
        for scope in self._rss.values():
            for r in scope.values():
                rs_by_name[(r.cluster, r.namespace, r.name)] = r
                if r.deployment:
                    rss_by_dep.setdefault((r.cluster, r.namespace, r.deployment), []).append(r)
        rollouts = []
        deps: set[PodKey] = set()
        for scope_d in self._deps.values():
            for d in scope_d.values():
                deps.add((d.cluster, d.namespace, d.name))
                rollouts.append(
                    rollout_row(d, rss_by_dep.get((d.cluster, d.namespace, d.name), []))
                )
        rollouts.sort(key=lambda r: (r.state == "complete", r.cluster, r.namespace, r.name))

        def known(e: EventInfo) -> bool:
            k = (e.cluster, e.namespace, e.name)
            if e.kind == "Pod":
                return k in self._rows
            if e.kind == "Deployment":
                return k in deps
            return e.kind == "ReplicaSet" and k in rs_by_name

        warnings = [e for evs in self._events.values() for e in evs.values() if known(e)]
        warnings.sort(key=lambda e: e.last_seen, reverse=True)
        by_object: dict[tuple[str, str, str, str], list[EventInfo]] = {}
        for e in warnings:
            by_object.setdefault((e.cluster, e.namespace, e.kind, e.name), []).append(e)
        by_dep = {ro.name: Counts() for ro in rollouts}
        by_dep.update({k: c.freeze() for k, c in self._by_dep.items()})
        by_cluster = {c: Counts() for c in self._clusters}
        by_cluster.update({k: c.freeze() for k, c in self._by_cluster.items() if c.total})
        return KubeView(
            at=now,
            clusters=tuple(self._clusters),
            scopes=tuple(self._scopes.values()),
            rollouts=tuple(rollouts),
            pods=tuple(self._sorted),
            warnings=tuple(warnings[:200]),
            restarts_10m=self._tot.restarts_10m,
            version=self.version,
            counts=self._tot.freeze(),
            by_deployment=by_dep,
            by_cluster=by_cluster,
            crashing=tuple(self._crashing.values()),
            _by_object=by_object,
        )


# ---------------------------------------------------------------- signals


@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    not_ready: int = 0
    crashlooping: int = 0
    restarts_10m: int = 0


class _Counter:
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
    c = _Counter()
    for r in rows:
        c.add(_not_ready(r.pod), r.pod.crashlooping, r.restarts_10m)
    return c.freeze()
