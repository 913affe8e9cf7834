"""Kubernetes source at scale: 5,000 pods, 100 pod changes per second, and kubectl beside it.

The simulator runs in its own process (`python -m cockpit.sim.kube --churn 100`) so its
CPU is not counted. Each change stamps the pod's `changedAt` annotation with the wall
clock (same machine, same clock), so "change -> seen" is measured the same way for
both watchers:

1. the cockpit's kube source (list, then watch through the real `kubernetes` client):
   time to the first full list, change -> in the store (what the next sample shows; a
   sample adds up to `every`), `sample()` cost, CPU (% of one core) and memory (RSS).
2. `kubectl get pods -w -o custom-columns=NAME,changedAt` (kubectl 1.32 from
   tools/deps.d/kubectl.sh): change -> line printed, its CPU and RSS.

Budgets: change -> seen p95 under 100 ms; source CPU under 10% of a core at 100
changes/s; sample() p95 under 20 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cockpit.config import KubernetesConfig  # noqa: E402
from cockpit.sources.kube import KubeSource  # noqa: E402

PODS = int(os.environ.get("BENCH_KUBE_PODS", "5000"))
RATE = float(os.environ.get("BENCH_KUBE_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_KUBE_SECONDS", "20"))
KUBECTL = ROOT / "tools" / "bin" / "kubectl"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def rss_mib(pid: int | None = None) -> float:
    path = f"/proc/{pid or 'self'}/status"
    for line in Path(path).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_sim(kubeconfig: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit.sim.kube",
            "--pods",
            str(PODS),
            "--deployments",
            str(max(1, PODS // 100)),
            "--churn",
            str(RATE),
            "--kubeconfig",
            str(kubeconfig),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    print(f"simulator: {info['pods']} pods at {info['url']}, {RATE:g} pod changes/s")
    return proc


def bench_source(kubeconfig: Path) -> dict[str, float]:
    cfg = KubernetesConfig(kubeconfig=str(kubeconfig), namespace="asr", every=1.0)
    src = KubeSource(cfg)
    latencies: list[float] = []
    store = src.store
    original = store.apply

    def timed_apply(cluster, resource_, namespace, type_, obj):  # type: ignore[no-untyped-def]
        original(cluster, resource_, namespace, type_, obj)
        stamp = ((obj.get("metadata") or {}).get("annotations") or {}).get("changedAt")
        if stamp:
            latencies.append(time.time() - float(stamp))

    store.apply = timed_apply  # type: ignore[method-assign]
    rss0 = rss_mib()
    t0 = time.perf_counter()
    asyncio.run(src.start())
    listed = time.perf_counter() - t0
    total = len(src.view().pods)
    rss_listed = rss_mib()
    latencies.clear()
    sample_ms: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < SECONDS:
        s = time.perf_counter()
        readings = src.sample_now()
        sample_ms.append((time.perf_counter() - s) * 1000)
        assert readings
        time.sleep(max(0.0, 1.0 - (time.perf_counter() - s)))
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    rss_end = rss_mib()
    asyncio.run(src.close())
    return {
        "pods": total,
        "listed_s": listed,
        "events": len(latencies),
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "sample_p50_ms": statistics.median(sample_ms),
        "sample_p95_ms": pct(sample_ms, 0.95),
        "cpu_pct": cpu * 100,
        "rss_base": rss0,
        "rss_listed": rss_listed,
        "rss_end": rss_end,
    }


def bench_kubectl(kubeconfig: Path) -> dict[str, float] | None:
    if not KUBECTL.exists():
        print("kubectl: not installed (run tools/deps.d/kubectl.sh); side-by-side skipped")
        return None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(KUBECTL),
            "get",
            "pods",
            "-n",
            "asr",
            "-w",
            "-o",
            "custom-columns=NAME:.metadata.name,T:.metadata.annotations.changedAt",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    latencies: list[float] = []
    first_list = [0.0]
    lines = [0]
    measuring = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.time()
            lines[0] += 1
            if lines[0] == PODS + 1:
                first_list[0] = time.perf_counter() - t0
            parts = line.split()
            if measuring.is_set() and len(parts) == 2 and parts[1] not in ("<none>", "T"):
                latencies.append(now - float(parts[1]))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    while lines[0] < PODS + 1 and time.perf_counter() - t0 < 60:
        time.sleep(0.05)
    time.sleep(1.0)
    measuring.set()
    cpu0, wall0 = cpu_seconds(proc.pid), time.perf_counter()
    time.sleep(SECONDS)
    cpu = (cpu_seconds(proc.pid) - cpu0) / (time.perf_counter() - wall0)
    rss = rss_mib(proc.pid)
    proc.terminate()
    proc.wait(5)
    return {
        "listed_s": first_list[0],
        "events": len(latencies),
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "cpu_pct": cpu * 100,
        "rss": rss,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        t0 = time.perf_counter()
        sim = start_sim(kubeconfig)
        print(f"simulator ready in {time.perf_counter() - t0:.1f} s; measuring {SECONDS:g} s each")
        try:
            s = bench_source(kubeconfig)
            sim_cpu = cpu_seconds(sim.pid)
            k = bench_kubectl(kubeconfig)
        finally:
            sim.terminate()
            sim.wait(10)
    print()
    print(f"{'':34}{'cockpit kube source':>22}{'kubectl get pods -w':>22}")
    kv = k or {}

    def row(label: str, a: str, b: str) -> None:
        print(f"{label:34}{a:>22}{b:>22}")

    row("pods listed", f"{s['pods']:.0f}", f"{PODS}" if k else "-")
    row("first full list (s)", f"{s['listed_s']:.2f}", f"{kv.get('listed_s', 0):.2f}" if k else "-")
    row("changes seen", f"{s['events']:.0f}", f"{kv['events']:.0f}" if k else "-")
    row(
        "change -> seen p50 / p95 (ms)",
        f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f}",
        f"{kv['p50_ms']:.1f} / {kv['p95_ms']:.1f}" if k else "-",
    )
    row("change -> seen max (ms)", f"{s['max_ms']:.1f}", f"{kv['max_ms']:.1f}" if k else "-")
    row("CPU, % of one core", f"{s['cpu_pct']:.1f}", f"{kv['cpu_pct']:.1f}" if k else "-")
    row(
        "RSS (MiB)",
        f"{s['rss_end']:.0f} ({s['rss_end'] - s['rss_base']:+.0f} for pods)",
        f"{kv['rss']:.0f}" if k else "-",
    )
    print(f"sample() p50 / p95: {s['sample_p50_ms']:.2f} / {s['sample_p95_ms']:.2f} ms")
    print(f"simulator CPU so far: {sim_cpu:.1f} s (not counted above)")
    print(
        f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    ok_lat = s["p95_ms"] < 100
    ok_cpu = s["cpu_pct"] < 10
    ok_sample = s["sample_p95_ms"] < 20
    print(
        f"budget change->seen p95 < 100 ms: {'PASS' if ok_lat else 'FAIL'}; "
        f"CPU < 10%: {'PASS' if ok_cpu else 'FAIL'}; sample p95 < 20 ms: "
        f"{'PASS' if ok_sample else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
