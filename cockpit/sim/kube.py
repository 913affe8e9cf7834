"""A loopback Kubernetes API server with a scriptable cluster, for the demo and the tests.

It speaks the part of the REST API that the official `kubernetes` client and
`kubectl get -w` use: discovery, list of pods / deployments / replicasets / events
(namespaced and across namespaces, `labelSelector`, `resourceVersion` in the list
metadata), `?watch=1` streaming newline-delimited events of real object JSON from a
`resourceVersion`, `410 Gone` as an ERROR event carrying a Status (as the API server
sends it) when the version is too old, dropped connections, and `403` with a real
Status body. Objects are plain dicts shaped like the API server's JSON.

The cluster is driven from Python (`Cluster.create_deployment`, `rollout_step`,
`crashloop`, ...) or from the command line (`python -m cockpit.sim.kube --pods 5000
--churn 100`) for the benchmark and `cockpit demo`.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

Obj = dict[str, Any]

# resource -> (api prefix, kind, list kind, namespaced)
RESOURCES: dict[str, tuple[str, str, str]] = {
    "pods": ("/api/v1", "Pod", "v1"),
    "events": ("/api/v1", "Event", "v1"),
    "deployments": ("/apis/apps/v1", "Deployment", "apps/v1"),
    "replicasets": ("/apis/apps/v1", "ReplicaSet", "apps/v1"),
}
_GROUP = {"pods": "", "events": "", "deployments": "apps", "replicasets": "apps"}

_PATH = re.compile(
    r"^(?P<prefix>/api/v1|/apis/apps/v1)(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>[a-z]+)(?:/(?P<name>[^/]+))?$"
)


def rfc3339(t: float | None = None) -> str:
    """API server timestamps: second precision, UTC, `Z`."""
    return datetime.fromtimestamp(time.time() if t is None else t, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def status_body(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    """A `Status` object as the API server returns it for failures."""
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


# ---------------------------------------------------------------- label selectors

_REQ = re.compile(
    r"\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9_./-]+)\s*"
    r"(?:(?P<op>==|!=|=|\s+in\s+|\s+notin\s+)\s*(?P<val>\([^)]*\)|[A-Za-z0-9_.-]*))?\s*"
)


def parse_selector(selector: str | None) -> list[tuple[str, str, set[str]]]:
    """`a=b,c!=d,e in (x,y),!f` -> [(key, op, values)]; ops: eq, ne, in, notin, exists, absent."""
    if not selector:
        return []
    reqs: list[tuple[str, str, set[str]]] = []
    # Split on commas outside parentheses.
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in parts:
        m = _REQ.fullmatch(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part!r}")
        key, op, val = m.group("key"), (m.group("op") or "").strip(), m.group("val")
        if m.group("neg"):
            reqs.append((key, "absent", set()))
        elif not op:
            reqs.append((key, "exists", set()))
        elif op in ("=", "=="):
            reqs.append((key, "eq", {val or ""}))
        elif op == "!=":
            reqs.append((key, "ne", {val or ""}))
        else:
            vals = {v.strip() for v in (val or "").strip("()").split(",") if v.strip()}
            reqs.append((key, op, vals))
    return reqs


def parse_field_selector(selector: str | None) -> list[tuple[list[str], bool, str]]:
    """`type=Warning,involvedObject.kind!=Node` -> [(path, equal?, value)]."""
    out = []
    for part in (selector or "").split(","):
        if not part.strip():
            continue
        m = re.fullmatch(r"\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*", part)
        if not m:
            raise ValueError(f"invalid field selector: {part!r}")
        out.append((m.group(1).split("."), m.group(2) != "!=", m.group(3)))
    return out


def fields_match(reqs: list[tuple[list[str], bool, str]], obj: Obj) -> bool:
    for path, equal, value in reqs:
        cur: Any = obj
        for p in path:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if ((str(cur) if cur is not None else "") == value) != equal:
            return False
    return True


def selector_matches(reqs: list[tuple[str, str, set[str]]], labels: dict[str, str]) -> bool:
    for key, op, vals in reqs:
        present = key in labels
        value = labels.get(key)
        if op == "eq" and value not in vals:
            return False
        if op == "ne" and present and value in vals:
            return False
        if op == "in" and value not in vals:
            return False
        if op == "notin" and present and value in vals:
            return False
        if op == "exists" and not present:
            return False
        if op == "absent" and present:
            return False
    return True


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


class Cluster:
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
        _set_ready(pod, ready)
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
            _set_ready(pod, ready)

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
            _set_ready(pod, False)

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
            _set_ready(pod, False)

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

    # ------------------------------------------------------------ workloads

    def create_deployment(
        self,
        namespace: str,
        name: str,
        *,
        replicas: int = 3,
        image: str = "registry.example/asr:1.0",
        revision: int = 1,
        labels: dict[str, str] | None = None,
        containers: Iterable[str] = ("asr",),
    ) -> Obj:
        """A deployment at `revision`, fully rolled out: its replica set and ready pods."""
        with self._lock:
            sel = {"app": name, **(labels or {})}
            dep: Obj = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": dict(sel),
                    "generation": 1,
                    "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": dict(sel)},
                    "progressDeadlineSeconds": 600,
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
                    },
                    "template": {
                        "metadata": {"labels": dict(sel)},
                        "spec": {"containers": [{"name": c, "image": image} for c in containers]},
                    },
                },
                "status": {},
            }
            self._put("deployments", dep)
            rs = self._new_replicaset(dep, revision, replicas)
            for _ in range(replicas):
                self._new_pod_for(rs, ready=True)
            self._sync_replicaset(namespace, rs["metadata"]["name"])
            self._sync_deployment(namespace, name, progressing_reason="NewReplicaSetAvailable")
            return self.get("deployments", namespace, name)  # type: ignore[return-value]

    def _new_replicaset(self, dep: Obj, revision: int, replicas: int) -> Obj:
        template = copy.deepcopy(dep["spec"]["template"])
        h = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
        pth = "".join(c for c in h if c in "bcdfghjklmnpqrstvwxz2456789")[:10] or h[:10]
        labels = {**template["metadata"]["labels"], "pod-template-hash": pth}
        template["metadata"]["labels"] = labels
        meta = dep["metadata"]
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{pth}",
                "namespace": meta["namespace"],
                "labels": dict(labels),
                "annotations": {
                    "deployment.kubernetes.io/revision": str(revision),
                    "deployment.kubernetes.io/desired-replicas": str(dep["spec"]["replicas"]),
                },
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": dict(labels)},
                "template": template,
            },
            "status": {"replicas": 0, "observedGeneration": 1},
        }
        return self._put("replicasets", rs)

    def _new_pod_for(self, rs: Obj, *, ready: bool) -> Obj:
        tmpl = rs["spec"]["template"]
        suffix = "".join(self._rand.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        return self.create_pod(
            rs["metadata"]["namespace"],
            f"{rs['metadata']['name']}-{suffix}",
            labels=tmpl["metadata"]["labels"],
            image=tmpl["spec"]["containers"][0]["image"],
            containers=[c["name"] for c in tmpl["spec"]["containers"]],
            ready=ready,
            owner=rs,
        )

    def _owned(self, resource: str, namespace: str, owner_name: str) -> list[Obj]:
        objs = self._objects[resource]
        names = self._children[resource].get((namespace, owner_name), ())
        return [objs[(namespace, n)] for n in sorted(names) if (namespace, n) in objs]

    def _index(self, resource: str, obj: Obj, add: bool) -> None:
        meta = obj["metadata"]
        for ref in meta.get("ownerReferences", []):
            key = (meta.get("namespace", ""), ref["name"])
            kids = self._children[resource].setdefault(key, set())
            if add:
                kids.add(meta["name"])
            else:
                kids.discard(meta["name"])

    def replicasets_of(self, namespace: str, deployment: str) -> list[Obj]:
        """The deployment's replica sets, newest revision first."""
        with self._lock:
            rss = self._owned("replicasets", namespace, deployment)
            rss.sort(key=_revision, reverse=True)
            return [copy.deepcopy(r) for r in rss]

    def pods_of(self, namespace: str, replicaset: str) -> list[Obj]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._owned("pods", namespace, replicaset)]

    def _sync_owner_chain(self, namespace: str, pod: Obj) -> None:
        for ref in pod["metadata"].get("ownerReferences", []):
            if ref["kind"] == "ReplicaSet":
                rs = self._sync_replicaset(namespace, ref["name"])
                if rs is not None:
                    for dref in rs["metadata"].get("ownerReferences", []):
                        self._sync_deployment(namespace, dref["name"])

    def _sync_replicaset(self, namespace: str, name: str) -> Obj | None:
        """Recompute a replica set's status from its pods; store it only if it changed."""
        with self._lock:
            rs = self._objects["replicasets"].get((namespace, name))
            if rs is None:
                return None
            pods = [p for p in self._owned("pods", namespace, name)]
            ready = sum(1 for p in pods if _pod_ready(p))
            status = {
                "replicas": len(pods),
                "fullyLabeledReplicas": len(pods),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "observedGeneration": rs["metadata"].get("generation", 1),
            }
            if status != rs.get("status"):
                rs = copy.deepcopy(rs)
                rs["status"] = status
                self._put("replicasets", rs)
            return rs

    def _sync_deployment(
        self, namespace: str, name: str, *, progressing_reason: str | None = None
    ) -> Obj | None:
        """Deployment status from its replica sets, with the Progressing/Available conditions."""
        with self._lock:
            dep = self._objects["deployments"].get((namespace, name))
            if dep is None:
                return None
            rss = sorted(self._owned("replicasets", namespace, name), key=_revision, reverse=True)
            if not rss:
                return dep
            new, olds = rss[0], rss[1:]
            desired = dep["spec"]["replicas"]
            replicas = sum(r["status"].get("replicas", 0) for r in rss)
            updated = new["status"].get("replicas", 0)
            ready = sum(r["status"].get("readyReplicas", 0) for r in rss)
            available = sum(r["status"].get("availableReplicas", 0) for r in rss)
            old_conds = {c["type"]: c for c in dep.get("status", {}).get("conditions", [])}
            prog = old_conds.get("Progressing")
            now = rfc3339()
            complete = (
                updated == desired
                and replicas == desired
                and available == desired
                and not any(r["status"].get("replicas", 0) for r in olds)
            )
            if prog and prog.get("reason") == "ProgressDeadlineExceeded" and not complete:
                progressing = prog
            else:
                reason = progressing_reason or (
                    "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated"
                )
                msg = (
                    f'ReplicaSet "{new["metadata"]["name"]}" has successfully progressed.'
                    if reason == "NewReplicaSetAvailable"
                    else f'ReplicaSet "{new["metadata"]["name"]}" is progressing.'
                )
                same = prog is not None and prog.get("status") == "True"
                progressing = {
                    "type": "Progressing",
                    "status": "True",
                    "reason": reason,
                    "message": msg,
                    "lastUpdateTime": now,
                    "lastTransitionTime": prog["lastTransitionTime"] if same and prog else now,
                }
                if same and prog and prog.get("reason") == reason and prog.get("message") == msg:
                    progressing = prog
            avail_ok = available >= desired  # maxUnavailable 0
            old_avail = old_conds.get("Available")
            available_cond = {
                "type": "Available",
                "status": "True" if avail_ok else "False",
                "reason": "MinimumReplicasAvailable" if avail_ok else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if avail_ok
                else "Deployment does not have minimum availability.",
                "lastUpdateTime": now,
                "lastTransitionTime": now,
            }
            if old_avail and old_avail.get("status") == available_cond["status"]:
                available_cond = old_avail
            status = {
                "observedGeneration": dep["metadata"].get("generation", 1),
                "replicas": replicas,
                "updatedReplicas": updated,
                "readyReplicas": ready,
                "availableReplicas": available,
                "conditions": [available_cond, progressing],
            }
            if replicas - available > 0:
                status["unavailableReplicas"] = replicas - available
            if status != dep.get("status"):
                dep = copy.deepcopy(dep)
                dep["status"] = status
                self._put("deployments", dep)
            return dep

    def start_rollout(self, namespace: str, name: str, image: str) -> Obj:
        """Change the template image: generation+1 and a new replica set at revision+1, empty."""
        with self._lock:
            dep = copy.deepcopy(self._objects["deployments"][(namespace, name)])
            revision = max(_revision(r) for r in self._owned("replicasets", namespace, name)) + 1
            dep["metadata"]["generation"] = dep["metadata"].get("generation", 1) + 1
            dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(revision)
            for c in dep["spec"]["template"]["spec"]["containers"]:
                c["image"] = image
            # A new rollout clears a previous deadline.
            conds = dep.get("status", {}).get("conditions", [])
            dep.setdefault("status", {})["conditions"] = [
                c for c in conds if c["type"] != "Progressing"
            ]
            self._put("deployments", dep)
            self._new_replicaset(dep, revision, 0)
            return self._sync_deployment(namespace, name, progressing_reason="ReplicaSetUpdated")  # type: ignore[return-value]

    def _scale_rs(self, rs: Obj, delta: int) -> Obj:
        def fn(o: Obj) -> None:
            o["spec"]["replicas"] = o["spec"]["replicas"] + delta

        return self.modify("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"], fn)

    def rollout_step(self, namespace: str, name: str) -> str | None:
        """One step of a RollingUpdate with maxSurge 1, maxUnavailable 0.

        Steps, repeated: a new pod is created (not ready); it becomes ready; an old pod
        goes. Returns what happened ("surge", "ready", "scale-down") or None when done.
        """
        with self._lock:
            dep = self._objects["deployments"][(namespace, name)]
            desired = dep["spec"]["replicas"]
            rss = sorted(self._owned("replicasets", namespace, name), key=_revision, reverse=True)
            new, olds = rss[0], [r for r in rss[1:] if r["spec"]["replicas"] > 0]
            new_pods = self._owned("pods", namespace, new["metadata"]["name"])
            unready = [p for p in new_pods if not _pod_ready(p) and not _crashing(p)]
            if unready:
                self.set_ready(namespace, sorted(p["metadata"]["name"] for p in unready)[0], True)
                return "ready"
            ready_new = sum(1 for p in new_pods if _pod_ready(p))
            old_total = sum(r["spec"]["replicas"] for r in olds)
            if olds and ready_new + old_total > desired:
                old = olds[-1]
                self._scale_rs(old, -1)
                victim = sorted(
                    p["metadata"]["name"]
                    for p in self._owned("pods", namespace, old["metadata"]["name"])
                )
                if victim:
                    self.delete_pod(namespace, victim[0])
                else:
                    self._sync_deployment(namespace, name)
                return "scale-down"
            if new["spec"]["replicas"] < desired:
                new = self._scale_rs(new, +1)
                self._new_pod_for(new, ready=False)
                return "surge"
            self._sync_deployment(namespace, name)
            return None

    def finish_rollout(self, namespace: str, name: str, max_steps: int = 10_000) -> int:
        steps = 0
        while steps < max_steps and self.rollout_step(namespace, name) is not None:
            steps += 1
        return steps

    def stall_rollout(self, namespace: str, name: str) -> Obj:
        """The rollout passed its progress deadline: Progressing=False, ProgressDeadlineExceeded."""
        with self._lock:
            rss = sorted(self._owned("replicasets", namespace, name), key=_revision, reverse=True)

            def fn(dep: Obj) -> None:
                conds = [
                    c for c in dep["status"].get("conditions", []) if c["type"] != "Progressing"
                ]
                now = rfc3339()
                conds.append(
                    {
                        "type": "Progressing",
                        "status": "False",
                        "reason": "ProgressDeadlineExceeded",
                        "message": f'ReplicaSet "{rss[0]["metadata"]["name"]}" has timed out '
                        "progressing.",
                        "lastUpdateTime": now,
                        "lastTransitionTime": now,
                    }
                )
                dep["status"]["conditions"] = conds

            return self.modify("deployments", namespace, name, fn)

    # ------------------------------------------------------------ bulk, for the bench

    def populate(
        self, namespace: str, deployments: int, pods_per: int, image: str = "registry.example/asr"
    ) -> None:
        for i in range(deployments):
            self.create_deployment(
                namespace, f"asr-worker-{i}", replicas=pods_per, image=f"{image}:2.3.{i % 3}"
            )


def _revision(obj: Obj) -> int:
    try:
        return int(obj["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision"))
    except (TypeError, ValueError):
        return 0


def _set_ready(pod: Obj, ready: bool) -> None:
    now = rfc3339()
    conds = {c["type"]: c for c in pod["status"].get("conditions", [])}
    flag = "True" if ready else "False"
    for ctype in ("Initialized", "PodScheduled"):
        conds.setdefault(ctype, {"type": ctype, "status": "True", "lastTransitionTime": now})
    for ctype in ("Ready", "ContainersReady"):
        old = conds.get(ctype)
        if old is None or old["status"] != flag:
            cond = {"type": ctype, "status": flag, "lastTransitionTime": now}
            if not ready:
                cond["reason"] = "ContainersNotReady"
            conds[ctype] = cond
    order = ["Initialized", "Ready", "ContainersReady", "PodScheduled"]
    pod["status"]["conditions"] = [conds[t] for t in order if t in conds]


def _pod_ready(pod: Obj) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def _crashing(pod: Obj) -> bool:
    return any(
        cs.get("state", {}).get("waiting", {}).get("reason")
        in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull")
        for cs in pod["status"].get("containerStatuses", [])
    )


# ---------------------------------------------------------------- HTTP


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the tests and the bench own stdout

    # -------------------------------------------------------- plumbing

    def _send_json(self, code: int, body: Obj) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(data)

    def _abort(self) -> None:
        """Close the connection with no (further) response: a dropped connection."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802
        cluster = self.server.cluster
        cluster.requests.append(("GET", self.path))
        if cluster.down:
            self._abort()
            return
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        path = url.path.rstrip("/") or "/"
        if path in _DISCOVERY:
            self._send_json(200, _DISCOVERY[path])
            return
        m = _PATH.match(path)
        if (
            not m
            or m.group("res") not in RESOURCES
            or RESOURCES[m.group("res")][0] != m.group("prefix")
        ):
            self._send_json(
                404,
                status_body(404, "NotFound", "the server could not find the requested resource"),
            )
            return
        resource, ns, name = m.group("res"), m.group("ns"), m.group("name")
        watching = q.get("watch", "").lower() in ("1", "true")
        verb = "get" if name else ("watch" if watching else "list")
        user = cluster.forbidden_user(verb, resource)
        if user is not None:
            self._send_json(403, _forbidden(user, verb, resource, ns))
            return
        try:
            selector = parse_selector(q.get("labelSelector"))
            fields = parse_field_selector(q.get("fieldSelector"))
        except ValueError as exc:
            self._send_json(400, status_body(400, "BadRequest", str(exc)))
            return
        if name:
            obj = cluster.get(resource, ns or "", name)
            if obj is None:
                self._send_json(
                    404,
                    status_body(
                        404,
                        "NotFound",
                        f'{resource} "{name}" not found',
                        {"name": name, "group": _GROUP[resource], "kind": resource},
                    ),
                )
                return
            self._send_json(200, obj)
        elif watching:
            self._watch(resource, ns, selector, fields, q)
        else:
            self._list(resource, ns, selector, fields, q)

    def _list(
        self, resource: str, ns: str | None, selector: list, fields: list, q: dict[str, str]
    ) -> None:
        """A list, whole or in pages (`limit` + `continue`), every page from one snapshot
        at one resourceVersion, as the API server serves them from etcd."""
        cluster = self.server.cluster
        _, kind, api_version = RESOURCES[resource]
        token = q.get("continue") or ""
        limit = int(q.get("limit") or 0)
        if token:
            snap = cluster.pages.get(token)
            if snap is None:
                self._send_json(
                    410,
                    status_body(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent "
                        "list result. You can start a new list without the continue parameter.",
                    ),
                )
                return
            rv, items = snap
        else:
            with cluster._lock:
                rv = cluster._rv
                items = [
                    o
                    for (ons, _), o in cluster._objects[resource].items()
                    if (ns is None or ons == ns)
                    and selector_matches(selector, o["metadata"].get("labels") or {})
                    and fields_match(fields, o)
                ]
        meta: Obj = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            rest = items[limit:]
            items = items[:limit]
            nxt = uuid.uuid4().hex
            cluster.pages.put(nxt, (rv, rest))
            meta["continue"] = nxt
            meta["remainingItemCount"] = len(rest)
        # Stored objects are replaced on change, never mutated, so this needs no lock.
        body = {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta, "items": items}
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(
        self, resource: str, ns: str | None, selector: list, fields: list, q: dict[str, str]
    ) -> None:
        cluster = self.server.cluster
        _, kind, api_version = RESOURCES[resource]
        timeout = float(q.get("timeoutSeconds") or 1800)
        bookmarks = q.get("allowWatchBookmarks", "").lower() in ("1", "true")
        deadline = time.monotonic() + timeout
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

        def matches(labels: dict | None, obj: Obj | None = None) -> bool:
            if labels is None or not selector_matches(selector, labels):
                return False
            return obj is None or fields_match(fields, obj)

        with cluster._cond:
            drop_gen, expire_gen = cluster._drop_gen, cluster._expire_gen
            cluster.watch_count += 1
            start = q.get("resourceVersion") or ""
            pending: list[bytes] = []
            if start in ("", "0"):
                rv = cluster._rv
                for (ons, _), o in cluster._objects[resource].items():
                    if (ns is None or ons == ns) and matches(o["metadata"].get("labels") or {}, o):
                        pending.append(_event_line("ADDED", o, kind, api_version))
            else:
                try:
                    rv = int(start)
                except ValueError:
                    rv = -1
                if rv < cluster._oldest_rv - 1 or rv < 0:
                    pending.append(_gone_line(rv, cluster._oldest_rv))
                    rv = -1
        try:
            if pending:
                self._chunk(b"".join(pending))
            if rv < 0:
                self._end_chunks()
                return
            last_sent = time.monotonic()
            while True:
                with cluster._cond:
                    changes = cluster.changes_since(rv)
                    if not changes:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        cluster._cond.wait(timeout=min(left, 0.5))
                        changes = cluster.changes_since(rv)
                    dropped = cluster._drop_gen != drop_gen or cluster.down
                    expired = cluster._expire_gen != expire_gen
                    oldest = cluster._oldest_rv
                if dropped:
                    self._abort()
                    return
                if expired or rv < oldest - 1:
                    self._chunk(_gone_line(rv, oldest))
                    self._end_chunks()
                    return
                out = []
                for ch in changes:
                    rv = ch.rv
                    if ch.resource != resource or (ns is not None and ch.namespace != ns):
                        continue
                    now_m = matches(ch.obj["metadata"].get("labels") or {}, ch.obj)
                    was_m = matches(ch.old_labels, ch.obj)
                    if ch.type == "DELETED":
                        typ = "DELETED" if was_m else None
                    elif now_m and was_m:
                        typ = ch.type
                    elif now_m:
                        typ = "ADDED"
                    elif was_m:
                        typ = "DELETED"
                    else:
                        typ = None
                    if typ is None:
                        continue
                    if typ == ch.type and ch.line is not None:
                        out.append(ch.line)
                    else:
                        line = _event_line(typ, ch.obj, kind, api_version)
                        if typ == ch.type:
                            ch.line = line
                        out.append(line)
                if out:
                    self._chunk(b"".join(out))
                    last_sent = time.monotonic()
                elif bookmarks and time.monotonic() - last_sent > self.server.bookmark_every:
                    mark = {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": kind,
                            "apiVersion": api_version,
                            "metadata": {"resourceVersion": str(rv)},
                        },
                    }
                    self._chunk(json.dumps(mark, separators=(",", ":")).encode() + b"\n")
                    last_sent = time.monotonic()
                if time.monotonic() >= deadline:
                    break
            self._end_chunks()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with cluster._cond:
                cluster.watch_count -= 1

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _event_line(type_: str, obj: Obj, kind: str, api_version: str) -> bytes:
    body = obj if "kind" in obj else {"kind": kind, "apiVersion": api_version, **obj}
    return json.dumps({"type": type_, "object": body}, separators=(",", ":")).encode() + b"\n"


def _gone_line(rv: int, oldest: int) -> bytes:
    status = status_body(410, "Expired", f"too old resource version: {rv} ({max(oldest - 1, 0)})")
    return json.dumps({"type": "ERROR", "object": status}, separators=(",", ":")).encode() + b"\n"


def _forbidden(user: str, verb: str, resource: str, ns: str | None) -> Obj:
    group = _GROUP[resource]
    where = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    return status_body(
        403,
        "Forbidden",
        f'{resource} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{group}" {where}',
        {"kind": resource, **({"group": group} if group else {})},
    )


def _resource_list(group_version: str, names: list[tuple[str, str, list[str]]]) -> Obj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name,
                "singularName": kind.lower(),
                "namespaced": True,
                "kind": kind,
                "verbs": ["get", "list", "watch"],
                "shortNames": short,
            }
            for name, kind, short in names
        ],
    }


_DISCOVERY: dict[str, Obj] = {
    "/api": {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    },
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            }
        ],
    },
    "/api/v1": _resource_list("v1", [("pods", "Pod", ["po"]), ("events", "Event", ["ev"])]),
    "/apis/apps/v1": _resource_list(
        "apps/v1",
        [("deployments", "Deployment", ["deploy"]), ("replicasets", "ReplicaSet", ["rs"])],
    ),
    "/version": {
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-cockpit-sim",
        "platform": "linux/amd64",
    },
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, cluster: Cluster, bookmark_every: float) -> None:
        self.cluster = cluster
        self.bookmark_every = bookmark_every
        super().__init__(("127.0.0.1", 0), _Handler)


class KubeSim:
    """One simulated cluster served on 127.0.0.1 on a free port (`with KubeSim() as sim`)."""

    def __init__(
        self, name: str = "sim", *, cluster: Cluster | None = None, bookmark_every: float = 5.0
    ) -> None:
        self.cluster = cluster or Cluster(name)
        self.name = name
        self._server = _Server(self.cluster, bookmark_every)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> KubeSim:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"kube-sim-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.cluster.drop_watches()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> KubeSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_kubeconfig(
    path: str | Path,
    clusters: dict[str, str],
    *,
    current: str | None = None,
    namespace: str | None = None,
    token: str = "sim-token-not-a-secret",  # noqa: S107 (a loopback simulator's token)
) -> Path:
    """A kubeconfig with one context per simulated cluster (context name -> server URL)."""
    path = Path(path)
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": current or next(iter(clusters)),
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in clusters.items()],
        "users": [{"name": f"{n}-user", "user": {"token": token}} for n in clusters],
        "contexts": [
            {
                "name": n,
                "context": {
                    "cluster": n,
                    "user": f"{n}-user",
                    **({"namespace": namespace} if namespace else {}),
                },
            }
            for n in clusters
        ],
    }
    path.write_text(json.dumps(doc, indent=2))  # JSON is YAML: kubectl and the client read it
    path.chmod(0o600)
    return path


# ---------------------------------------------------------------- churn and CLI


def churn(
    cluster: Cluster, namespace: str, rate: float, stop: threading.Event, seed: int = 11
) -> None:
    """Modify `rate` random pods per second until `stop`: an annotation `changedAt` holds the
    wall time of the change (so a watcher can measure change-to-display latency) and every
    tenth change flips readiness."""
    rnd = random.Random(seed)
    names = [p["metadata"]["name"] for p in cluster.objects("pods", namespace)]
    period = 1.0 / rate
    nxt = time.monotonic()
    n = 0
    while not stop.is_set():
        nxt += period
        name = rnd.choice(names)
        flip = n % 10 == 0
        n += 1

        def fn(pod: Obj, flip: bool = flip) -> None:
            pod["metadata"].setdefault("annotations", {})["changedAt"] = f"{time.time():.6f}"
            if flip:
                ready = not _pod_ready(pod)
                for cs in pod["status"].get("containerStatuses", []):
                    cs["ready"] = ready
                _set_ready(pod, ready)

        try:
            cluster.update_pod(namespace, name, fn)
        except KeyError:
            pass
        delay = nxt - time.monotonic()
        if delay > 0:
            stop.wait(delay)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve a simulated Kubernetes API on 127.0.0.1")
    ap.add_argument("--pods", type=int, default=50)
    ap.add_argument("--deployments", type=int, default=5)
    ap.add_argument("--namespace", default="asr")
    ap.add_argument("--churn", type=float, default=0.0, help="pod changes per second")
    ap.add_argument("--kubeconfig", help="write a kubeconfig for this server here")
    ap.add_argument("--context", default="sim")
    args = ap.parse_args(argv)
    sim = KubeSim(args.context).start()
    per = max(1, args.pods // max(1, args.deployments))
    sim.cluster.populate(args.namespace, args.deployments, per)
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, {args.context: sim.url}, namespace=args.namespace)
    stop = threading.Event()
    if args.churn > 0:
        threading.Thread(
            target=churn, args=(sim.cluster, args.namespace, args.churn, stop), daemon=True
        ).start()
    print(json.dumps({"url": sim.url, "pods": args.pods}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop.set()
        sim.stop()


if __name__ == "__main__":
    main()
