"""The kube source's readings (pods.*, rollout.*), folded from one `KubeView`.
"""

from __future__ import annotations

from typing import Any

from cockpit.model import Reading
from cockpit.sources.kube.view import Counts, KubeView


def _scope_gate(view: KubeView, resources: tuple[str, ...], cluster: str | None, now: float):
    """(error, at) for readings that depend on `resources`: an error until listed, the
    moment the data was last known current while a watch is down."""
    at = now
    for s in view.scopes:
        if s.resource not in resources or (cluster is not None and s.cluster != cluster):
            continue
        if not s.synced:
            if s.state == "forbidden":
                return f"{s.cluster}: {s.message}", now
            if s.state in ("reconnecting", "error"):
                return f"{s.cluster}: cannot list {s.resource}: {s.message}", now
            return f"{s.cluster}: listing {s.resource}...", now
        if s.state != "ok":
            at = min(at, s.good_at or now)
    return None, at


def kube_readings(source: str, view: KubeView, now: float) -> list[Reading]:
    out: list[Reading] = []
    multi = len(view.clusters) > 1
    totals, by_dep, by_cluster = view.counts, view.by_deployment, view.by_cluster
    pod_err, pod_at = _scope_gate(view, ("pods",), None, now)
    dep_err, dep_at = _scope_gate(view, ("pods", "replicasets", "deployments"), None, now)
    ro_err, ro_at = _scope_gate(view, ("deployments", "replicasets"), None, now)

    def pod_readings(suffix: str, c: Counts, err: str | None, at: float, detail: Any) -> None:
        for name, value in (
            ("pods.total", c.total),
            ("pods.not_ready", c.not_ready),
            ("pods.crashlooping", c.crashlooping),
            ("pods.restarts_10m", c.restarts_10m),
        ):
            full = f"{name}.{suffix}" if suffix else name
            if err:
                out.append(Reading(source, full, error=err, at=at, detail=detail))
            else:
                out.append(Reading(source, full, float(value), at=at, unit="count", detail=detail))

    def rollout_readings(suffix: str, rows: list, err: str | None, at: float, detail: Any) -> None:
        complete: bool | None = all(r.complete for r in rows) if rows else None
        stalled: bool | None = any(r.stalled for r in rows) if rows else None
        for name, value in (("rollout.complete", complete), ("rollout.stalled", stalled)):
            full = f"{name}.{suffix}" if suffix else name
            if err:
                out.append(Reading(source, full, error=err, at=at, detail=detail))
            else:
                out.append(Reading(source, full, value, at=at, detail=detail))

    pod_readings("", totals, pod_err, pod_at, view)
    rollout_readings("", list(view.rollouts), ro_err, ro_at, view)
    rows_by_dep: dict[str, list] = {}
    for ro in view.rollouts:
        rows_by_dep.setdefault(ro.name, []).append(ro)
    for dep, counts in sorted(by_dep.items()):
        pod_readings(dep, counts, dep_err, dep_at, None)
        rollout_readings(dep, rows_by_dep.get(dep, []), ro_err, ro_at, None)
    if multi:
        for cluster, counts in by_cluster.items():
            err, at = _scope_gate(view, ("pods",), cluster, now)
            pod_readings(cluster, counts, err, at, None)
            rerr, rat = _scope_gate(view, ("deployments", "replicasets"), cluster, now)
            rollout_readings(
                cluster, [r for r in view.rollouts if r.cluster == cluster], rerr, rat, None
            )
    return out
