"""Kubernetes source at scale: 5,000 pods, 100 pod changes per second, and kubectl beside it.

Both watch the same changes at the same time (fair under the same load). The
simulator runs in its own process (`python -m cockpit.sim.kube --churn 100`) so its
CPU is not counted. Each change stamps the pod's `changedAt` annotation with the wall
clock (same machine, same clock), so "change -> seen" is measured the same way for
both watchers:

1. the cockpit's kube source (list, then watch through the real `kubernetes` client):
   time to the first full list, change -> in the store (what the next sample shows; a
   sample adds up to `every`), `sample()` cost, CPU (% of one core) and memory (RSS).
2. `kubectl get pods -w -o custom-columns=NAME,changedAt` (kubectl 1.32 from
   tools/deps.d/kubectl.sh): change -> line printed (stamped on arrival by a small
   separate process), its CPU and RSS.

3. the pods pane in `cockpit run` under a real pseudo-terminal (read by pyte) at 200x60
   and 80x24, on the same churn: `j`/`k` key-to-screen latency, the whole app's CPU,
   RSS and bytes per second to the terminal.

Budgets: change -> seen p95 under 100 ms; source CPU under 10% of a core at 100
changes/s; sample() p95 under 20 ms; pane key-to-screen p95 under 100 ms.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cockpit.config import KubernetesConfig  # noqa: E402
from cockpit.sources.kube.source import KubeSource  # noqa: E402

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


def bench_source(kubeconfig: Path, kubectl_pid: int | None) -> dict[str, float]:
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
    rss_bare = rss_mib()
    import kubernetes.client  # noqa: F401 - so the delta below is the pods, not the import
    import kubernetes.config  # noqa: F401

    rss0 = rss_mib()
    t0 = time.perf_counter()
    asyncio.run(src.start())
    listed = time.perf_counter() - t0
    total = len(src.view().pods)
    rss_listed = rss_mib()
    gc_pauses: list[float] = []
    gc_start = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        elif info.get("generation") == 2:
            gc_pauses.append((time.perf_counter() - gc_start[0]) * 1000)

    gc.callbacks.append(on_gc)
    time.sleep(1.0)
    latencies.clear()
    sample_ms: list[float] = []
    since = time.time()
    k_cpu0 = cpu_seconds(kubectl_pid) if kubectl_pid else 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < SECONDS:
        s = time.perf_counter()
        readings = src.sample_now()
        sample_ms.append((time.perf_counter() - s) * 1000)
        assert readings
        time.sleep(max(0.0, 1.0 - (time.perf_counter() - s)))
    wall = time.perf_counter() - wall0
    cpu = (time.process_time() - cpu0) / wall
    k_cpu = (cpu_seconds(kubectl_pid) - k_cpu0) / wall if kubectl_pid else 0.0
    k_rss = rss_mib(kubectl_pid) if kubectl_pid else 0.0
    until = time.time()
    gc.callbacks.remove(on_gc)
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
        "rss_client": rss0 - rss_bare,
        "rss_listed": rss_listed,
        "rss_end": rss_end,
        "since": since,
        "until": until,
        "k_cpu": k_cpu,
        "k_rss": k_rss,
        "gc2_n": len(gc_pauses),
        "gc2_max_ms": max(gc_pauses) if gc_pauses else 0.0,
    }


STAMPER = """
import sys, time
out = open(sys.argv[1], "w", buffering=1)
for line in sys.stdin:
    out.write(f"{time.time():.6f} {line}")
"""


def start_kubectl(kubeconfig: Path, out: Path) -> tuple[subprocess.Popen, subprocess.Popen] | None:
    """`kubectl get pods -w`, its lines stamped on arrival by a separate small process (so
    neither shares this process's GIL)."""
    if not KUBECTL.exists():
        print("kubectl: not installed (run tools/deps.d/kubectl.sh); side-by-side skipped")
        return None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    kubectl = subprocess.Popen(
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
    )
    stamper = subprocess.Popen([sys.executable, "-c", STAMPER, str(out)], stdin=kubectl.stdout)
    assert kubectl.stdout is not None
    kubectl.stdout.close()
    return kubectl, stamper


def kubectl_figures(out: Path, since: float, until: float, cpu: float, rss: float) -> dict:
    latencies = []
    listed = 0
    first = None
    for line in out.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        seen = float(parts[0])
        first = first or seen
        listed += 1
        if parts[2] in ("<none>", "T"):
            continue
        changed = float(parts[2])
        if since <= changed <= until:
            latencies.append(seen - changed)
    return {
        "events": len(latencies),
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "cpu_pct": cpu * 100,
        "rss": rss,
    }


PANE_KEYS = int(os.environ.get("BENCH_KUBE_KEYS", "150"))
PANE_BUDGET_MS = 100.0


def write_pane_launch(tmp: Path, kubeconfig: Path) -> tuple[Path, Path]:
    (tmp / "checklist.yaml").write_text(
        "title: bench\nsections:\n  - title: Kubernetes\n    items:\n"
        '      - {id: crash, text: No crash loops, auto: "pods.crashlooping == 0"}\n'
        '      - {id: ready, text: Pods ready, auto: "pods.not_ready < 100"}\n'
    )
    layout = tmp / "pods.yaml"
    layout.write_text(
        "name: pods\ndescription: bench\ncolumns: 1\nrows: [4, 1fr]\npanes:\n"
        "  - {type: verdict, row: 0, col: 0}\n  - {type: pods, row: 1, col: 0}\n"
    )
    config = tmp / "launch.yaml"
    config.write_text(
        f"launch: kube bench\nchecklist: checklist.yaml\nstore: {tmp}/events.db\n"
        f"kubernetes: {{kubeconfig: {kubeconfig}, namespace: asr, every: 1s}}\n"
    )
    return config, layout


def cursor_row(term, top: int) -> int | None:  # type: ignore[no-untyped-def]
    """The screen row (below `top`) whose pod line is drawn reversed: the list's cursor."""
    with term.lock:
        for y in range(top, term.rows):
            line = term.screen.buffer[y]
            if sum(1 for x in range(2, 40) if line[x].reverse) > 20:
                return y
    return None


def bench_pane(kubeconfig: Path, tmp: Path, cols: int, rows: int) -> dict[str, float]:
    """`cockpit run` in a real pseudo-terminal (read by pyte) on the churning simulator:
    `j`/`k` on the pod list, from writing the key until the reversed row has moved."""
    from tests.support.pty_app import PtyApp

    cockpit = str(Path(sys.executable).with_name("cockpit"))
    config, layout = write_pane_launch(tmp, kubeconfig)
    term = PtyApp([cockpit, "run", str(config), "--layout", str(layout)], cols, rows)
    try:
        term.wait_for(lambda text: f"{PODS} pods" in text and " STATUS " in text, 60)
        with term.lock:
            display = list(term.screen.display)
        header = next(
            y for y, line in enumerate(display) if " NAME " in line and " STATUS " in line
        )
        for _ in range(6):  # focus the pod list (tab moves between focusable widgets)
            if cursor_row(term, header + 1) is not None:
                break
            term.write("\t")
            time.sleep(0.3)
        if cursor_row(term, header + 1) is None:
            raise RuntimeError("the pod list never took focus")
        time.sleep(1.0)
        cpu0, wall0 = cpu_seconds(term.proc.pid), time.perf_counter()
        latencies = []
        for i in range(PANE_KEYS):
            before = cursor_row(term, header + 1)
            sent = time.perf_counter()
            term.write("j" if i % 2 == 0 else "k")
            deadline = sent + 2.0
            while time.perf_counter() < deadline:
                with term.lock:
                    term._changed.wait(0.005)  # noqa: SLF001
                if cursor_row(term, header + 1) not in (before, None):
                    break
            latencies.append((time.perf_counter() - sent) * 1000)
            time.sleep(0.05)
        wall = time.perf_counter() - wall0
        cpu = (cpu_seconds(term.proc.pid) - cpu0) / wall
        rss = rss_mib(term.proc.pid)
        with term.lock:
            start = len(term.chunks)
        t0 = time.perf_counter()
        time.sleep(5.0)
        with term.lock:
            idle_bytes = sum(n for _, n in term.chunks[start:]) / (time.perf_counter() - t0)
        term.write("q")
        try:
            term.wait(10)
        except subprocess.TimeoutExpired:
            pass
    finally:
        term.kill()
    return {
        "p50": statistics.median(latencies),
        "p95": pct(latencies, 0.95),
        "max": max(latencies),
        "keys": len(latencies),
        "cpu_pct": cpu * 100,
        "rss": rss,
        "bytes_s": idle_bytes,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        t0 = time.perf_counter()
        sim = start_sim(kubeconfig)
        print(f"simulator ready in {time.perf_counter() - t0:.1f} s; measuring {SECONDS:g} s each")
        out = Path(tmp) / "kubectl.out"
        procs = start_kubectl(kubeconfig, out)
        k = None
        panes: list[tuple[int, int, dict[str, float]]] = []
        try:
            s = bench_source(kubeconfig, procs[0].pid if procs else None)
            sim_cpu = cpu_seconds(sim.pid)
            if procs:
                k = kubectl_figures(out, s["since"], s["until"], s["k_cpu"], s["k_rss"])
            for p in procs or ():
                p.terminate()
                p.wait(5)
            procs = None
            for cols, rows in ((200, 60), (80, 24)):
                panes.append((cols, rows, bench_pane(kubeconfig, Path(tmp), cols, rows)))
        finally:
            for p in procs or ():
                p.terminate()
                p.wait(5)
            sim.terminate()
            sim.wait(10)
    print()
    print(f"{'':34}{'cockpit kube source':>22}{'kubectl get pods -w':>22}")
    kv = k or {}

    def row(label: str, a: str, b: str) -> None:
        print(f"{label:34}{a:>22}{b:>22}")

    row("pods listed", f"{s['pods']:.0f}", f"{PODS}" if k else "-")
    row("first full list (s)", f"{s['listed_s']:.2f}", "")
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
        f"{s['rss_end']:.0f} ({s['rss_end'] - s['rss_base']:+.0f} pods)",
        f"{kv['rss']:.0f}" if k else "-",
    )
    print(f"importing the kubernetes client: {s['rss_client']:+.0f} MiB of that RSS")
    print(f"sample() p50 / p95: {s['sample_p50_ms']:.2f} / {s['sample_p95_ms']:.2f} ms")
    print(f"simulator CPU so far: {sim_cpu:.1f} s (not counted above)")
    print(f"gen-2 GC pauses in the source's process: {s['gc2_n']}, max {s['gc2_max_ms']:.1f} ms")
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of this process: {max_rss:.0f} MiB")
    print()
    for cols, rows, pane in panes:
        verdict = "PASS" if pane["p95"] < PANE_BUDGET_MS else "FAIL"
        print(
            f"pods pane in `cockpit run` {cols}x{rows} ({PODS} pods, {RATE:g} changes/s): "
            f"key-to-screen p50 {pane['p50']:.1f} ms, p95 {pane['p95']:.1f} ms, "
            f"max {pane['max']:.1f} ms over {pane['keys']:.0f} keys (budget p95 < "
            f"{PANE_BUDGET_MS:.0f} ms: {verdict}); whole app CPU {pane['cpu_pct']:.1f}% of a "
            f"core, RSS {pane['rss']:.0f} MiB, output {pane['bytes_s'] / 1024:.1f} KiB/s"
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
