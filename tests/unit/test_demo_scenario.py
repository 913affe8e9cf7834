"""The rehearsal's script on a fake clock: the in-memory cluster, the ASR sim's fault
switches and the helm history file, driven step by step (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.demo import parse_fault
from cockpit.sim.asr import SimFaults
from cockpit.sim.helm import HelmState
from cockpit.sim.kube.cluster import Cluster
from cockpit.sim.rehearsal import load_rehearsal
from cockpit.sim.scenario import (
    NAMESPACE,
    NEW,
    OLD,
    LaunchScenario,
)

# The launch script's instants, read from the shipped scenario file (rehearsals/launch.yaml).
LAUNCH = load_rehearsal("launch")
ROLLOUT_AT = LAUNCH.first("upgrade").at
FAULT_AT, HEAL_AFTER = LAUNCH.faults()[0][1], LAUNCH.faults()[0][2]
TRAFFIC_FULL = LAUNCH.first("traffic").at + LAUNCH.first("traffic").traffic

T0 = 1_800_000_000.0


class Rig:
    def __init__(self, tmp: Path, speed: float = 1.0, **kw) -> None:
        self.cluster = Cluster("demo")
        self.faults = SimFaults()
        self.helm = HelmState(tmp / "releases.yaml")
        self.sc = LaunchScenario(cluster=self.cluster, asr_faults=self.faults, helm=self.helm,
                                 speed=speed, t0=T0, **kw)
        self.sc.setup()
        self.t = T0
        self.notes: list[tuple[str, str]] = []

    def run_until(self, scenario_s: float, step: float = 0.5) -> None:
        while self.sc.s(self.t) < scenario_s:
            self.notes += self.sc.tick(self.t)
            self.t += step / self.sc.speed

    def images(self, deployment: str) -> set[str]:
        return {p["spec"]["containers"][0]["image"].rsplit(":", 1)[1]
                for p in self.cluster.objects("pods", NAMESPACE)
                if p["metadata"]["labels"]["app"] == deployment}

    def crashing(self) -> list[str]:
        return [p["metadata"]["name"] for p in self.cluster.objects("pods", NAMESPACE)
                if (p["status"]["containerStatuses"][0].get("state") or {})
                .get("waiting", {}).get("reason") == "CrashLoopBackOff"]


def test_setup_is_revision_4_with_helm_history(tmp_path):
    rig = Rig(tmp_path)
    assert rig.helm.deployed_app() == OLD
    assert [r["version"] for r in rig.helm.load()] == [1, 2, 3, 4]
    assert rig.images("asr-gateway") == {OLD} and rig.images("asr-worker") == {OLD}
    dep = rig.cluster.get("deployments", NAMESPACE, "asr-worker")
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    assert dep["metadata"]["labels"]["app.kubernetes.io/part-of"] == "asr"


def test_upgrade_rolls_both_deployments_to_revision_5(tmp_path):
    rig = Rig(tmp_path)
    rig.run_until(ROLLOUT_AT - 1)
    assert rig.helm.deployed_app() == OLD
    rig.run_until(ROLLOUT_AT + 8)
    assert rig.helm.deployed_app() == NEW
    assert rig.helm.deployed()["version"] == 5
    assert len(rig.images("asr-worker")) == 2  # mid-rollout: old and new pods
    rig.run_until(FAULT_AT - 1)
    assert rig.images("asr-gateway") == {NEW} and rig.images("asr-worker") == {NEW}
    dep = rig.cluster.get("deployments", NAMESPACE, "asr-worker")
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "5"
    assert dep["status"]["updatedReplicas"] == dep["status"]["readyReplicas"] == 4
    assert any("rollout to 2.4.0 complete" in m for _, m in rig.notes)


def test_traffic_ramps_and_metrics_stay_healthy_before_the_fault(tmp_path):
    rig = Rig(tmp_path)
    sc = rig.sc
    assert sc.request_rate(T0) < 0.25 * sc.request_rate(sc.wall(TRAFFIC_FULL))
    for s in (0, 100, 200, FAULT_AT - 1):
        t = sc.wall(s)
        assert sc.error_rate(t) < 0.01
        assert sc.p95(t) < 0.5 and sc.p99(t) < 1.0
    assert sc.active_streams(sc.wall(TRAFFIC_FULL)) >= 140
    # History before the demo started (backfill, `compare: 1d`) is the steady trickle.
    assert sc.error_rate(T0 - 86400) < 0.01
    assert sc.request_rate(T0 - 86400) == pytest.approx(sc.request_rate(T0), rel=0.1)


def test_fault_breaks_metrics_pods_and_asr_then_heals_by_itself(tmp_path):
    rig = Rig(tmp_path)
    rig.run_until(FAULT_AT + 20)
    t = rig.t
    assert rig.sc.error_rate(t) > 0.05
    assert rig.sc.p95(t) > 1.0
    assert rig.faults.delay > 2.0
    assert len(rig.crashing()) == 1
    worker_gpus = rig.sc.gpu_series("util", t)
    assert sum(1 for _, v in worker_gpus if v == 0) == 1  # the crashing pod's GPU is idle
    rig.run_until(FAULT_AT + 100)
    pod = rig.cluster.get("pods", NAMESPACE, rig.crashing()[0])
    assert pod["status"]["containerStatuses"][0]["restartCount"] >= 3
    rig.run_until(FAULT_AT + HEAL_AFTER + 120)
    assert rig.crashing() == []
    assert rig.faults.delay == 0.0
    assert rig.sc.error_rate(rig.t) < 0.01
    assert any("cleared by itself" in m for _, m in rig.notes)
    ready = [p for p in rig.cluster.objects("pods", NAMESPACE)
             if p["metadata"]["labels"]["app"] == "asr-worker"]
    assert len(ready) == 4


def test_rollback_through_helm_rolls_the_cluster_back_and_ends_the_fault(tmp_path):
    rig = Rig(tmp_path)
    rig.run_until(FAULT_AT + 30)
    assert rig.crashing()
    assert rig.helm.rolled_back(4) == 6  # what the demo's helm wrapper writes after success
    rig.run_until(FAULT_AT + 30 + 120)
    assert rig.images("asr-gateway") == {OLD} and rig.images("asr-worker") == {OLD}
    dep = rig.cluster.get("deployments", NAMESPACE, "asr-gateway")
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "6"
    assert rig.crashing() == []
    assert rig.faults.delay == 0.0
    assert rig.sc.error_rate(rig.t) < 0.01
    assert any("rolled back to 2.3.0" in m for _, m in rig.notes)
    history = rig.helm.load()
    assert [r["info"]["status"] for r in history][-2:] == ["superseded", "deployed"]
    assert history[-1]["info"]["description"] == "Rollback to 4"


def test_scripted_fault_is_skipped_when_already_rolled_back(tmp_path):
    rig = Rig(tmp_path)
    rig.run_until(ROLLOUT_AT + 90)
    rig.helm.rolled_back(4)
    rig.run_until(FAULT_AT + 20)
    assert rig.crashing() == [] and rig.faults.delay == 0.0
    assert any("scripted fault is skipped" in m for _, m in rig.notes)


def test_operator_faults_and_clear(tmp_path):
    prom = type("Prom", (), {"outage": False})()
    rig = Rig(tmp_path, planned=[parse_fault("asr-down@10"), parse_fault("xid@12")],
              scripted_fault=False)
    rig.sc.prom = prom
    rig.run_until(20)
    assert rig.faults.refuse and not rig.sc.health_ok
    assert any(v == 79 for _, v in rig.sc.gpu_series("xid", rig.t))
    rig.sc.inject("prom-down", rig.t)
    rig.run_until(21)
    assert prom.outage
    assert rig.sc.clear(rig.t) == 3
    rig.run_until(22)
    assert not rig.faults.refuse and rig.sc.health_ok and not prom.outage
    assert all(v == 0 for _, v in rig.sc.gpu_series("xid", rig.t + 60))


def test_speed_compresses_the_script(tmp_path):
    rig = Rig(tmp_path, speed=10.0)
    rig.run_until(FAULT_AT + 15)
    assert rig.t - T0 == pytest.approx((FAULT_AT + 15) / 10, abs=0.2)
    assert rig.helm.deployed_app() == NEW and rig.crashing()


def test_fault_names_are_checked():
    assert parse_fault("errors@120") == ("errors", 120.0)
    assert parse_fault("crashloop") == ("crashloop", 0.0)
    assert parse_fault("errors@2m") == ("errors", 120.0)
    for bad in ("nope@1", "errors@soon", "errors@-1", "errors@nan", "errors@inf",
                "errors@NaN", "errors@1e999", "errors@"):
        with pytest.raises(ValueError):
            parse_fault(bad)


def test_demo_refuses_nan_faults_and_speeds_at_parse(capsys):
    from cockpit.cli import main

    for argv in (["--fault", "errors@nan"], ["--fault", "errors@inf"], ["--speed", "nan"],
                 ["--speed", "inf"]):
        assert main(["demo", "--print-config", *argv]) == 3
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("cockpit demo: --"), err


def test_stale_demo_dirs_of_dead_processes_are_removed(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    from cockpit.demo import OWNER_FILE, remove_stale_dirs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dead, live, foreign = (tmp_path / f"cockpit-demo-{n}" for n in ("dead", "live", "x"))
    for d in (dead, live, foreign):
        d.mkdir()
    (dead / OWNER_FILE).write_text(gone)
    (live / OWNER_FILE).write_text(str(os.getpid()))
    assert remove_stale_dirs() == 1
    assert not dead.exists() and live.exists() and foreign.exists()


def test_no_helm_advice_fits_where_cockpit_runs(tmp_path, monkeypatch):
    """From an installed wheel there is no tools/ dir: the demo used to tell such a user
    to run `bash tools/deps.d/helm.sh`."""
    import cockpit.demo as demo

    assert "tools/deps.d/helm.sh" in demo.how_to_get_helm()  # in this checkout
    monkeypatch.setattr(demo.install, "ROOT", tmp_path)  # as in site-packages: no tools/
    advice = demo.how_to_get_helm()
    assert "tools/" not in advice and "helm.sh/docs/intro/install" in advice
    script = demo._NO_HELM.format(python="/usr/bin/python3", how=advice, state="/x")
    compile(script, "helm", "exec")  # the stand-in helm stays a valid script
    assert advice in script


def test_an_operator_release_fault_comes_before_the_upgrade_too(tmp_path):
    """`cockpit demo --no-scripted-fault --fault errors@5`: the 2.3.0 release still runs
    at 0:05, yet the operator asked for errors then (test_headless_events relies on it);
    only the script's release faults wait for the release."""
    rig = Rig(tmp_path, planned=[parse_fault("errors@5")], scripted_fault=False)
    rig.run_until(8)
    assert rig.sc.version != "2.4.0"
    assert "errors" in {w.name for w in rig.sc.windows}
    assert not any("skipped" in m for _, m in rig.notes)
    assert any("fault injected" in m for _, m in rig.notes)


def test_no_pocketsphinx_advice_fits_where_cockpit_runs(tmp_path, monkeypatch):
    """A `pip install .` without [demo] was told `pip install -e '.[test]'` (a checkout's
    editable install, from site-packages)."""
    import cockpit.demo as demo

    assert "make demo" in demo.how_to_get_pocketsphinx()  # in this checkout
    monkeypatch.setattr(demo.install, "ROOT", tmp_path)
    advice = demo.how_to_get_pocketsphinx()
    assert "cockpit[demo]" in advice and "-e" not in advice and "make" not in advice
