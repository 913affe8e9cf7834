"""The pure aggregation: pod statuses as kubectl reads them, rollout rows, problem-first order,
restarts in the last 10 minutes, and the store's list/watch bookkeeping. Objects come from
the simulator's cluster model (no HTTP)."""

from __future__ import annotations

from cockpit.sim.kube.cluster import Cluster
from cockpit.sources.kube.objects import image_tag, slim_deployment, slim_pod, slim_replicaset
from cockpit.sources.kube.signals import kube_readings
from cockpit.sources.kube.store import KubeStore
from cockpit.sources.kube.view import ScopeState, rollout_row

NS = "asr"


def pod(c: Cluster, name: str) -> dict:
    obj = c.get("pods", NS, name)
    assert obj is not None
    return obj


def test_pod_statuses_like_kubectl() -> None:
    c = Cluster()
    for n in ("ok", "crash", "oom", "pull", "pending", "term", "notready"):
        c.create_pod(NS, n)
    c.crashloop(NS, "crash", restarts=3)
    c.oom_kill(NS, "oom")
    c.image_pull_backoff(NS, "pull", image="reg/asr:9.9")
    c.make_pending(NS, "pending")
    c.mark_terminating(NS, "term")
    c.set_ready(NS, "notready", False)
    p = {
        n: slim_pod("eu", pod(c, n))
        for n in ("ok", "crash", "oom", "pull", "pending", "term", "notready")
    }

    assert (p["ok"].status, p["ok"].is_ready, p["ok"].rank, p["ok"].ready, p["ok"].total) == (
        "Running",
        True,
        0,
        1,
        1,
    )
    assert (p["crash"].status, p["crash"].crashlooping, p["crash"].restarts) == (
        "CrashLoopBackOff",
        True,
        3,
    )
    assert p["crash"].last_termination == "Error (exit 1)"
    assert "back-off 5m0s restarting failed container=asr" in p["crash"].why
    assert p["oom"].last_termination == "OOMKilled (exit 137)"
    assert (p["pull"].status, p["pull"].version) == ("ImagePullBackOff", "9.9")
    assert p["pull"].why == 'Back-off pulling image "reg/asr:9.9"'
    assert p["pending"].status == "Pending"
    assert (
        p["pending"].why == "Unschedulable: 0/8 nodes are available: 8 Insufficient nvidia.com/gpu."
    )
    assert (p["term"].status, p["term"].terminating, p["term"].is_ready) == (
        "Terminating",
        True,
        False,
    )
    assert (p["notready"].status, p["notready"].is_ready) == ("Running", False)
    order = sorted(p.values(), key=lambda x: -x.rank)
    assert [x.name for x in order[:2]] == ["crash", "oom"]
    assert order[-1].name == "ok"


def test_image_tag() -> None:
    assert image_tag("registry:5000/asr/gateway:2.3.1") == "2.3.1"
    assert image_tag("registry:5000/asr/gateway") == "latest"
    assert image_tag("asr@sha256:0123456789abcdef0123") == "0123456789ab"


def test_rollout_row_new_and_old_replica_sets() -> None:
    c = Cluster()
    c.create_deployment(NS, "gw", replicas=2, revision=7, image="r/asr:1.0")
    c.start_rollout(NS, "gw", "r/asr:1.1")
    c.rollout_step(NS, "gw")
    dep = slim_deployment("eu", c.get("deployments", NS, "gw"))  # type: ignore[arg-type]
    rss = [slim_replicaset("eu", r) for r in c.replicasets_of(NS, "gw")]
    row = rollout_row(dep, rss)
    assert (row.revision, row.image, row.old_revision, row.old_image) == (8, "1.1", 7, "1.0")
    assert (row.desired, row.updated, row.old_replicas, row.state) == (2, 1, 2, "progressing")
    assert row.message == "1 of 2 updated replicas"
    c.finish_rollout(NS, "gw")
    dep = slim_deployment("eu", c.get("deployments", NS, "gw"))  # type: ignore[arg-type]
    rss = [slim_replicaset("eu", r) for r in c.replicasets_of(NS, "gw")]
    row = rollout_row(dep, rss)
    assert (row.state, row.old_revision, row.old_replicas) == ("complete", 7, 0)
    c.stall_rollout(NS, "gw")
    dep = slim_deployment("eu", c.get("deployments", NS, "gw"))  # type: ignore[arg-type]
    assert rollout_row(dep, rss).state == "stalled"


def test_store_restarts_in_window_and_relist() -> None:
    now = [1_000_000.0]
    store = KubeStore(clock=lambda: now[0])
    c = Cluster()
    c.create_pod(NS, "a")
    c.create_pod(NS, "b")
    store.add_cluster("eu")
    store.replace("eu", "pods", NS, c.objects("pods", NS))
    store.set_scope(ScopeState("eu", "pods", NS, "ok", synced=True))
    assert store.view().restarts_10m == 0

    store.apply("eu", "pods", NS, "MODIFIED", c.crashloop(NS, "a", restarts=2))
    now[0] += 300
    store.apply("eu", "pods", NS, "MODIFIED", c.crashloop(NS, "a", restarts=1))
    view = store.view()
    assert view.restarts_10m == 3
    assert view.pods[0].pod.name == "a" and view.pods[0].restarts_10m == 3
    now[0] += 400  # the first two restarts fall out of the 10-minute window
    assert store.view().restarts_10m == 1

    # A relist: "b" went away while we were not watching, "a" restarted once more.
    c.delete_pod(NS, "b")
    c.crashloop(NS, "a")
    store.replace("eu", "pods", NS, c.objects("pods", NS))
    view = store.view()
    assert [r.pod.name for r in view.pods] == ["a"]
    assert view.restarts_10m == 2


def test_readings_per_deployment_and_errors() -> None:
    c = Cluster()
    c.create_deployment(NS, "gw", replicas=2)
    c.create_deployment(NS, "worker", replicas=1)
    store = KubeStore()
    store.add_cluster("eu")
    for res in ("pods", "replicasets", "deployments"):
        store.replace("eu", res, NS, c.objects(res, NS))
        store.set_scope(ScopeState("eu", res, NS, "ok", synced=True))
    rs = {r.name: r for r in kube_readings("kube", store.view(), 0.0)}
    assert rs["pods.total"].value == 3 and rs["pods.total.gw"].value == 2
    assert rs["rollout.complete.worker"].value is True
    assert "pods.total.eu" not in rs  # per cluster only when there are several
    assert rs["pods.total"].detail is store.view()

    store.set_scope(ScopeState("eu", "pods", NS, "forbidden", "403 Forbidden: cannot list pods"))
    rs = {r.name: r for r in kube_readings("kube", store.view(), 0.0)}
    assert rs["pods.total"].error == "eu: 403 Forbidden: cannot list pods"
    assert rs["rollout.complete"].value is True  # deployments are still readable

    # Reconnecting after a sync: values kept, dated when the watch went down.
    store.set_scope(ScopeState("eu", "pods", NS, "reconnecting", "drop", synced=True, good_at=5.0))
    rs = {r.name: r for r in kube_readings("kube", store.view(), 100.0)}
    assert rs["pods.total"].value == 3 and rs["pods.total"].at == 5.0
    assert rs["rollout.complete"].at == 100.0


def test_incremental_rows_and_counts_match_a_full_recount() -> None:
    """Random changes, list replacements and rollouts: the per-change bookkeeping (sorted
    rows, counters per deployment and cluster) equals a recount from scratch."""
    import random

    from cockpit.sources.kube.view import pod_counts, pod_sort_key

    rnd = random.Random(3)
    now = [1_000_000.0]
    store = KubeStore(clock=lambda: now[0])
    c = Cluster(seed=5)
    for i in range(4):
        c.create_deployment(NS, f"d{i}", replicas=5)
    store.add_cluster("eu")
    for res in ("replicasets", "deployments", "pods"):
        store.replace("eu", res, NS, c.objects(res, NS))
    seen_rv = c.resource_version

    def feed() -> None:
        nonlocal seen_rv
        with c._lock:
            changes = c.changes_since(seen_rv)
            seen_rv = c.resource_version
        for ch in changes:
            if ch.resource in ("pods", "replicasets", "deployments"):
                store.apply("eu", ch.resource, NS, ch.type, ch.obj)

    for step in range(300):
        names = sorted(p["metadata"]["name"] for p in c.objects("pods", NS))
        op = rnd.random()
        name = rnd.choice(names)
        if op < 0.3:
            c.crashloop(NS, name, restarts=rnd.randint(1, 3))
        elif op < 0.5:
            c.set_ready(NS, name, rnd.random() < 0.5)
        elif op < 0.6:
            c.delete_pod(NS, name)
        elif op < 0.7:
            c.create_pod(NS, f"bare-{step}")
        elif op < 0.8:
            d = f"d{rnd.randint(0, 3)}"
            if c.rollout_step(NS, d) is None:
                c.start_rollout(NS, d, f"r/asr:{step}")
        else:
            now[0] += rnd.choice([1, 30, 200])
        feed()
        if step % 50 == 49:  # a relist now and then
            store.replace("eu", "pods", NS, c.objects("pods", NS))
        view = store.view()
        assert view.counts == pod_counts(view.pods)
        assert [r.sort_key for r in view.pods] == sorted(
            pod_sort_key(r.pod, r.restarts_10m) for r in view.pods
        )
        for dep, counts in view.by_deployment.items():
            assert counts == pod_counts(r for r in view.pods if r.deployment == dep), dep
        assert {r.pod.name for r in view.pods} == {
            p["metadata"]["name"] for p in c.objects("pods", NS)
        }


def test_log_events_are_transitions_without_storms() -> None:
    from cockpit.config import KubernetesConfig
    from cockpit.sources.kube.source import KubeSource

    c = Cluster()
    for i in range(8):
        c.create_deployment(NS, f"d{i}", replicas=2, revision=3, image="r/asr:1.0")
    src = KubeSource(KubernetesConfig(), targets=[])
    store = src.store
    store.add_cluster("eu")
    for res in ("deployments", "replicasets", "pods"):
        store.replace("eu", res, NS, c.objects(res, NS))
        store.set_scope(ScopeState("eu", res, NS, "ok", synced=True))
    seen = [c.resource_version]

    def sample() -> list[str]:
        with c._lock:
            changes = c.changes_since(seen[0])
            seen[0] = c.resource_version
        for ch in changes:
            if ch.resource != "events":
                store.apply("eu", ch.resource, NS, ch.type, ch.obj)
        src.sample_now()
        return [e.message for e in src.drain_events()]

    assert sample() == []  # the baseline: nothing is news
    for i in range(5):
        c.start_rollout(NS, f"d{i}", "r/asr:1.1")
    assert sample() == ["5 rollouts started: d0, d1, d2, d3, d4"]
    c.finish_rollout(NS, "d0")
    assert sample() == ["rollout of d0 complete: revision 4 (1.1), 2/2 available"]
    pod = c.pods_of(NS, c.replicasets_of(NS, "d0")[0]["metadata"]["name"])[0]["metadata"]["name"]
    c.crashloop(NS, pod)
    assert sample() == [f"pod {NS}/{pod} entered CrashLoopBackOff (last: Error (exit 1))"]
    c.set_ready(NS, pod, True)
    assert sample() == []  # d0 available again: not "complete" a second time
    c.crashloop(NS, pod)
    assert sample() == []  # the same pod again within 10 minutes: already logged
    victims = [p["metadata"]["name"] for p in c.objects("pods", NS)][-10:]
    for name in victims:
        c.crashloop(NS, name)
    (line,) = sample()
    assert line.startswith(f"{len(set(victims) - {pod})} pods entered CrashLoopBackOff: ")
    c.stall_rollout(NS, "d1")
    (line,) = sample()
    assert line.startswith("rollout of d1 stalled: ReplicaSet ")
