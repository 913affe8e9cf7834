"""Kubernetes API objects slimmed to what the cockpit needs.

Objects are slimmed on the way in (a few hundred bytes per pod instead of the full
JSON), so thousands of pods cost little memory. No I/O and no client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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

