"""Every source taken away while the engine runs, and given back.

For each real part (Prometheus stopped and restarted; the Kubernetes API down,
answering 500, 403, 410 and dropping watches; the ASR service refusing, stalling,
closing mid-stream, sending garbage or a huge frame; NVML failing): the engine
keeps running, the source's status says what is wrong, the gate on it is UNKNOWN,
the verdict is never GO while the source is not live, and all comes back by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.model import EventKind, Status, VerdictKind
from cockpit.store.sqlite import SqliteStore
from tests.support.chaos import never_go_while_blind, until
from tests.support.launch import write_launch

ROOT = Path(__file__).resolve().parents[2]


def checklist(gate: str) -> str:
    return ("title: t\nsections:\n  - title: s\n    items:\n"
            f"      - {{id: g, text: G, auto: '{gate}'}}\n")


async def away_and_back(engine: Engine, source: str, take_away: Callable[[], None],
                        give_back: Callable[[], None], why: str, *, within: float = 20.0,
                        outcome: tuple[Status, ...] = (Status.UNKNOWN,)) -> None:
    """Start, see GO; take the part away: never GO, the reason named, the gate in
    `outcome` (UNKNOWN: we cannot see; FAIL where the source's job is to say the
    service is broken, as the end-to-end ASR probe does); give it back: GO again."""
    store: SqliteStore = engine.store  # type: ignore[assignment]
    watch = never_go_while_blind(engine, source)
    await engine.start()
    try:
        await until(lambda: engine.verdict.kind == VerdictKind.GO, within, "GO at first")
        take_away()
        await until(lambda: engine.item_states()["g"].status in outcome
                    and engine.verdict.kind != VerdictKind.GO,
                    within, f"{source} seen as away", every=watch)
        status = engine.source_status(source)
        seen, shown = status.state, status.describe()
        result = getattr(getattr(engine.readings.get("asr.ok"), "detail", None), "result", None)
        if result is not None:  # the ASR pane shows the probe's own reason
            shown += f" / {result.reason}"
        print(f"{source} away: {shown} / {engine.item_states()['g'].detail}")
        assert why.lower() in shown.lower() or why.lower() in (
            engine.item_states()["g"].detail.lower()), (shown, engine.item_states()["g"])
        assert engine.verdict.kind == {Status.UNKNOWN: VerdictKind.HOLD,
                                       Status.FAIL: VerdictKind.NO_GO}[
                                           engine.item_states()["g"].status]
        give_back()
        await until(lambda: engine.verdict.kind == VerdictKind.GO, within,
                    f"{source} back by itself", every=watch)
        if seen == "error":  # a source that reports its failure logs it, and its return
            outages = [e.message for e in store.events(kinds=[EventKind.SOURCE])]
            assert any("failed" in m for m in outages) and any("is back" in m for m in outages)
    finally:
        await engine.stop()


def engine_for(tmp_path: Path, gate: str, extra: str) -> Engine:
    config = load_config(write_launch(tmp_path, checklist(gate), extra))
    return Engine(config, SqliteStore(config.store_path()), author="chaos@test")


# ------------------------------------------------------------------ Prometheus


async def test_prometheus_stopped_and_restarted(tmp_path):
    from tests.support.prom import OpenMetrics, prometheus_server

    data = OpenMetrics().family("up", "gauge").sample("up", {"job": "x"}, 1, 1_700_000_000).text()
    with prometheus_server(data, tmp_path / "prom") as prom:
        engine = engine_for(tmp_path, "error_rate < 1%", f"""\
            prometheus:
              url: {prom.url}
              every: 0.3s
              timeout: 1s
              stale_after: 2s
              retries: 0
              queries: {{error_rate: {{query: "vector(0.001)", unit: ratio}}}}
            """)
        await away_and_back(engine, "prometheus", prom.stop,
                            lambda: prom.start(), "cannot reach")


# ------------------------------------------------------------------ Kubernetes


def _kube(tmp_path: Path):
    from cockpit.sim.kube.server import KubeSim, write_kubeconfig

    sim = KubeSim("prod", bookmark_every=0.3).start()
    sim.cluster.populate("asr", deployments=1, pods_per=2)
    kc = write_kubeconfig(tmp_path / "kubeconfig", {"prod": sim.url}, namespace="asr")
    config = load_config(write_launch(tmp_path, checklist(
        "pods.total >= 1 and pods.not_ready == 0"), f"""\
        kubernetes:
          kubeconfig: {kc}
          context: prod
          namespace: asr
          every: 0.3s
          stale_after: 2s
          reconnect_min: 0.05s
          reconnect_max: 0.3s
          warning_events: false
        """))
    from cockpit.sources.kube.source import KubeSource

    # A refused (403) watch is retried every 30 s in production; 0.5 s keeps the test short.
    source = KubeSource(config.kubernetes, forbidden_retry=0.5)
    engine = Engine(config, SqliteStore(config.store_path()), sources=[source],
                    author="chaos@test")
    return sim, engine


@pytest.mark.parametrize("fault", ["down", "500", "403"])
async def test_the_kubernetes_api_goes_away_and_comes_back(tmp_path, fault):
    sim, engine = _kube(tmp_path)
    cluster = sim.cluster

    def away() -> None:
        if fault == "down":
            cluster.down = True
        elif fault == "500":
            cluster.fail_status = 500
        else:
            cluster.forbid("pods", "list")
            cluster.forbid("pods", "watch")
        cluster.drop_watches()

    def back() -> None:
        cluster.down, cluster.fail_status = False, None
        cluster.allow("pods", "list")
        cluster.allow("pods", "watch")

    try:
        why = "stale"  # the pods pane names the 403 per resource; gates read it as stale
        await away_and_back(engine, "kube", away, back, why)
    finally:
        sim.stop()


async def test_kubernetes_410_and_dropped_watches_are_survived_without_blindness(tmp_path):
    # An expired resourceVersion (410) and dropped watches are normal life: the source
    # relists and stays live; no GO is ever shown while it is not.
    sim, engine = _kube(tmp_path)
    watch = never_go_while_blind(engine, "kube")
    await engine.start()
    try:
        await until(lambda: engine.verdict.kind == VerdictKind.GO, 20, "GO at first")
        for _ in range(3):
            sim.cluster.compact(expire_open=True)
            sim.cluster.drop_watches()
            await asyncio.sleep(0.4)
            watch()
        sim.cluster.set_ready("asr", sim.cluster.objects("pods", "asr")[0]["metadata"]["name"],
                              False)
        await until(lambda: engine.verdict.kind == VerdictKind.NO_GO, 20,
                    "a change after the relist is seen", every=watch)
    finally:
        await engine.stop()
        sim.stop()


# ------------------------------------------------------------------ the ASR service


@pytest.mark.parametrize(("fault", "why"), [
    ("refuse", "503"), ("silent", "no final"), ("drop_after", "1011"), ("garbage", "json"),
    ("huge_frame", "frame"),
])
async def test_the_asr_service_misbehaves_and_recovers(tmp_path, fault, why):
    from tests.support.asr import asr_sim

    with asr_sim() as (url, faults):
        await _asr(tmp_path, url, faults, fault, why)


async def _asr(tmp_path: Path, url: str, faults, fault: str, why: str) -> None:  # noqa: ANN001
    engine = engine_for(tmp_path, "asr.ok", f"""\
        asr_probe:
          url: {url}
          audio: {ROOT / 'probes/smoke-en.wav'}
          every: 0.5s
          stale_after: 8s
          speed: 8
          timeout: 4s
          connect_timeout: 1s
          final_timeout: 1.5s
          max_frame: 65536
          max_first_partial: 3s
          max_final_latency: 3s
        """)

    def away() -> None:
        value = {"refuse": True, "silent": True, "drop_after": 0.3, "garbage": True,
                 "huge_frame": 1 << 20}[fault]
        setattr(faults, fault, value)

    await away_and_back(engine, "asr", away, faults.clear, why, within=30,
                        outcome=(Status.UNKNOWN, Status.FAIL))


# ------------------------------------------------------------------ NVML


async def test_nvml_failing_and_recovering(tmp_path):
    from cockpit.sources.gpu import GpuSource
    from cockpit.sources.gpu_nvml import NvmlReader
    from tests.support.gpu import FakeGpu, FakeNvml

    nv = FakeNvml([FakeGpu(util=50)])
    config = load_config(write_launch(tmp_path, checklist("gpu.count >= 1"),
                                      "gpu: {source: nvml}\n"))
    source = GpuSource(NvmlReader(lambda: nv, node="bastion-1"), interval=0.2, stale_after=2.0)
    engine = Engine(config, SqliteStore(config.store_path()), sources=[source],
                    author="chaos@test")

    def away() -> None:
        nv.fail_times = 10**9
        nv.fail["nvmlDeviceGetCount"] = FakeNvml.NVML_ERROR_GPU_IS_LOST

    def back() -> None:
        nv.fail.clear()
        nv.fail_times = 1

    await away_and_back(engine, "gpu", away, back, "")
