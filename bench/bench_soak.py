"""An 8-hour watch in minutes: does the cockpit's memory stay flat over a long shift?

The demo's simulators run in their own process (this file with `--sims`), with the
rehearsal's script at SPEED times real time, one fault injected per simulated hour
(5xx spikes, latency, crash loops, slow or wrong ASR answers, XID errors, a stalled
rollout, Prometheus down; each heals on its own), and pod changes on top of the
script's (one per 5 simulated seconds). This process runs the cockpit itself: the
real Engine with its real sources on the demo's config, every interval divided by
SPEED (Prometheus + DCGM, /health, the ASR probe streaming at SPEED times real time,
the kube watch), and the screen (`CockpitApp`, launch layout, 200x60, Textual's
headless driver: laid out and rendered, not written to a terminal) whose clock ticks
and coalesced repaints are sped up too, as far as one core allows.

Reported: RSS of this process (the cockpit; the simulators are elsewhere) at the start
(after the first samples), at every simulated hour and at the end; the event log's
growth per simulated hour (events and bytes of the SQLite file); and what was driven
(readings, probe runs, breaches, verdict changes, screen repaints) beside what 8 real
hours would bring at the config's intervals, since a loaded machine may not keep up.

Budgets (issue 14): RSS growth over the watch < 10 MB, and flat over the last two
hours (< 2 MB). Environment: BENCH_SOAK_SPEED (default 60: 8 h in 8 min),
BENCH_SOAK_HOURS (8), BENCH_SOAK_RESULTS (where the JSON goes: bench/results). Exit 1 when
a budget is missed.

To find what a budget miss is made of, BENCH_SOAK_GROWERS=1 prints at every mark what grew
since the start and since the last mark: objects by type (gc: count and bytes), pymalloc's
arenas and glibc malloc's heaps (cheap, a second or so per mark). BENCH_SOAK_GROWERS=tN
(e.g. t6) adds tracemalloc diffs by traceback of N frames: slow (the cockpit falls behind
the simulated clock) and its snapshots add to RSS, so for finding growers, not the figures;
tN@H traces from hour H's mark only (the hours before at full speed). BENCH_SOAK_FAULTS
(e.g. flapping,latency) injects those first, in that order, then the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SPEED = float(os.environ.get("BENCH_SOAK_SPEED", "60"))
HOURS = int(os.environ.get("BENCH_SOAK_HOURS", "8"))
FAULT_ORDER = os.environ.get("BENCH_SOAK_FAULTS", "")  # e.g. "flapping,latency": these first
GROWERS = os.environ.get("BENCH_SOAK_GROWERS", "")  # "", "1" (cheap) or "tN" (tracemalloc)
GROWTH_BUDGET_MB = 10.0
FLAT_BUDGET_MB = 2.0
FLOOR = 0.05  # s: the engine's shortest sleep between samples
POD_CHANGE_EVERY = 5.0  # simulated seconds between extra pod changes
RESULTS = Path(os.environ.get("BENCH_SOAK_RESULTS", ROOT / "bench" / "results"))


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


# ------------------------------------------------------------------ the simulators' process


def run_sims(speed: float) -> int:
    """Start the demo's simulators at `speed`, print the config path, drive until SIGTERM."""
    from cockpit.demo import Demo, DemoOptions
    from cockpit.sim.scenario import FAULTS, NAMESPACE

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    demo = Demo(DemoOptions(speed=speed, scripted_fault=False)).start()
    try:
        print(json.dumps({"config": str(demo.config_path), "store": str(demo.store_path())}),
              flush=True)
        assert demo.scenario is not None
        cluster = demo.scenario.cluster
        faults = sorted(n for n in FAULTS if n != "launch")
        if FAULT_ORDER:  # BENCH_SOAK_FAULTS: these first (to reach one sooner when hunting)
            wanted = [f.strip() for f in FAULT_ORDER.split(",") if f.strip()]
            unknown = [f for f in wanted if f not in faults]
            if unknown:
                raise SystemExit(f"BENCH_SOAK_FAULTS: no such fault {unknown}; known: {faults}")
            faults = wanted + [f for f in faults if f not in wanted]
        hour = 3600.0 / speed
        started = time.monotonic()
        next_fault, next_pod, injected = started + hour / 2, started, 0
        rng = random.Random(14)

        def record(note: Any) -> None:
            pass

        async def drive() -> None:
            nonlocal next_fault, next_pod, injected
            task = asyncio.create_task(demo.drive(record))
            try:
                while not stop.is_set():
                    now = time.monotonic()
                    if now >= next_fault:
                        demo.inject(faults[injected % len(faults)])
                        injected += 1
                        next_fault += hour
                    while now >= next_pod:
                        pods = cluster.objects("pods", NAMESPACE)
                        if pods:
                            name = rng.choice(pods)["metadata"]["name"]
                            stamp = str(time.time())
                            try:
                                cluster.update_pod(NAMESPACE, name, lambda p, s=stamp: p[
                                    "metadata"].setdefault("annotations", {}).__setitem__(
                                        "soak/changedAt", s))
                            except Exception:  # noqa: BLE001 - a pod gone meanwhile
                                pass
                        next_pod += POD_CHANGE_EVERY / speed
                    await asyncio.sleep(0.02)
            finally:
                task.cancel()

        asyncio.run(drive())
    finally:
        demo.stop()
    return 0


# ------------------------------------------------------------------ the cockpit under soak


def accelerate(text: str, speed: float) -> str:
    """The demo's config with every `every:` divided by speed (the kube watch's sample
    too), breach holds (`for:`) scaled, the Prometheus `history:` window too (30 simulated
    minutes, as a real watch keeps), and the probe streaming `speed` times real time."""
    import yaml

    from cockpit.config import format_duration, parse_duration

    def faster(value: object, default: float) -> str:
        seconds = parse_duration(str(value)) if value is not None else default
        return f"{max(FLOOR, seconds / speed):.3f}s"

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if key == "every":
                    node[key] = faster(value, 0)
                elif key == "for":
                    node[key] = format_duration(max(FLOOR, 30 / speed))
                elif key == "history":  # kept by time: unscaled, 30 min held 30 sim-hours
                    node[key] = f"{parse_duration(str(value)) / speed:.3f}s"
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    config = yaml.safe_load(text)
    walk(config)
    kube = config.get("kubernetes")
    if isinstance(kube, dict) and "every" not in kube:
        kube["every"] = faster(None, 2.0)
    prom = config.get("prometheus")
    if isinstance(prom, dict) and "history" not in prom:
        from cockpit.config import PrometheusConfig

        prom["history"] = f"{PrometheusConfig.model_fields['history'].default / speed:.3f}s"
    release = config.get("release")
    if isinstance(release, dict):  # each sample runs helm twice: not faster than 5 s
        release["every"] = "5s"
    probe = config.get("asr_probe")
    if isinstance(probe, dict):
        probe["speed"] = min(100.0, speed)
    return yaml.safe_dump(config, sort_keys=False)


async def soak(config: Path, store: Path, speed: float, hours: int) -> dict[str, Any]:
    import argparse as ap

    import cockpit.ui.app as ui_app
    from cockpit.commands.common import engine_from
    from cockpit.commands.run import load_layouts
    from cockpit.ui.app import CockpitApp

    hz = min(20.0, speed)  # clock ticks per second of wall time (1 a second, sped up)
    ui_app.URGENT_AFTER = min(ui_app.URGENT_AFTER, 1.0 / hz)  # urgent repaints, sped up
    launch = engine_from(ap.Namespace(config=str(config), store=None))
    engine = launch.engine
    layouts, first = load_layouts(launch.config, "launch")
    counts: collections.Counter[str] = collections.Counter()

    def on_change(change: Any) -> None:
        counts[change.kind] += 1
        if change.kind == "event":
            counts[f"event.{getattr(change.payload, 'kind', '?')}"] += 1

    engine.subscribe(on_change)
    app = CockpitApp(engine, layouts, layout=first, bell_on_nogo=False)
    original_apply = app._apply_changes

    def counted_apply() -> None:
        if app._pending:  # noqa: SLF001 - the bench counts repaint passes
            counts["repaint"] += 1
        original_apply()

    app._apply_changes = counted_apply  # type: ignore[method-assign]
    hour = 3600.0 / speed
    marks: list[dict[str, Any]] = []
    growth = None
    if GROWERS:
        from bench.soak_growth import Growth
  # "1", "tN" (tracemalloc, N frames) or "tN@H" (tracing from hour H's mark)
        frames, _, after = GROWERS.removeprefix("t").partition("@")
        growth = Growth(int(frames or 1) if GROWERS.startswith("t") else 0, int(after or 0))

    def mark(label: str, t0: float) -> None:
        gc.collect()
        marks.append({"at": label, "wall_s": round(time.monotonic() - t0, 1),
                      "rss_mb": round(rss_mb(), 1),
                      "log_bytes": sum(p.stat().st_size for p in store.parent.glob(
                          store.name + "*") if p.exists()),
                      "events": counts["event"], "readings": counts["reading"],
                      "repaints": counts["repaint"]})
        m = marks[-1]
        print(f"  {label:>8}: RSS {m['rss_mb']:6.1f} MB, event log {m['log_bytes'] / 1e6:6.2f} MB "
              f"({m['events']} events), {m['readings']} readings, {m['repaints']} repaints",
              flush=True)
        if growth is not None:
            growth.report(label, app)

    moved: collections.Counter[str] = collections.Counter()
    async with app.run_test(size=(200, 60)) as pilot:
        if growth is not None:  # which widgets' regions change (each change: new cuts)
            compositor = app.screen._compositor  # noqa: SLF001
            reflow = compositor.reflow

            def watched_reflow(parent: Any, size: Any) -> Any:
                old = dict(compositor._full_map)  # noqa: SLF001
                result = reflow(parent, size)
                for widget, geo in compositor._full_map.items():  # noqa: SLF001
                    before = old.get(widget)
                    if before is not None and before.region != geo.region:
                        moved[f"{type(widget).__name__}#{widget.id or ''}"] += 1
                return result

            compositor.reflow = watched_reflow  # type: ignore[method-assign]
            growth.moved = moved
        async def clock() -> None:
            while True:
                await asyncio.sleep(1.0 / hz)
                app._tick_clock()  # noqa: SLF001 - the screen's 1 s clock, sped up

        ticker = asyncio.create_task(clock())
        await asyncio.sleep(max(5.0, 2 * hour / 60))  # first samples of every source in
        t0 = time.monotonic()
        mark("start", t0)
        for h in range(1, hours + 1):
            while time.monotonic() - t0 < h * hour:
                await asyncio.sleep(0.5)
            mark(f"hour {h}", t0)
        ticker.cancel()
        await pilot.pause()
    return {"marks": marks, "counts": dict(counts)}


def per_hour(marks: list[dict[str, Any]], key: str) -> list[float]:
    return [b[key] - a[key] for a, b in zip(marks, marks[1:], strict=False)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", action="store_true")
    args = parser.parse_args()
    if args.sims:
        return run_sims(SPEED)
    print(f"soak: {HOURS} simulated hours at {SPEED:g}x ({HOURS * 3600 / SPEED / 60:.1f} min); "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    sims = subprocess.Popen([sys.executable, __file__, "--sims"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert sims.stdout is not None
        info = json.loads(sims.stdout.readline())
        threading.Thread(target=lambda: [None for _ in sims.stdout], daemon=True).start()
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            config = Path(tmp) / "soak.yaml"
            text = Path(info["config"]).read_text(encoding="utf-8")
            # The checklist, layout and probe audio paths in the demo's config are absolute.
            config.write_text(accelerate(text, SPEED), encoding="utf-8")
            result = asyncio.run(soak(config, Path(info["store"]), SPEED, HOURS))
    finally:
        sims.terminate()
        try:
            sims.wait(20)
        except subprocess.TimeoutExpired:
            sims.kill()
    marks, counts = result["marks"], result["counts"]
    cfg_every = {"prometheus (5 s)": 5.0, "asr probe (20 s)": 20.0, "http (5 s)": 5.0}
    print()
    print(f"{'':10}{'RSS MB':>9}{'Δ MB':>8}{'events/h':>10}{'log KB/h':>10}")
    for prev, m in zip([None, *marks], marks, strict=False):
        d_rss = m["rss_mb"] - prev["rss_mb"] if prev else 0.0
        d_ev = m["events"] - prev["events"] if prev else 0
        d_log = (m["log_bytes"] - prev["log_bytes"]) / 1e3 if prev else 0.0
        print(f"{m['at']:10}{m['rss_mb']:9.1f}{d_rss:+8.1f}{d_ev:10}{d_log:10.0f}")
    growth = marks[-1]["rss_mb"] - marks[0]["rss_mb"]
    last2 = marks[-1]["rss_mb"] - marks[-3]["rss_mb"] if len(marks) >= 3 else float("nan")
    kinds = {k.removeprefix("event."): v for k, v in counts.items() if k.startswith("event.")}
    print(f"\ndriven: {counts.get('reading', 0)} readings, {counts.get('verdict', 0)} verdict "
          f"changes, {counts.get('repaint', 0)} screen repaints; events by kind: "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"{HOURS} real hours at the config's intervals would bring: "
          + ", ".join(f"{k}: {HOURS * 3600 / s:,.0f} samples" for k, s in cfg_every.items())
          + f"; a 1 s screen clock: {HOURS * 3600:,} ticks")
    good_growth = growth < GROWTH_BUDGET_MB
    if len(marks) >= 3:
        good_flat = last2 < FLAT_BUDGET_MB
        flat = (f"over the last two hours {last2:+.1f} MB (flat: < {FLAT_BUDGET_MB:.0f}): "
                + ("ok" if good_flat else "OVER BUDGET"))
    else:  # a short soak (a smoke run) has no last two hours to compare
        good_flat, flat = True, "over the last two hours: n/a (fewer than 2 hours)"
    print(f"RSS growth over {HOURS} h: {growth:+.1f} MB (budget < {GROWTH_BUDGET_MB:.0f}): "
          f"{'ok' if good_growth else 'OVER BUDGET'}; {flat}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"soak-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps({"speed": SPEED, "hours": HOURS, **result,
                               "growth_mb": growth,
                               "last_two_hours_mb": last2 if len(marks) >= 3 else None,
                               "events_per_hour": per_hour(marks, "events"),
                               "log_bytes_per_hour": per_hour(marks, "log_bytes")}, indent=1))
    print(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if good_growth and good_flat else 1


if __name__ == "__main__":
    sys.exit(main())
