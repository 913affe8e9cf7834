"""What watching costs, beside the dashboards people keep open: glances, btop, dolphie.

In one run, on the same machine, each program in a real pseudo-terminal at 80x24 and
200x60 (TERM=xterm-256color, no COLORTERM), 8 s of warm-up then 60 s measured
(bench/pty_measure.py): CPU of the whole process tree (% of one core), bytes/s to the
terminal, peak RSS of the program (MB; of its tree too: the cockpit runs helm now and
then for the release source).

Why 60 s and three runs: the cockpit's sources sample on one grid of their intervals
(engine/running.py, until_next), and every default interval but the 5-minute ones
divides 60 s (kube 2 s, Prometheus and GPUs 5 s, health and ports 10 s, alerts 15 s,
helm 30 s, the ASR probe 60 s). A 60 s window holds each of them a whole number of
times wherever it starts; a 30 s one held the probe run (and one or two helm runs) or
not, by where it started. Runs still differ (the demo's scenario is busier in its first
minutes, and the machine is shared), so the two sides of the CPU budget, the cockpit
and glances, are measured BENCH_PEERS_REPEAT times (3), alternately at each size, and
compared by their medians; every run is printed and kept in the JSON. The other
programs are measured once.

- cockpit: `cockpit run` on the demo's config (`cockpit demo --print-config
  --no-scripted-fault`: the simulated cluster, Prometheus with DCGM metrics, the ASR
  service and /health, every pane live), launch layout, with every source at its default
  interval (`at_default_intervals`), as issue 14 measures it and as the reference config
  (examples/reference.yaml) keeps them; the upload job check, which has no default that
  fits an upload, at the reference config's 5 m. The rehearsal samples quicker (health,
  ports and alerts every 5 s, the ASR probe every 20 s, certificates every minute, the
  job every 30 s: a scripted fault must show within minutes): that config is measured
  too, as `demo` (reported with its ratios; the budget is the default intervals').
  The simulators run in their own process: their CPU is not counted.
- glances -t 2 (Debian), btop (Debian, its default 2 s), dolphie -r 2 (PyPI, a Textual
  dashboard too) on the machine's MariaDB at 127.0.0.1:3306 as root with no password.
  `tools/bench.d/peers.sh` (run by `make bench`) installs them; one that is missing, or
  that cannot show its screen (no MariaDB), is reported as skipped with the reason.
- The cockpit's first frame on the demo config (spawn until the verdict, checklist, pods
  and log are on screen; with the CPU the process had used by then) and key-to-screen
  latency (`j`/`k` on the checklist) while every pane is live. The checkout's bytecode
  is compiled first (`compile_bytecode`), as any installed copy has it (pip compiles a
  wheel's modules): an editable checkout under PYTHONDONTWRITEBYTECODE=1 (set on some
  machines, this one included) would otherwise compile every cockpit module's source at
  each start, ~0.07 s of CPU before the first frame that no installed cockpit pays. The
  peers, installed by pip, have theirs.
- The pods pane at scale: `cockpit run` with a verdict and the pods pane on the kube
  simulator with 5,000 pods and 100 pod changes/s, measured by the same harness.

Prints one table with the cockpit's ratio to each peer and the budgets of issue 14, and
writes everything to bench/results/peers-<UTC time>.json so runs can be compared.
The machine's load average is printed before each measurement: on a shared 2-core
machine CPU figures are noisy, so ratios (measured minutes apart) hold better than
absolute values. Environment: BENCH_PEERS_WARMUP, BENCH_PEERS_SECONDS,
BENCH_PEERS_REPEAT (8, 60, 3), BENCH_PEERS_ONLY (comma list of
cockpit,demo,glances,btop,dolphie,pods,keys).
Exit 1 when a budget is missed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.pty_measure import Measured, loadavg, measure  # noqa: E402
from tests.support.pty_app import PtyApp  # noqa: E402

BIN = Path(sys.executable).parent
COCKPIT = str(BIN / "cockpit")
PEERS_VENV = ROOT / ".venv-peers" / "bin"
WARMUP = float(os.environ.get("BENCH_PEERS_WARMUP", "8"))
SECONDS = float(os.environ.get("BENCH_PEERS_SECONDS", "60"))  # see the docstring
REPEAT = max(1, int(os.environ.get("BENCH_PEERS_REPEAT", "3")))
REPEATED = ("cockpit", "glances")  # the two sides of the CPU budget
ONLY = {s for s in os.environ.get("BENCH_PEERS_ONLY", "").split(",") if s}
SIZES = ((80, 24), (200, 60))
RESULTS = ROOT / "bench" / "results"
PODS, CHURN = 5000, 100.0
MARIADB = ("127.0.0.1", 3306)

# Budgets (issue 14).
RSS_BUDGET_MB = 90.0
FIRST_FRAME_BUDGET_S = 0.6
KEY_P95_BUDGET_MS = 20.0
PODS_CPU_BUDGET = 10.0
PODS_BYTES_BUDGET = 8 * 1024


def wanted(name: str) -> bool:
    return not ONLY or name in ONLY


# ------------------------------------------------------------------ the simulators


class DemoSims:
    """`cockpit demo --print-config --no-scripted-fault` in its own process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [COCKPIT, "demo", "--print-config", "--no-scripted-fault"], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.config: Path | None = None
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 90
        for line in self.proc.stdout:
            if line.startswith("config: "):
                self.config = Path(line.split(": ", 1)[1].strip())
            if line.startswith("simulators running"):
                break
            if time.monotonic() > deadline:
                break
        if self.config is None:
            self.stop()
            raise RuntimeError("cockpit demo --print-config did not start its simulators")
        # Keep reading its notes so the pipe never fills.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# Sections whose `every` (and `stale_after`, kept at three intervals) the rehearsal sets.
_SAMPLED = ("tls", "alerts", "release", "kubernetes", "prometheus", "gpu", "asr_probe")
JOB_EVERY = "5m"  # the reference config's upload job check


def at_default_intervals(config: Path) -> Path:
    """The demo's launch config with every source at its default interval (the rehearsal's
    own `every`/`stale_after` dropped), the upload job check at JOB_EVERY; written beside
    it. Nothing else changes: the same simulators, checklist, layout and event log."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))

    def default(section: object) -> None:
        if isinstance(section, dict):
            section.pop("every", None)
            section.pop("stale_after", None)

    for name in _SAMPLED:
        default(data.get(name))
    for group in ("http", "tcp"):
        for check in (data.get(group) or {}).values():
            default(check)
            if isinstance(check, dict) and "job" in check:
                check["every"] = JOB_EVERY
    out = config.with_name("launch-default-intervals.yaml")
    out.write_text(yaml.safe_dump(data, sort_keys=False, width=120), encoding="utf-8")
    return out


def start_kube_sim(kubeconfig: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit.sim.kube", "--pods", str(PODS), "--deployments",
         str(PODS // 100), "--churn", str(CHURN), "--kubeconfig", str(kubeconfig)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    json.loads(proc.stdout.readline())
    return proc


def write_pods_launch(tmp: Path, kubeconfig: Path) -> tuple[Path, Path]:
    (tmp / "checklist.yaml").write_text(
        "title: bench\nsections:\n  - title: Kubernetes\n    items:\n"
        '      - {id: crash, text: No crash loops, auto: "pods.crashlooping == 0"}\n'
        '      - {id: ready, text: Pods ready, auto: "pods.not_ready < 100"}\n')
    layout = tmp / "pods.yaml"
    layout.write_text(
        "name: pods\ndescription: bench\ncolumns: 1\nrows: [4, 1fr]\npanes:\n"
        "  - {type: verdict, row: 0, col: 0}\n  - {type: pods, row: 1, col: 0}\n")
    config = tmp / "launch.yaml"
    config.write_text(
        f"launch: kube bench\nchecklist: checklist.yaml\nstore: {tmp}/events.db\n"
        f"kubernetes: {{kubeconfig: {kubeconfig}, namespace: asr, every: 2s}}\n")
    return config, layout


# ------------------------------------------------------------------ the peers


def mariadb_up() -> str | None:
    try:
        with socket.create_connection(MARIADB, timeout=2):
            return None
    except OSError as exc:
        return f"no MariaDB at {MARIADB[0]}:{MARIADB[1]} ({exc.strerror or exc})"


def peers(home: Path) -> dict[str, tuple[list[str] | None, str | None]]:
    """name -> (argv, why skipped)."""
    out: dict[str, tuple[list[str] | None, str | None]] = {}
    glances = shutil.which("glances")
    out["glances"] = (([glances, "-t", "2", "--disable-check-update"], None) if glances
                      else (None, "glances not installed (tools/bench.d/peers.sh)"))
    btop = shutil.which("btop")
    out["btop"] = (([btop], None) if btop
                   else (None, "btop not installed (tools/bench.d/peers.sh)"))
    dolphie = PEERS_VENV / "dolphie"
    if not dolphie.exists():
        out["dolphie"] = (None, "dolphie not installed in .venv-peers (tools/bench.d/peers.sh)")
    elif (why := mariadb_up()) is not None:
        out["dolphie"] = (None, why)
    else:
        out["dolphie"] = ([str(dolphie), "-h", MARIADB[0], "-P", str(MARIADB[1]), "-u", "root",
                           "-r", "2"], None)
    return out


def drew(text: str) -> bool:
    return sum(1 for ch in text if not ch.isspace()) > 100


# ------------------------------------------------------------------ first frame, keys


def cockpit_ready(text: str) -> bool:
    """The whole first frame of the demo's launch layout: the panes, the verdict in big
    letters and the status bar's layout and clock. A frame with the panes drawn before
    they had their sizes (the verdict on one line, the status bar's right end missing)
    does not count: until 8c96abd that one came ~0.1 s before the whole one."""
    return ("asr 2.4.0 rehearsal" in text and "Incident log" in text
            and "Checklist" in text and "Pods" in text
            and "█▀▀█" in text and "layout launch" in text)


def first_frames(config: Path, cols: int, rows: int, starts: int = 5,
                 cpu: list[float] | None = None) -> list[float]:
    """Seconds from spawn to the first frame, each start; `cpu` gets the CPU seconds the
    process had used by then (all its threads, read as the frame's bytes came in): on a
    shared machine the CPU to the first frame moves less than the time does."""
    times = []
    for _ in range(starts):
        term = PtyApp([COCKPIT, "run", str(config), "--layout", "launch"], cols, rows,
                      track_cpu=True)
        try:
            at = term.wait_for(cockpit_ready, 30)
            times.append(at - term.started)
            used = term.cpu_at(at)
            if cpu is not None and used is not None:
                cpu.append(used)
            term.write("q")
            term.wait(10)
        finally:
            term.kill()
    return times


def cursor_rows(term: PtyApp, x: int) -> tuple:
    with term.lock:
        return tuple(term.screen.buffer[y][x].bg for y in range(term.rows))


def key_latency(config: Path, cols: int, rows: int, keys: int = 120) -> list[float]:
    """`j`/`k` on the checklist (focused first), every pane live: from writing the key
    until the bytes that move the cursor row's highlight arrive."""
    term = PtyApp([COCKPIT, "run", str(config), "--layout", "launch"], cols, rows)
    try:
        term.wait_for(cockpit_ready, 30)
        time.sleep(WARMUP)
        x = 8
        latencies = []
        for i in range(keys):
            before = cursor_rows(term, x)
            sent = time.perf_counter()
            term.write("j" if i % 2 == 0 else "k")
            seen = sent + 2.0
            while time.perf_counter() < sent + 2.0:
                with term.lock:
                    term._changed.wait(0.005)  # noqa: SLF001
                if cursor_rows(term, x) != before:
                    seen = term.last_arrival()
                    break
            latencies.append((seen - sent) * 1000)
            time.sleep(0.05)
        return latencies
    finally:
        term.kill()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")


def combined(runs: list[Measured]) -> Measured:
    """Repeated runs of one program at one size as one: median CPU and bytes/s, peak RSS.
    Skipped when any run was (its reason); one run is itself."""
    skipped = next((m for m in runs if m.skipped), None)
    if skipped is not None or len(runs) == 1:
        return skipped or runs[0]
    return dataclasses.replace(
        runs[0], cpu_pct=statistics.median(m.cpu_pct for m in runs),
        bytes_s=statistics.median(m.bytes_s for m in runs),
        rss_mb=max(m.rss_mb for m in runs), tree_rss_mb=max(m.tree_rss_mb for m in runs),
        seconds=sum(m.seconds for m in runs))


def each_run(runs: dict[str, dict[tuple[int, int], list[Measured]]]) -> list[str]:
    """One line per repeated program and size: every run's CPU and bytes/s, in order."""
    lines = []
    for name, by in runs.items():
        for (cols, rows), ms in by.items():
            if len(ms) < 2 or any(m.skipped for m in ms):
                continue
            cpu = " ".join(f"{m.cpu_pct:.2f}" for m in ms)
            byt = " ".join(f"{m.bytes_s:,.0f}" for m in ms)
            lines.append(f"{name} {cols}x{rows}, {len(ms)} runs: CPU % {cpu} (median "
                         f"{statistics.median(m.cpu_pct for m in ms):.2f}); bytes/s {byt}")
    return lines


# ------------------------------------------------------------------ the run


def run_one(label: str, argv: list[str], cols: int, rows: int, *, ready: Callable[[str], bool],
            env: dict[str, str] | None = None, cwd: str | None = None) -> Measured:
    load = loadavg()
    print(f"  {label:8} {cols}x{rows}: load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ...",
          end="", flush=True)
    m = measure(label, argv, cols, rows, warmup=WARMUP, seconds=SECONDS, env=env, cwd=cwd,
                ready=ready)
    if m.skipped:
        print(f" skipped: {m.skipped}")
        for line in m.screen:
            print(f"      | {line[:100]}")
    else:
        print(f" CPU {m.cpu_pct:.1f}%, {m.bytes_s:,.0f} B/s, RSS {m.rss_mb:.0f} MB "
              f"(tree {m.tree_rss_mb:.0f})")
    return m


def fmt(v: float, spec: str) -> str:
    return "-" if v != v else format(v, spec)  # NaN -> "-"


def table(results: dict[str, dict[tuple[int, int], Measured]], names: list[str]) -> list[str]:
    lines = []
    head = f"{'':32}" + "".join(f"{n:>14}" for n in names)
    lines.append(head)

    def row(label: str, get: Callable[[Measured], float], spec: str) -> None:
        cells = []
        for n in names:
            vals = [get(m) for m in results.get(n, {}).values() if not m.skipped]
            cells.append(fmt(vals[0] if vals else float("nan"), spec))
        lines.append(f"{label:32}" + "".join(f"{c:>14}" for c in cells))

    for cols, rows in SIZES:
        for label, key, spec in (("CPU, % of a core", "cpu_pct", ".2f"),
                                 ("bytes/s to the terminal", "bytes_s", ",.0f")):
            cells = []
            for n in names:
                m = results.get(n, {}).get((cols, rows))
                cells.append(fmt(getattr(m, key) if m and not m.skipped else float("nan"), spec))
            lines.append(f"{f'{cols}x{rows}, {label}':32}" + "".join(f"{c:>14}" for c in cells))
    cells = []
    for n in names:
        vals = [m.rss_mb for m in results.get(n, {}).values() if not m.skipped]
        cells.append(fmt(max(vals) if vals else float("nan"), ".0f"))
    lines.append(f"{'RSS, MB (peak)':32}" + "".join(f"{c:>14}" for c in cells))
    cells = []
    for n in names:
        vals = [m.tree_rss_mb for m in results.get(n, {}).values() if not m.skipped]
        cells.append(fmt(max(vals) if vals else float("nan"), ".0f"))
    lines.append(f"{'RSS of the tree (children), MB':32}" + "".join(f"{c:>14}" for c in cells))
    return lines


def ratios(results: dict[str, dict[tuple[int, int], Measured]], names: list[str]) -> list[str]:
    """The cockpit's ratio to each peer: at default intervals, then at the demo's."""
    lines = []
    for me, label in (("cockpit", "cockpit"), ("demo", "cockpit at the demo's intervals")):
        mine = results.get(me, {})
        for peer in names:
            if peer in ("cockpit", "demo", "pods") or peer not in results or not mine:
                continue
            parts = []
            for (cols, rows), theirs in results[peer].items():
                ours = mine.get((cols, rows))
                if ours is None or ours.skipped or theirs.skipped:
                    continue
                cpu = ours.cpu_pct / theirs.cpu_pct if theirs.cpu_pct else float("inf")
                byt = ours.bytes_s / theirs.bytes_s if theirs.bytes_s else float("inf")
                parts.append(f"{cols}x{rows} CPU x{cpu:.2f}, bytes x{byt:.2f}")
            if parts:
                lines.append(f"{label} / {peer}: " + "; ".join(parts))
    return lines


def compile_bytecode() -> None:
    """The checkout's modules compiled to __pycache__, as installing them does (see the
    module's docstring); py_compile writes them whatever PYTHONDONTWRITEBYTECODE says."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "cockpit")],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    report: dict = {"started": started, "warmup_s": WARMUP, "seconds": SECONDS,
                    "repeat": REPEAT,
                    "cpus": os.cpu_count(), "load_at_start": loadavg(), "runs": {}}
    results: dict[str, dict[tuple[int, int], Measured]] = {}
    ok = True
    budget_lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        peer_env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        sims = DemoSims() if wanted("cockpit") or wanted("demo") or wanted("keys") else None
        try:
            if sims is not None:
                print(f"demo simulators up; config {sims.config}")
                time.sleep(5)  # the scenario's first steps (rollout to 2.4.0 starts at 0:30)
            plan = peers(home)
            config = at_default_intervals(sims.config) if sims is not None else None
            runs: dict[str, dict[tuple[int, int], list[Measured]]] = {}

            def add(name: str, size: tuple[int, int], m: Measured) -> None:
                runs.setdefault(name, {}).setdefault(size, []).append(m)

            for cols, rows in SIZES:
                for turn in range(REPEAT):  # the cockpit and glances alternately
                    if sims is not None and wanted("cockpit"):
                        add("cockpit", (cols, rows), run_one(
                            "cockpit", [COCKPIT, "run", str(config), "--layout", "launch"],
                            cols, rows, ready=cockpit_ready))
                    if sims is not None and wanted("demo") and turn == 0:
                        add("demo", (cols, rows), run_one(
                            "demo", [COCKPIT, "run", str(sims.config), "--layout", "launch"],
                            cols, rows, ready=cockpit_ready))
                    for name, (argv, why) in plan.items():
                        if not wanted(name) or (turn > 0 and name not in REPEATED):
                            continue
                        if argv is None:
                            if turn == 0:
                                add(name, (cols, rows), Measured(name, cols, rows, skipped=why))
                            continue
                        add(name, (cols, rows), run_one(
                            name, argv, cols, rows, ready=drew, env=peer_env, cwd=str(home)))
            for name, by in runs.items():
                for size, ms in by.items():
                    results.setdefault(name, {})[size] = combined(ms)
            report["each_run"] = {f"{n}_{c}x{r}": [m.as_json() for m in ms]
                                  for n, by in runs.items() for (c, r), ms in by.items()}
            report["each_run_lines"] = each_run(runs)
            if sims is not None and wanted("keys"):
                load = loadavg()
                print(f"  first frame and keys, load {load[0]:.2f}: ...", flush=True)
                for cols, rows in SIZES:
                    cpu: list[float] = []
                    frames = first_frames(config, cols, rows, cpu=cpu)
                    lat = key_latency(config, cols, rows)
                    report["runs"][f"first_frame_{cols}x{rows}"] = frames
                    report["runs"][f"first_frame_cpu_{cols}x{rows}"] = cpu
                    report["runs"][f"keys_{cols}x{rows}"] = lat
                    worst, q = max(frames), p95(lat)
                    good = worst < FIRST_FRAME_BUDGET_S and q < KEY_P95_BUDGET_MS
                    ok &= good
                    budget_lines.append(
                        f"first frame {cols}x{rows}: median {statistics.median(frames):.3f} s, "
                        f"max {worst:.3f} s (budget < {FIRST_FRAME_BUDGET_S} s), CPU to it "
                        f"median {statistics.median(cpu or [math.nan]) * 1000:.0f} ms; "
                        f"key-to-screen p50 {statistics.median(lat):.1f} ms, p95 {q:.1f} ms "
                        f"(budget < {KEY_P95_BUDGET_MS:.0f} ms): {'ok' if good else 'OVER BUDGET'}")
        finally:
            if sims is not None:
                sims.stop()
        if wanted("pods"):
            kubeconfig = Path(tmp) / "kubeconfig"
            sim = start_kube_sim(kubeconfig)
            try:
                config, layout = write_pods_launch(Path(tmp), kubeconfig)
                for cols, rows in SIZES:
                    results.setdefault("pods", {})[(cols, rows)] = run_one(
                        "pods", [COCKPIT, "run", str(config), "--layout", str(layout)],
                        cols, rows, ready=lambda t: f"{PODS} pods" in t)
            finally:
                sim.terminate()
                sim.wait(10)

    names = [n for n in ("cockpit", "demo", "glances", "btop", "dolphie", "pods")
             if n in results]
    print()
    print("\n".join(table(results, names)))
    skipped = {f"{n}": m.skipped for n, by in results.items() for m in by.values() if m.skipped}
    for n, why in skipped.items():
        print(f"skipped {n}: {why}")
    print("\n".join(report.get("each_run_lines", [])))
    print("\n".join(ratios(results, names)))

    mine = results.get("cockpit", {})
    glances = results.get("glances", {})
    for (cols, rows), ours in mine.items():
        theirs = glances.get((cols, rows))
        if ours.skipped:
            ok = False
            budget_lines.append(f"cockpit {cols}x{rows}: not measured ({ours.skipped})")
            continue
        if theirs is not None and not theirs.skipped:
            good_cpu = ours.cpu_pct <= theirs.cpu_pct
            good_bytes = ours.bytes_s <= theirs.bytes_s
            ok &= good_cpu and good_bytes
            budget_lines.append(
                f"{cols}x{rows}: CPU {ours.cpu_pct:.2f}% vs glances {theirs.cpu_pct:.2f}% "
                f"(medians of {REPEAT}; budget <=, aim half): "
                f"{'ok' if good_cpu else 'OVER BUDGET'}; bytes/s "
                f"{ours.bytes_s:,.0f} vs glances {theirs.bytes_s:,.0f}: "
                f"{'ok' if good_bytes else 'OVER BUDGET'}")
        good_rss = ours.rss_mb < RSS_BUDGET_MB
        ok &= good_rss
        budget_lines.append(f"{cols}x{rows}: RSS {ours.rss_mb:.0f} MB (budget < "
                            f"{RSS_BUDGET_MB:.0f}): {'ok' if good_rss else 'OVER BUDGET'}")
    for (cols, rows), ours in results.get("demo", {}).items():
        theirs = glances.get((cols, rows))
        if ours.skipped or theirs is None or theirs.skipped:
            continue
        budget_lines.append(  # the rehearsal's quicker sampling: shown, not the budget
            f"{cols}x{rows} at the demo's intervals: CPU {ours.cpu_pct:.1f}% vs glances "
            f"{theirs.cpu_pct:.1f}%, bytes/s {ours.bytes_s:,.0f} (not a budget: the issue "
            f"measures default intervals)")
    for (cols, rows), m in results.get("pods", {}).items():
        if m.skipped:
            continue
        good = m.cpu_pct < PODS_CPU_BUDGET and (
            (cols, rows) != (200, 60) or m.bytes_s < PODS_BYTES_BUDGET)
        ok &= good
        budget_lines.append(
            f"pods pane {PODS} pods at {CHURN:g} changes/s, {cols}x{rows}: CPU {m.cpu_pct:.1f}% "
            f"(budget < {PODS_CPU_BUDGET:.0f}%), {m.bytes_s / 1024:.1f} KiB/s"
            f"{' (budget < 8 KiB/s)' if (cols, rows) == (200, 60) else ''}, RSS "
            f"{m.rss_mb:.0f} MB: {'ok' if good else 'OVER BUDGET'}")
    print()
    print("\n".join(budget_lines))
    report["runs"].update({f"{n}_{c}x{r}": m.as_json() for n, by in results.items()
                           for (c, r), m in by.items()})
    report["table"] = table(results, names)
    report["ratios"] = ratios(results, names)
    report["budgets"] = budget_lines
    report["load_at_end"] = loadavg()
    out = RESULTS / f"peers-{started}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
