"""The in-memory cluster: objects, a resourceVersion counter, a bounded change log, faults.
"""

from __future__ import annotations

import copy
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable

from cockpit.sim.kube.controllers import Workloads
from cockpit.sim.kube.objects import RESOURCES, Obj, rfc3339, set_pod_ready

# ---------------------------------------------------------------- the cluster


class _Pages:
    """Snapshots of lists being paged through, by continue token (a few, newest kept)."""

    def __init__(self, keep: int = 64) -> None:
        self._lock = threading.Lock()
        self._snaps: dict[str, tuple[int, list[Obj]]] = {}
        self._keep = keep

    def put(self, token: str, snap: tuple[int, list[Obj]]) -> None:
        with self._lock:
            self._snaps[token] = snap
            while len(self._snaps) > self._keep:
                del self._snaps[next(iter(self._snaps))]

    def get(self, token: str) -> tuple[int, list[Obj]] | None:
        with self._lock:
            return self._snaps.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self._snaps.clear()


class _Change:
    """One entry of the change log that watches replay: the new object and its old labels."""

    __slots__ = ("rv", "resource", "namespace", "type", "obj", "old_labels", "line")

    def __init__(
        self, rv: int, resource: str, type_: str, obj: Obj, old_labels: dict[str, str] | None
    ) -> None:
        self.rv = rv
        self.resource = resource
        self.namespace = obj["metadata"].get("namespace", "")
        self.type = type_
        self.obj = obj
        self.old_labels = old_labels
        self.line: bytes | None = None  # the serialized event, made once, lazily


class Cluster(Workloads):
    """An in-memory cluster: objects, a resourceVersion counter, a bounded change log.

    Every mutation goes through `_put`/`_remove`, which bump the resourceVersion, record
    the change for watchers and wake them. All public methods are thread-safe.
    """

    def __init__(self, name: str = "sim", *, history: int = 10_000, seed: int = 7) -> None:
        self.name = name
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._rv = 1000
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {r: {} for r in RESOURCES}
        # (namespace, owner name) -> names of the objects it owns, per resource.
        self._children: dict[str, dict[tuple[str, str], set[str]]] = {r: {} for r in RESOURCES}
        self._log: deque[_Change] = deque(maxlen=history)
        self._oldest_rv = self._rv  # watches from an older version get 410 Gone
        self._forbidden: dict[tuple[str, str], str] = {}  # (verb, resource) -> user
        self._drop_gen = 0
        self._expire_gen = 0
        self.down = False  # when True every connection is closed before a response
        self.fail_status: int | None = None  # when set every request gets this error (500)
        self.watch_count = 0  # open watch streams (for tests to wait on)
        self.requests: list[tuple[str, str]] = []  # (verb, path?query) of every request
        self.pages = _Pages()  # list snapshots being paged through (continue tokens)
        self._rand = random.Random(seed)
        self._nodes = [f"gpu-node-{i}" for i in range(1, 9)]

    # ------------------------------------------------------------ low level

    @property
    def resource_version(self) -> int:
        with self._lock:
            return self._rv

    def _put(self, resource: str, obj: Obj) -> Obj:
        """Create or replace an object: new resourceVersion, change logged, watchers woken."""
        with self._cond:
            meta = obj["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            old = self._objects[resource].get(key)
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            meta.setdefault("uid", str(uuid.UUID(int=self._rand.getrandbits(128))))
            meta.setdefault("creationTimestamp", rfc3339())
            self._objects[resource][key] = obj
            self._index(resource, obj, True)
            self._record(
                resource,
                "MODIFIED" if old else "ADDED",
                obj,
                old["metadata"].get("labels", {}) if old else None,
            )
            return obj

    def _remove(self, resource: str, namespace: str, name: str) -> Obj | None:
        with self._cond:
            obj = self._objects[resource].pop((namespace, name), None)
            if obj is None:
                return None
            self._index(resource, obj, False)
            obj = copy.deepcopy(obj)
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._record(resource, "DELETED", obj, obj["metadata"].get("labels", {}))
            return obj

    def _record(self, resource: str, type_: str, obj: Obj, old_labels: dict | None) -> None:
        if len(self._log) == self._log.maxlen:
            self._oldest_rv = self._log[0].rv + 1
        self._log.append(_Change(self._rv, resource, type_, copy.deepcopy(obj), old_labels))
        self._cond.notify_all()

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        with self._lock:
            obj = self._objects[resource].get((namespace, name))
            return copy.deepcopy(obj) if obj else None

    def objects(self, resource: str, namespace: str | None = None) -> list[Obj]:
        with self._lock:
            return [
                copy.deepcopy(o)
                for (ns, _), o in self._objects[resource].items()
                if namespace is None or ns == namespace
            ]

    def modify(self, resource: str, namespace: str, name: str, fn: Callable[[Obj], None]) -> Obj:
        """Apply `fn` to a copy of the object and store it as a new version."""
        with self._lock:
            obj = copy.deepcopy(self._objects[resource][(namespace, name)])
            fn(obj)
            self._put(resource, obj)
            return copy.deepcopy(obj)

    # ------------------------------------------------------------ faults

    def forbid(self, resource: str, verb: str = "list", user: str | None = None) -> None:
        """Refuse `verb` (list, watch, get) on `resource` with a real 403 Status."""
        with self._lock:
            self._forbidden[(verb, resource)] = user or "system:serviceaccount:asr:cockpit"

    def allow(self, resource: str, verb: str = "list") -> None:
        with self._lock:
            self._forbidden.pop((verb, resource), None)

    def forbidden_user(self, verb: str, resource: str) -> str | None:
        with self._lock:
            return self._forbidden.get((verb, resource))

    def drop_watches(self) -> None:
        """Cut every open watch connection mid-stream (no final chunk), like a dead LB."""
        with self._cond:
            self._drop_gen += 1
            self._cond.notify_all()

    def compact(self, *, expire_open: bool = False) -> None:
        """Forget the change log: a watch from any version so far gets 410 Gone.

        With `expire_open`, open watches are also sent the 410 ERROR event and closed,
        as the API server does when a watcher falls too far behind its cache.
        """
        with self._cond:
            self._log.clear()
            self.pages.clear()  # continue tokens expire with the history, as in etcd
            self._oldest_rv = self._rv + 1
            if expire_open:
                self._expire_gen += 1
            self._cond.notify_all()

    # ------------------------------------------------------------ watch support

    def changes_since(self, rv: int) -> list[_Change]:
        """Changes after `rv` (the caller holds the lock)."""
        log = self._log
        if not log or log[-1].rv <= rv:
            return []
        # Binary search: the log is ordered by rv.
        lo, hi = 0, len(log)
        while lo < hi:
            mid = (lo + hi) // 2
            if log[mid].rv <= rv:
                lo = mid + 1
            else:
                hi = mid
        return [log[i] for i in range(lo, len(log))]

    # ------------------------------------------------------------ pods

    def create_pod(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str] | None = None,
        image: str = "registry.example/asr:1.0",
        containers: Iterable[str] = ("asr",),
        ready: bool = True,
        phase: str = "Running",
        node: str | None = None,
        owner: Obj | None = None,
        annotations: dict[str, str] | None = None,
    ) -> Obj:
        now = rfc3339()
        meta: Obj = {"name": name, "namespace": namespace, "labels": dict(labels or {})}
        if annotations:
            meta["annotations"] = dict(annotations)
        if owner is not None:
            meta["ownerReferences"] = [
                {
                    "apiVersion": "apps/v1",
                    "kind": owner["kind"],
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
        names = list(containers)
        pod: Obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": {
                "containers": [{"name": c, "image": image} for c in names],
                "nodeName": node or self._rand.choice(self._nodes),
                "restartPolicy": "Always",
            },
            "status": {
                "phase": phase,
                "hostIP": f"10.0.0.{self._rand.randint(2, 250)}",
                "podIP": f"10.244.{self._rand.randint(0, 255)}.{self._rand.randint(2, 250)}",
                "startTime": now,
                "conditions": [],
                "containerStatuses": [
                    {
                        "name": c,
                        "image": image,
                        "imageID": "",
                        "ready": ready,
                        "started": ready,
                        "restartCount": 0,
                        "state": {"running": {"startedAt": now}},
                        "lastState": {},
                    }
                    for c in names
                ],
            },
        }
        set_pod_ready(pod, ready)
        self._put("pods", pod)
        self._sync_owner_chain(namespace, pod)
        return copy.deepcopy(pod)

    def update_pod(self, namespace: str, name: str, fn: Callable[[Obj], None]) -> Obj:
        pod = self.modify("pods", namespace, name, fn)
        self._sync_owner_chain(namespace, pod)
        return copy.deepcopy(pod)

    def delete_pod(self, namespace: str, name: str) -> Obj | None:
        with self._lock:
            pod = self._remove("pods", namespace, name)
            if pod is not None:
                self._sync_owner_chain(namespace, pod)
            return pod

    def set_ready(self, namespace: str, name: str, ready: bool) -> Obj:
        def fn(pod: Obj) -> None:
            now = rfc3339()
            pod["status"]["phase"] = "Running"
            for cs in pod["status"]["containerStatuses"]:
                cs["ready"] = ready
                cs["started"] = True
                cs["state"] = {"running": {"startedAt": now}}
            set_pod_ready(pod, ready)

        return self.update_pod(namespace, name, fn)

    def crashloop(
        self,
        namespace: str,
        name: str,
        *,
        restarts: int = 1,
        reason: str = "Error",
        exit_code: int = 1,
        container: str | None = None,
        message: str | None = None,
    ) -> Obj:
        """The container died `restarts` more times and kubelet is backing off restarting it."""

        def fn(pod: Obj) -> None:
            now = rfc3339()
            for cs in pod["status"]["containerStatuses"]:
                if container and cs["name"] != container:
                    continue
                started = cs.get("state", {}).get("running", {}).get("startedAt", now)
                cs["restartCount"] = cs.get("restartCount", 0) + restarts
                cs["ready"] = False
                cs["started"] = False
                cs["state"] = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": message
                        or f"back-off 5m0s restarting failed container={cs['name']} "
                        f"pod={pod['metadata']['name']}_{namespace}",
                    }
                }
                terminated: Obj = {
                    "exitCode": exit_code,
                    "reason": reason,
                    "startedAt": started,
                    "finishedAt": now,
                    "containerID": "containerd://" + uuid.uuid4().hex,
                }
                cs["lastState"] = {"terminated": terminated}
                if container is None:
                    break  # the first container only, unless named
            pod["status"]["phase"] = "Running"
            set_pod_ready(pod, False)

        return self.update_pod(namespace, name, fn)

    def oom_kill(self, namespace: str, name: str, *, restarts: int = 1) -> Obj:
        return self.crashloop(namespace, name, restarts=restarts, reason="OOMKilled", exit_code=137)

    def image_pull_backoff(self, namespace: str, name: str, image: str | None = None) -> Obj:
        def fn(pod: Obj) -> None:
            img = image or pod["spec"]["containers"][0]["image"]
            pod["spec"]["containers"][0]["image"] = img
            pod["status"]["phase"] = "Pending"
            for cs in pod["status"]["containerStatuses"][:1]:
                cs.update(ready=False, started=False, image=img)
                cs["state"] = {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{img}"',
                    }
                }
            set_pod_ready(pod, False)

        return self.update_pod(namespace, name, fn)

    def make_pending(
        self,
        namespace: str,
        name: str,
        reason: str = "Unschedulable",
        message: str = "0/8 nodes are available: 8 Insufficient nvidia.com/gpu.",
    ) -> Obj:
        def fn(pod: Obj) -> None:
            st = pod["status"]
            st["phase"] = "Pending"
            st.pop("containerStatuses", None)
            st.pop("startTime", None)
            pod["spec"].pop("nodeName", None)
            st["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": rfc3339(),
                }
            ]

        return self.update_pod(namespace, name, fn)

    def mark_terminating(self, namespace: str, name: str) -> Obj:
        def fn(pod: Obj) -> None:
            pod["metadata"]["deletionTimestamp"] = rfc3339(time.time() + 30)
            pod["metadata"]["deletionGracePeriodSeconds"] = 30

        return self.update_pod(namespace, name, fn)

    # ------------------------------------------------------------ events

    def add_event(
        self,
        namespace: str,
        involved_name: str,
        reason: str,
        message: str,
        *,
        type_: str = "Warning",
        kind: str = "Pod",
        count: int = 1,
        component: str = "kubelet",
    ) -> Obj:
        now = rfc3339()
        name = f"{involved_name}.{uuid.uuid4().hex[:16]}"
        ev: Obj = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {"kind": kind, "name": involved_name, "namespace": namespace},
            "reason": reason,
            "message": message,
            "type": type_,
            "count": count,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": component},
            "reportingComponent": component,
        }
        self._put("events", ev)
        return copy.deepcopy(ev)

    # ------------------------------------------------------------ bulk, for the bench

    def populate(
        self, namespace: str, deployments: int, pods_per: int, image: str = "registry.example/asr"
    ) -> None:
        for i in range(deployments):
            self.create_deployment(
                namespace, f"asr-worker-{i}", replicas=pods_per, image=f"{image}:2.3.{i % 3}"
            )


