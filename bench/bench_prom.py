"""CPU cost of the Prometheus source: 20 named queries, one cycle every 5 s.

Starts a real Prometheus on loopback with the SLO test data (promtool backfill), runs
the source's `sample()` cycle after cycle with a clock advancing 5 s each time (so the
once-a-minute "vs yesterday" queries run at their real rate), and measures this
process's CPU (`time.process_time`) per cycle: what the cockpit pays, not Prometheus.

Budget: 50 ms of CPU per cycle = 1% of one core at a 5 s interval (the bastion's CPU is
shared with the TUI and the other sources). Most of the cost is httpx/httpcore per
request (~1.5 ms each); without `sniffio` installed httpcore pays a failing import on
every request, which costs about a third more.
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

from cockpit.config import PrometheusConfig  # noqa: E402
from cockpit.sources.prometheus import PrometheusSource  # noqa: E402
from tests.integration import prom_data as d  # noqa: E402
from tests.support.prom import prometheus_server  # noqa: E402

QUERIES = 20
INTERVAL = 5.0
CYCLES = 60  # 5 minutes of simulated watch
BUDGET_MS = 50.0


def config(url: str) -> PrometheusConfig:
    base = [
        {"query": d.ERROR_RATE, "unit": "ratio", "warn": 0.01, "fail": 0.05, "compare": "1d"},
        {"query": d.ERROR_RATE_BY_VERSION, "unit": "ratio", "fail": 0.05},
        {"query": d.P95, "unit": "seconds", "warn": 0.3, "fail": 0.5, "compare": "1d"},
        {"query": d.P99, "unit": "seconds", "fail": 1.0},
        {"query": d.REQUEST_RATE, "unit": "rate", "fail": 1, "direction": "below"},
        {"query": d.ACTIVE_STREAMS, "unit": "count"},
        {"query": 'sum by (code) (rate(http_requests_total{job="asr"}[5m]))', "unit": "rate"},
    ]
    queries = {f"q{i:02d}": base[i % len(base)] for i in range(QUERIES)}
    return PrometheusConfig.model_validate({"url": url, "every": INTERVAL, "queries": queries})


async def run(url: str) -> dict[str, float]:
    now = [float(d.T0 - CYCLES * INTERVAL)]
    source = PrometheusSource(config(url), clock=lambda: now[0])
    c0 = time.process_time()
    await source.start()  # 20 range queries of 30 minutes
    start_cpu = time.process_time() - c0
    cpu, wall = [], []
    for _ in range(CYCLES):
        c, w = time.process_time(), time.perf_counter()
        readings = await source.sample()
        source.drain_events()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        assert len(readings) == QUERIES and all(r.ok for r in readings), readings
        now[0] += INTERVAL
    await source.close()
    cpu_ms = sorted(x * 1000 for x in cpu)
    return {
        "start_ms": start_cpu * 1000,
        "cpu_mean_ms": statistics.fmean(cpu_ms),
        "cpu_p95_ms": cpu_ms[int(0.95 * (len(cpu_ms) - 1))],
        "cpu_max_ms": cpu_ms[-1],
        "wall_mean_ms": statistics.fmean(wall) * 1000,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        with prometheus_server(d.slo_dataset(), Path(tmp) / "prom") as server:
            r = asyncio.run(run(server.url))
    share = r["cpu_mean_ms"] / (INTERVAL * 1000) * 100
    print(f"prometheus source: {QUERIES} queries every {INTERVAL:g}s, {CYCLES} cycles")
    print(f"  start (history backfill, {QUERIES} range queries): {r['start_ms']:.1f} ms CPU")
    print(
        f"  CPU per cycle: mean {r['cpu_mean_ms']:.1f} ms, p95 {r['cpu_p95_ms']:.1f} ms, "
        f"max {r['cpu_max_ms']:.1f} ms  (budget {BUDGET_MS:g} ms)"
        f"  = {share:.2f}% of one core"
    )
    print(f"  wall per cycle: mean {r['wall_mean_ms']:.1f} ms")
    ok = r["cpu_mean_ms"] <= BUDGET_MS
    print("  within budget" if ok else "  OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
