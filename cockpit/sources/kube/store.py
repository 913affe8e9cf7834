"""The thread-safe store the watch threads feed; `KubeStore.view()` folds it into a `KubeView`.

Raw API JSON (dicts) comes in from the watch threads of `cockpit.sources.kube.watch`;
a view is rebuilt only when something changed. No I/O.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from cockpit.sources.kube.objects import (
    MAX_EVENTS,
    RESTART_WINDOW,
    DeploymentInfo,
    EventInfo,
    Obj,
    PodInfo,
    PodKey,
    ReplicaSetInfo,
    slim,
    slim_deployment,
    slim_event,
    slim_pod,
    slim_replicaset,
)
from cockpit.sources.kube.view import (
    Counts,
    CountsBuilder,
    KubeView,
    PodRow,
    ScopeState,
    counts_as_not_ready,
    pod_sort_key,
    rollout_row,
)

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
        self._tot = CountsBuilder()
        self._by_dep: dict[str, CountsBuilder] = {}
        self._by_cluster: dict[str, CountsBuilder] = {}
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
        nr, crash, n10 = counts_as_not_ready(p), p.crashlooping, row.restarts_10m
        self._tot.add(nr, crash, n10, sign)
        c = self._by_cluster.get(p.cluster)
        if c is None:
            c = self._by_cluster[p.cluster] = CountsBuilder()
        c.add(nr, crash, n10, sign)
        if row.deployment:
            d = self._by_dep.get(row.deployment)
            if d is None:
                d = self._by_dep[row.deployment] = CountsBuilder()
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
