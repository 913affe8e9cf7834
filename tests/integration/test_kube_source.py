"""The kube source through the real `kubernetes` client against the loopback API simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cockpit.checklist import load_checklist
from cockpit.config import LaunchConfig
from cockpit.engine import Engine
from cockpit.model import EventKind, VerdictKind
from cockpit.sources.kube.source import KubeSource
from cockpit.store.sqlite import SqliteStore
from tests.support.kube import (
    NS,
    clusters,
    kube_config,
    pod_names,
    readings,
    sim_pod_names,
    source,
    sync,
    values,
    wait_for,
)

pytestmark = pytest.mark.integration

TOTALS = (
    "pods.total",
    "pods.not_ready",
    "pods.crashlooping",
    "rollout.complete",
    "rollout.stalled",
)

# Rolling update of 3 replicas with maxSurge 1, maxUnavailable 0, revision 4 -> 5.
# step: (updated, ready, available, pods.total, pods.not_ready, old replicas, state)
ROLLOUT = [
    ("start", 0, 3, 3, 3, 0, 3, "progressing"),
    ("surge", 1, 3, 3, 4, 1, 3, "progressing"),
    ("ready", 1, 4, 4, 4, 0, 3, "progressing"),
    ("scale-down", 1, 3, 3, 3, 0, 2, "progressing"),
    ("surge", 2, 3, 3, 4, 1, 2, "progressing"),
    ("ready", 2, 4, 4, 4, 0, 2, "progressing"),
    ("scale-down", 2, 3, 3, 3, 0, 1, "progressing"),
    ("surge", 3, 3, 3, 4, 1, 1, "progressing"),
    ("ready", 3, 4, 4, 4, 0, 1, "progressing"),
    ("scale-down", 3, 3, 3, 3, 0, 0, "complete"),
]


def test_rollout_4_to_5_counts_at_each_step(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=3, revision=4, image="reg/asr:2.2.0")
        with source(kc) as src:
            view = sync(src, sims)
            (row,) = view.rollouts
            assert (row.revision, row.image, row.state) == (4, "2.2.0", "complete")
            assert values(src, "rollout.complete", "rollout.complete.asr-gateway") == {
                "rollout.complete": True,
                "rollout.complete.asr-gateway": True,
            }
            src.drain_events()

            c.start_rollout(NS, "asr-gateway", "reg/asr:2.3.0")
            for step, updated, ready, avail, total, not_ready, old, state in ROLLOUT:
                if step != "start":
                    assert c.rollout_step(NS, "asr-gateway") == step
                view = sync(src, sims, f"step {step}")
                (row,) = view.rollouts
                got = (row.updated, row.ready, row.available, row.old_replicas, row.state)
                assert got == (updated, ready, avail, old, state), step
                assert (row.desired, row.revision, row.image) == (3, 5, "2.3.0")
                assert (row.old_revision, row.old_image) == (4, "2.2.0")
                v = values(src, "pods.total", "pods.not_ready", "pods.not_ready.asr-gateway")
                assert v == {
                    "pods.total": total,
                    "pods.not_ready": not_ready,
                    "pods.not_ready.asr-gateway": not_ready,
                }, step
                assert values(src, "rollout.complete")["rollout.complete"] is (state == "complete")
                assert values(src, "rollout.stalled")["rollout.stalled"] is False
            assert c.rollout_step(NS, "asr-gateway") is None
            versions = {r.pod.version for r in src.cluster_view().pods}
            assert versions == {"2.3.0"}

            messages = [e.message for e in src.drain_events() if e.kind == EventKind.KUBE]
            assert messages == [
                "rollout of asr-gateway started: revision 4 -> 5 (2.2.0 -> 2.3.0)",
                "rollout of asr-gateway complete: revision 5 (2.3.0), 3/3 available",
            ]


def test_stalled_rollout(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=2, revision=4, image="reg/asr:2.2.0")
        with source(kc) as src:
            sync(src, sims)
            src.sample_now()
            c.start_rollout(NS, "asr-gateway", "reg/asr:2.3.0-bad")
            c.rollout_step(NS, "asr-gateway")  # surge: a new pod that never becomes ready
            (pod,) = c.pods_of(NS, c.replicasets_of(NS, "asr-gateway")[0]["metadata"]["name"])
            c.image_pull_backoff(NS, pod["metadata"]["name"])
            c.stall_rollout(NS, "asr-gateway")
            # Deployments and pods are watched by separate threads: wait for both news.
            wait_for(lambda: src.cluster_view().rollouts[0].stalled
                     and src.cluster_view().pods[0].pod.status == "ImagePullBackOff",
                     "rollout stalled and the pulling pod first")
            v = values(src, "rollout.stalled", "rollout.stalled.asr-gateway", "rollout.complete")
            assert v == {
                "rollout.stalled": True,
                "rollout.stalled.asr-gateway": True,
                "rollout.complete": False,
            }
            view = src.cluster_view()
            assert "has timed out progressing" in view.rollouts[0].message
            first = view.pods[0].pod
            assert (first.name, first.status) == (pod["metadata"]["name"], "ImagePullBackOff")
            assert 'Back-off pulling image "reg/asr:2.3.0-bad"' in first.why
            events = [e.message for e in src.drain_events()]
            assert any(m.startswith("rollout of asr-gateway stalled: ") for m in events), events


def test_crashloop_turns_signal_and_verdict(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=3, revision=5, image="reg/asr:2.3.0")
        c.create_deployment(NS, "asr-worker", replicas=2, revision=1, image="reg/worker:1.0")
        checklist = tmp_path / "checklist.yaml"
        checklist.write_text(
            "title: pods\nsections:\n  - title: Kubernetes\n    items:\n"
            '      - {id: no-crashloops, text: No crash loops, auto: "pods.crashlooping == 0"}\n'
            '      - {id: rolled-out, text: Rollout complete, auto: "rollout.complete == true"}\n'
        )
        config = LaunchConfig.model_validate(
            {
                "launch": "kube test",
                "checklist": str(checklist),
                "kubernetes": kube_config(kc).model_dump(),
            }
        )
        assert config.kubernetes is not None
        src = KubeSource(config.kubernetes, forbidden_retry=0.2)
        store = SqliteStore(tmp_path / "events.db")
        engine = Engine(config, store, sources=[src], checklist=load_checklist(checklist))

        async def run() -> None:
            await src.start()
            try:
                sync(src, sims)
                await engine.sample_now("kube")
                assert engine.verdict.kind is VerdictKind.GO, engine.verdict.summary()

                victim = sorted(sim_pod_names(sims["prod-eu"]))[0]
                c.oom_kill(NS, victim, restarts=2)
                sync(src, sims, "crash-loop seen")
                await engine.sample_now("kube")
                v = values(src, "pods.crashlooping", "pods.restarts_10m", "pods.not_ready")
                assert v == {"pods.crashlooping": 1, "pods.restarts_10m": 2, "pods.not_ready": 1}
                assert engine.verdict.kind is VerdictKind.NO_GO
                # A crash-looping pod is unavailable, so (like `kubectl rollout status`)
                # the rollout is not complete either.
                failing = [s.item_id for s in engine.verdict.failing]
                assert failing == ["no-crashloops", "rolled-out"]

                view = src.cluster_view()
                row = view.pods[0]  # problem pods first
                assert row.pod.name == victim and row.restarts_10m == 2
                assert row.pod.status == "CrashLoopBackOff"
                assert row.pod.last_termination == "OOMKilled (exit 137)"
                (cs,) = row.pod.containers
                assert (cs.last_reason, cs.last_exit_code, cs.restarts) == ("OOMKilled", 137, 2)
                dep = row.deployment
                per_dep = values(src, f"pods.crashlooping.{dep}", "pods.crashlooping.asr-worker")
                assert list(per_dep.values()) == [1, 0]

                logged = [e.message for e in store.events(kinds=[EventKind.KUBE])]
                assert any(
                    m == f"pod {NS}/{victim} entered CrashLoopBackOff (last: OOMKilled (exit 137))"
                    for m in logged
                ), logged

                # Crash-looping again and again: still one log line for that pod.
                c.crashloop(NS, victim)
                sync(src, sims)
                c.set_ready(NS, victim, True)
                sync(src, sims)
                await engine.sample_now("kube")
                c.crashloop(NS, victim)
                sync(src, sims)
                await engine.sample_now("kube")
                logged = [e.message for e in store.events(kinds=[EventKind.KUBE])]
                assert sum("entered CrashLoopBackOff" in m for m in logged) == 1
                assert values(src, "pods.restarts_10m")["pods.restarts_10m"] == 4
            finally:
                await src.close()

        asyncio.run(run())


def test_410_gone_and_dropped_watches_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        sim = sims["prod-eu"]
        c = sim.cluster
        c.create_deployment(NS, "asr-gateway", replicas=4, revision=2)
        with source(kc) as src:
            sync(src, sims)
            src.sample_now()  # the baseline that later samples log changes against
            pods_reflector = next(r for r in src.reflectors if r.resource == "pods")
            assert pods_reflector.lists == 1

            # 1. The API server expires every open watch (410 in the stream): relist.
            c.compact(expire_open=True)
            c.create_pod(NS, "extra-1", labels={"app": "x"})
            c.delete_pod(NS, sorted(sim_pod_names(sim))[0])
            view = sync(src, sims, "in sync after 410")
            assert pods_reflector.lists == 2
            names = pod_names(view)
            assert len(names) == len(set(names)) == len(sim_pod_names(sim))

            # 2. The connection drops and the server is unreachable for a while.
            c.down = True
            c.drop_watches()
            wait_for(
                lambda: any(s.state == "reconnecting" for s in src.cluster_view().scopes),
                "reconnecting shown",
            )
            scope = next(
                s for s in src.cluster_view().scopes
                if s.resource == "pods" and s.state == "reconnecting"
            )
            assert scope.message  # why: the connection error
            r = readings(src)["pods.total"]
            assert r.error is None and r.at <= scope.good_at + 1e-6  # data as of the drop
            # Changes it misses while away: replayed from its resourceVersion on return.
            c.create_pod(NS, "extra-2", labels={"app": "x"})
            c.crashloop(NS, "extra-1")
            c.delete_pod(NS, sorted(sim_pod_names(sim))[1])
            c.down = False
            view = sync(src, sims, "in sync after reconnect")
            assert pods_reflector.lists == 2  # resumed the watch, no relist needed
            wait_for(lambda: all(s.state == "ok" for s in src.cluster_view().scopes), "all ok")
            assert readings(src)["pods.total"].at >= scope.good_at

            # 3. Dropped while away long enough for the history to be compacted: 410, relist.
            c.down = True
            c.drop_watches()
            wait_for(lambda: src.cluster_view().scope_problems(), "reconnecting shown")
            c.create_pod(NS, "extra-3", labels={"app": "x"})
            c.delete_pod(NS, "extra-2")
            c.compact()
            c.down = False
            view = sync(src, sims, "in sync after drop + 410")
            assert pods_reflector.lists == 3
            names = pod_names(view)
            assert len(names) == len(set(names))
            assert set(names) == sim_pod_names(sim)
            assert values(src, "pods.total")["pods.total"] == len(sim_pod_names(sim))
            assert values(src, "pods.crashlooping")["pods.crashlooping"] == 1
            # The sample taken while it was away logged it (once per change of state).
            logged = [e.message for e in src.drain_events()]
            assert any(m.startswith("kube prod-eu: reconnecting watching ") for m in logged), logged


def test_403_shown_with_verb_and_resource(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=2)
        c.forbid("pods", "list")
        c.forbid("events", "watch")
        with source(kc) as src:
            wait_for(
                lambda: any(
                    s.state == "forbidden"
                    for s in src.cluster_view().scopes if s.resource == "events"
                ),
                "events watch refused",
            )
            rs = readings(src)
            err = rs["pods.not_ready"].error
            assert err is not None
            assert err.startswith('prod-eu: 403 Forbidden: cannot list pods in namespace "asr": ')
            assert (
                'pods is forbidden: User "system:serviceaccount:asr:cockpit" cannot list '
                'resource "pods" in API group "" in the namespace "asr"'
            ) in err
            # Deployments are readable: the rollout signals still work.
            assert rs["rollout.complete"].value is True
            ev_scope = next(s for s in src.cluster_view().scopes if s.resource == "events")
            assert ev_scope.message.startswith(
                '403 Forbidden: cannot watch events in namespace "asr"'
            )

            c.allow("pods", "list")
            sync(src, sims, "pods listed once allowed")
            assert values(src, "pods.total")["pods.total"] == 2
            logged = [e.message for e in src.drain_events()]
            assert any('watching pods in namespace "asr" again' in m for m in logged), logged


def test_markup_and_escapes_come_through_literally(tmp_path: Path) -> None:
    nasty_name = "asr-[bold red]x[/]-\x1b[2J"
    nasty_msg = "[@click=app.quit]pull[/] failed \x1b]0;owned\x07 [link=http://x]y[/link]"
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_pod(NS, nasty_name, labels={"app": "odd"})
        c.image_pull_backoff(NS, nasty_name, image="reg/[red]asr[/]:1")
        c.add_event(NS, nasty_name, "Failed", nasty_msg)
        with source(kc) as src:
            wait_for(lambda: src.cluster_view().warnings, "warning event")
            view = src.cluster_view()
            (row,) = view.pods
            assert row.pod.name == nasty_name
            assert row.pod.why == 'Back-off pulling image "reg/[red]asr[/]:1"'
            (ev,) = view.events_for("prod-eu", NS, "Pod", nasty_name)
            assert ev.message == nasty_msg and ev.reason == "Failed"


def test_several_clusters_side_by_side(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu", "prod-us") as (sims, kc):
        eu, us = sims["prod-eu"].cluster, sims["prod-us"].cluster
        eu.create_deployment(NS, "asr-gateway", replicas=3, revision=5)
        us.create_deployment(NS, "asr-gateway", replicas=2, revision=5)
        with source(kc, contexts=["prod-eu", "prod-us"]) as src:
            sync(src, sims)
            us.start_rollout(NS, "asr-gateway", "reg/asr:2.4")
            us.rollout_step(NS, "asr-gateway")
            eu.create_pod(NS, "eu-canary", labels={"app": "canary"})
            eu.crashloop(NS, "eu-canary")
            view = sync(src, sims)
            assert view.clusters == ("prod-eu", "prod-us")
            assert {(r.cluster, r.state) for r in view.rollouts} == {
                ("prod-eu", "complete"),
                ("prod-us", "progressing"),
            }
            v = values(
                src,
                "pods.total",
                "pods.total.prod-eu",
                "pods.total.prod-us",
                "pods.not_ready",
                "pods.not_ready.prod-eu",
                "pods.not_ready.prod-us",
                "pods.crashlooping.prod-eu",
                "pods.crashlooping.prod-us",
                "pods.total.asr-gateway",
                "rollout.complete",
                "rollout.complete.prod-eu",
                "rollout.complete.prod-us",
            )
            assert v == {
                "pods.total": 7,
                "pods.total.prod-eu": 4,
                "pods.total.prod-us": 3,
                "pods.not_ready": 2,
                "pods.not_ready.prod-eu": 1,
                "pods.not_ready.prod-us": 1,
                "pods.crashlooping.prod-eu": 1,
                "pods.crashlooping.prod-us": 0,
                "pods.total.asr-gateway": 6,
                "rollout.complete": False,
                "rollout.complete.prod-eu": True,
                "rollout.complete.prod-us": False,
            }

            # One cluster goes away: its signals go stale-dated, the other's stay current.
            sims["prod-us"].cluster.down = True
            sims["prod-us"].cluster.drop_watches()
            wait_for(
                lambda: {s.cluster for s in src.cluster_view().scope_problems()} == {"prod-us"},
                "prod-us reconnecting",
            )
            rs = readings(src)
            assert rs["pods.total.prod-us"].at < rs["pods.total.prod-eu"].at


def test_kubeconfig_from_env_and_current_context(tmp_path: Path, monkeypatch) -> None:
    with clusters(tmp_path, "prod-eu", "prod-us") as (sims, kc):
        sims["prod-eu"].cluster.create_pod(NS, "eu-pod")
        sims["prod-us"].cluster.create_pod("other", "us-pod")
        monkeypatch.setenv("KUBECONFIG", str(kc))
        # current-context is the first (prod-eu); its namespace is the kubeconfig's (asr).
        with source(None) as src:
            wait_for(lambda: pod_names(src.cluster_view()) == ["eu-pod"], "eu pod")
            assert src.cluster_view().clusters == ("prod-eu",)
        with source(None, context="prod-us", namespace="*") as src:
            wait_for(lambda: pod_names(src.cluster_view()) == ["us-pod"],
                     "us pod in all namespaces")
        with source(kc, context="nope") as src:
            err = readings(src)["pods.total"].error
            assert err is not None and "context 'nope' not found" in err


def test_label_selector(tmp_path: Path) -> None:
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=2, labels={"tier": "asr"})
        c.create_deployment(NS, "redis", replicas=1, labels={"tier": "cache"})
        with source(kc, selector="tier in (asr),app!=redis") as src:
            wait_for(lambda: len(src.cluster_view().pods) == 2, "two selected pods")
            assert [r.name for r in src.cluster_view().rollouts] == ["asr-gateway"]
            # A pod relabelled out of the selector leaves the view (a DELETED for the watch).
            victim = sorted(sim_pod_names(sims["prod-eu"]))[0]
            c.update_pod(NS, victim, lambda p: p["metadata"]["labels"].update(tier="other"))
            wait_for(lambda: victim not in pod_names(src.cluster_view()), "relabelled pod gone")


def test_lists_in_pages_from_one_snapshot(tmp_path: Path, monkeypatch) -> None:
    from cockpit.sources.kube.watch import Reflector

    monkeypatch.setattr(Reflector, "PAGE_SIZE", 7)
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        for i in range(30):
            c.create_pod(NS, f"p-{i:02d}")
        with source(kc) as src:
            view = sync(src, sims)
            assert len(view.pods) == 30
            pod_lists = [
                p for v, p in c.requests if v == "GET" and "/pods?" in p and "watch" not in p
            ]
            assert len(pod_lists) == 5 and sum("continue=" in p for p in pod_lists) == 4


def test_simulator_pages_and_expired_continue_token(tmp_path: Path) -> None:
    from kubernetes import client
    from kubernetes import config as kconfig

    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        for i in range(5):
            c.create_pod(NS, f"p-{i}")
        core = client.CoreV1Api(kconfig.new_client_from_config(str(kc), "prod-eu"))
        first = core.list_namespaced_pod(NS, limit=3)
        assert len(first.items) == 3 and first.metadata.remaining_item_count == 2
        c.create_pod(NS, "p-late")  # not in the snapshot being paged
        rest = core.list_namespaced_pod(NS, limit=3, _continue=first.metadata._continue)
        assert [p.metadata.name for p in rest.items] == ["p-3", "p-4"]
        assert rest.metadata.resource_version == first.metadata.resource_version
        again = core.list_namespaced_pod(NS, limit=3)
        c.compact()
        with pytest.raises(client.ApiException) as err:
            core.list_namespaced_pod(NS, limit=3, _continue=again.metadata._continue)
        assert err.value.status == 410
