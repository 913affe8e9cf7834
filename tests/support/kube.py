"""Simulated clusters on loopback, a kubeconfig for them, and a kube source reading them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cockpit.config import KubernetesConfig
from cockpit.model import Reading
from cockpit.sim.kube.server import KubeSim, write_kubeconfig
from cockpit.sources.kube.source import KubeSource
from cockpit.sources.kube.view import KubeView

NS = "asr"


@contextmanager
def clusters(tmp_path: Path, *names: str, namespace: str = NS) -> Iterator[tuple[dict, Path]]:
    """Started simulators (context name -> KubeSim) and a kubeconfig naming them all."""
    sims = {n: KubeSim(n, bookmark_every=0.5).start() for n in names or ("prod-eu",)}
    try:
        kc = write_kubeconfig(
            tmp_path / "kubeconfig", {n: s.url for n, s in sims.items()}, namespace=namespace
        )
        yield sims, kc
    finally:
        for s in sims.values():
            s.stop()


def kube_config(kubeconfig: Path | None, **fields: Any) -> KubernetesConfig:
    """Test settings: quick reconnects, so drops are survived within a test's patience."""
    base: dict[str, Any] = {
        "kubeconfig": str(kubeconfig) if kubeconfig else None,
        "reconnect_min": 0.05,
        "reconnect_max": 0.3,
        "watch_timeout": 30,
        "every": 1,
    }
    base.update(fields)
    return KubernetesConfig(**base)


@contextmanager
def source(kubeconfig: Path | None, **fields: Any) -> Iterator[KubeSource]:
    """A started KubeSource (its watch threads running), closed afterwards.
    `kubeconfig=None`: found like kubectl does ($KUBECONFIG, ~/.kube/config)."""
    import asyncio

    src = KubeSource(kube_config(kubeconfig, **fields), forbidden_retry=0.2)
    asyncio.run(src.start())
    try:
        yield src
    finally:
        asyncio.run(src.close())


def wait_for(pred: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll until `pred()` is truthy (the watch threads are asynchronous); fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.02)


def pod_names(view: KubeView, cluster: str | None = None) -> list[str]:
    return [r.pod.name for r in view.pods if cluster is None or r.pod.cluster == cluster]


def sim_pod_names(sim: KubeSim, namespace: str = NS) -> set[str]:
    return {p["metadata"]["name"] for p in sim.cluster.objects("pods", namespace)}


def in_sync(src: KubeSource, sims: dict[str, KubeSim], namespace: str = NS) -> bool:
    """Every pod and deployment status of every simulator is in the source's view."""
    view = src.store.view()
    for name, sim in sims.items():
        if set(pod_names(view, name)) != sim_pod_names(sim, namespace):
            return False
        seen = {
            p.name: (p.status, p.restarts, p.is_ready)
            for p in (r.pod for r in view.pods)
            if p.cluster == name
        }
        for pod in sim.cluster.objects("pods", namespace):
            meta = pod["metadata"]
            if meta["name"] not in seen:
                return False
        for dep in sim.cluster.objects("deployments", namespace):
            row = next(
                (
                    r
                    for r in view.rollouts
                    if r.cluster == name and r.name == dep["metadata"]["name"]
                ),
                None,
            )
            st = dep.get("status", {})
            if row is None or (row.updated, row.ready, row.available) != (
                st.get("updatedReplicas", 0),
                st.get("readyReplicas", 0),
                st.get("availableReplicas", 0),
            ):
                return False
            rss = sim.cluster.replicasets_of(namespace, dep["metadata"]["name"])
            old = sum(r["spec"]["replicas"] for r in rss[1:])
            if row.old_replicas != old or row.revision != int(
                rss[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            ):
                return False
        # Pod states too: the resourceVersion of each pod must have arrived.
        for pod in sim.cluster.objects("pods", namespace):
            mine = next(
                (
                    r.pod
                    for r in view.pods
                    if r.pod.cluster == name and r.pod.name == pod["metadata"]["name"]
                ),
                None,
            )
            restarts = sum(
                c.get("restartCount", 0) for c in pod["status"].get("containerStatuses", [])
            )
            if mine is None or mine.restarts != restarts:
                return False
            ready = any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in pod["status"].get("conditions", [])
            )
            if mine.is_ready != (ready and not pod["metadata"].get("deletionTimestamp")):
                return False
    return True


def sync(
    src: KubeSource, sims: dict[str, KubeSim] | KubeSim, what: str = "source in sync"
) -> KubeView:
    if isinstance(sims, KubeSim):
        sims = {sims.name: sims}
    wait_for(lambda: in_sync(src, sims), what)
    # ...and every watch is open again (so what the test does next is watched, not listed).
    for name, sim in sims.items():
        states = {(s.resource, s.namespace): s.state for s in src.store.view().scopes}
        n = sum(
            1
            for r in src.reflectors
            if r.cluster == name and states.get((r.resource, r.namespace)) != "forbidden"
        )
        wait_for(lambda sim=sim, n=n: sim.cluster.watch_count >= n, f"{what}: watches open")
    return src.store.view()


def readings(src: KubeSource) -> dict[str, Reading]:
    return {r.name: r for r in src.sample_now()}


def values(src: KubeSource, *names: str) -> dict[str, Any]:
    rs = readings(src)
    return {n: (rs[n].error if rs[n].error else rs[n].value) for n in names}
