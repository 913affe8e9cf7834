"""CPU cost of the GPU source and pane: one DCGM cycle for 64 GPUs, and the pane's redraw.

Starts a real Prometheus on loopback holding 8 nodes x 8 GPUs of dcgm-exporter series
(promtool backfill), runs the GPU source's `sample()` cycle after cycle (6 instant
queries, join, snapshot, signals) and measures this process's CPU per cycle; then
times `render()` of the pane body for 64 and 512 GPUs at 80x24 and 200x60.

Budgets: 30 ms of CPU per DCGM cycle (0.6% of a core at the 5 s interval); 10 ms per
pane redraw of 64 GPUs (the app repaints at most 4 times a second).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cockpit.sources.gpu import GpuSource  # noqa: E402
from cockpit.sources.gpu_dcgm import DcgmReader  # noqa: E402
from cockpit.sources.gpu_model import build_snapshot  # noqa: E402
from cockpit.sources.prom_api import PromClient  # noqa: E402
from cockpit.ui.panes.gpu import render  # noqa: E402
from tests.support.gpu import END, big_fleet, dcgm_openmetrics, stats_of  # noqa: E402
from tests.support.prom import prometheus_server  # noqa: E402

CYCLES = 40
CYCLE_BUDGET_MS = 30.0
RENDER_BUDGET_MS = 10.0


async def dcgm_cycles(url: str) -> list[float]:
    reader = DcgmReader(PromClient(url, retries=0), owns_client=True)
    src = GpuSource(reader, interval=5.0, clock=lambda: END)
    await src.start()
    await src.sample()  # warm: connection, imports
    costs = []
    for _ in range(CYCLES):
        t0 = time.process_time()
        readings = await src.sample()
        costs.append((time.process_time() - t0) * 1000)
        assert readings[0].ok, readings[0].error
    await src.close()
    return costs


def render_ms(n_nodes: int, width: int, height: int) -> float:
    snap = build_snapshot("dcgm", stats_of(big_fleet(n_nodes, 8), history=60))
    runs = 50
    t0 = time.process_time()
    for _ in range(runs):
        render(snap, width, height)
    return (time.process_time() - t0) * 1000 / runs


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        text = dcgm_openmetrics(big_fleet(8, 8), span=600)
        with prometheus_server(text, Path(tmp)) as server:
            costs = asyncio.run(dcgm_cycles(server.url))
    med, p95 = statistics.median(costs), sorted(costs)[int(len(costs) * 0.95) - 1]
    good = p95 <= CYCLE_BUDGET_MS
    ok &= good
    print(
        f"gpu dcgm cycle, 64 GPUs, 6 queries: median {med:.1f} ms CPU, p95 {p95:.1f} ms "
        f"(budget {CYCLE_BUDGET_MS:.0f} ms) {'OK' if good else 'OVER'}"
    )
    for nodes in (8, 64):
        for w, h in ((76, 22), (196, 56)):
            ms = render_ms(nodes, w, h)
            good = nodes > 8 or ms <= RENDER_BUDGET_MS
            ok &= good
            print(
                f"gpu pane render, {nodes * 8} GPUs at {w}x{h}: {ms:.2f} ms CPU"
                + (
                    f" (budget {RENDER_BUDGET_MS:.0f} ms) {'OK' if good else 'OVER'}"
                    if nodes == 8
                    else ""
                )
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
