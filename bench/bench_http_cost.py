"""CPU per HTTP request of the sources that talk HTTP (issue 14).

Starts the project's own simulators in a child process (the Prometheus sim with the
demo's five SLO queries and two alert rules, and the demo's service API with its
`/health`), so that `time.process_time()` of this process is what the cockpit pays
per request, not what the server pays. Wall time is not used: the machines these run
on are shared, and the CPU a request costs is what issue 14 is about.

Measured, each after a warm-up, as CPU milliseconds per request:

- `PromClient.query`: an instant query whose answer is a one-series vector, on the
  kept-alive connection (what the SLO source and the DCGM reader send);
- `PromClient.api_get("/api/v1/alerts")` (what the alerts source sends, with rules);
- `PrometheusSource.sample()` end to end with the demo's five queries, per query
  (HTTP, decoding, readings, detail);
- `HttpSource.sample()` of the demo's health check (status, a header, CORS), the
  server closing each connection so every check pays its connect as in the demo
  (a check every 5 s outlives httpx's keep-alive).

Each figure is the median of ROUNDS rounds of back-to-back requests (the minimum is
shown too: other processes on a shared machine only add to it), plus the Python
function calls per request counted by cProfile, which does not depend on the machine's
load at all. Requests spaced out as in a watch (one every second or so) cost about
twice the back-to-back figure (cold caches), so the budgets are on the repeatable one.

Budgets, back to back on loopback, median: a Prometheus instant query, an alerts call
and a sampled SLO query 1.0 ms each (the HTTP sources send ~2 requests a second while
watching the demo: at most ~0.2% of a core, against glances's 0.7-1.2% for
everything; the SLO query is the query and its reading, five at once, each signal on
its own lane), a health check 2.2 ms (a new TCP connection each: connect, its pool
entry, the close). At c202b71, before this bench, with the sims' answers in two
segments: query 2.3-2.6 ms (2,686 calls), alerts 2.3, SLO query 1.5-2.0 (3,818 calls),
health 1.4-2.3 (3,890 calls); one every 50 ms, 2.6 ms. Nearly all that is left is
httpx, httpcore, h11 and anyio (the cockpit's own code is ~40 of the ~2,250 calls of
a query).
`python bench/bench_http_cost.py --profile` prints where the instant queries' CPU goes
(cProfile, by own time).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import math
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N = 500  # instant queries per round
N_SOURCE = 100  # source cycles per round (5 queries each)
N_ALERTS = 200
N_HEALTH = 200
ROUNDS = 5
N_SPACED = 100  # instant queries GAP apart (reported, not budgeted: see the docstring)
GAP = 0.05
WARMUP = 20
PROFILED = 50  # requests counted by cProfile
TOKEN = "bench-token-0123456789"  # noqa: S105 (a loopback sim's)
BUDGET_MS = {"query": 1.0, "source": 1.0, "alerts": 1.0, "health": 2.2}


# ---------------------------------------------------------------- the child: servers


def serve() -> None:
    from cockpit.demo.options import QUERIES
    from cockpit.sim.health import ApiHandler, ApiServer
    from cockpit.sim.prometheus import AlertRule, PromSim, QueryTable

    table = QueryTable()
    for i, spec in enumerate(QUERIES.values()):
        table.add_scalar_expr(spec["query"], lambda t, i=i: 0.01 * (i + 1))
    names = list(QUERIES)
    table.alerts.extend([
        AlertRule("HighErrorRate", QUERIES[names[0]]["query"], 0.05, "critical", "errors"),
        AlertRule("HighLatencyP95", QUERIES[names[1]]["query"], 0.01, "warning", "slow"),
    ])
    prom = PromSim(table).start()

    class Health(ApiHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/health":
                super().do_GET()
                return
            # a new connection per check, as a check every 5 s gets (see the docstring)
            self.answer(200, {"status": "ok", "version": "2.4.0"}, {"Connection": "close"})

    api = ApiServer(TOKEN, allowed_origins=("https://bench.example",), handler=Health)
    import threading

    threading.Thread(target=api.serve_forever, args=(0.05,), daemon=True).start()
    print(json.dumps({"prom": prom.url, "api": api.url}), flush=True)
    sys.stdin.read()  # until the parent goes


# ---------------------------------------------------------------- the parent: measuring

Request = Callable[[], Awaitable[object]]


async def cost(one: Request, n: int, per: int = 1) -> tuple[float, float, float]:
    """(median, min) CPU ms per request over ROUNDS rounds of `n` calls of `one` (each
    making `per` requests), and the Python function calls per request (cProfile)."""
    for _ in range(WARMUP):
        await one()
    rounds = []
    for _ in range(ROUNDS):
        c = time.process_time()
        for _ in range(n):
            await one()
        rounds.append((time.process_time() - c) * 1000 / (n * per))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(PROFILED):
        await one()
    profile.disable()
    calls = pstats.Stats(profile).total_calls / (PROFILED * per)  # type: ignore[attr-defined]
    return statistics.median(rounds), min(rounds), calls


async def measure(urls: dict[str, str], profile: cProfile.Profile | None,
                  ) -> dict[str, tuple[float, float, float]]:
    from cockpit.config import HttpCheck, PrometheusConfig
    from cockpit.demo.options import QUERIES
    from cockpit.sources.http import HttpSource
    from cockpit.sources.prom_api import PromClient
    from cockpit.sources.prometheus import PrometheusSource

    out = {}
    expr = next(iter(QUERIES.values()))["query"]
    async with PromClient(urls["prom"]) as client:
        series = await client.query(expr)
        assert len(series) == 1 and series[0].value == 0.01, series
        out["query"] = await cost(lambda: client.query(expr), N)

        async def spaced() -> None:  # as in a watch: the CPU idle between requests
            await asyncio.sleep(GAP)
            c = time.process_time()
            await client.query(expr)
            spent[0] += time.process_time() - c

        spent = [0.0]
        for _ in range(N_SPACED):
            await spaced()
        out["spaced"] = (spent[0] * 1000 / N_SPACED, math.nan, math.nan)
        data = await client.api_get("/api/v1/alerts")
        assert len(data["alerts"]) == 1, data
        out["alerts"] = await cost(lambda: client.api_get("/api/v1/alerts"), N_ALERTS)
        if profile is not None:
            profile.enable()
            for _ in range(N):
                await client.query(expr)
            profile.disable()

    cfg = PrometheusConfig.model_validate({
        "url": urls["prom"], "every": 5.0, "history": 0,
        "queries": {name: dict(spec) for name, spec in QUERIES.items()},
    })
    source = PrometheusSource(cfg)
    readings = await source.sample()
    assert len(readings) == len(QUERIES) and all(r.ok for r in readings), readings

    async def cycle() -> None:
        await source.sample()
        source.drain_events()

    out["source"] = await cost(cycle, N_SOURCE, per=len(QUERIES))
    await source.close()

    check = HttpCheck.model_validate({
        "url": urls["api"] + "/health", "every": 5.0, "timeout": 2.0,
        "read_headers": ["strict-transport-security"], "cors_origin": "https://bench.example",
    })
    health = HttpSource("health", check)
    readings = await health.sample()
    assert all(r.ok for r in readings) and readings[0].value is True, readings
    out["health"] = await cost(health.sample, N_HEALTH)
    await health.close()
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve()
        return 0
    profile = cProfile.Profile() if "--profile" in argv else None
    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None
        urls: dict[str, Any] = json.loads(child.stdout.readline())
        r = asyncio.run(measure(urls, profile))
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
    labels = {
        "query": "PromClient.query, one-series vector",
        "spaced": f"  the same, one every {GAP * 1000:g} ms",
        "alerts": "PromClient.api_get /api/v1/alerts",
        "source": "PrometheusSource.sample, per query",
        "health": "HttpSource.sample, health check, new connection",
    }
    ok = True
    print(f"CPU per request (process_time of the client; servers in a child), median and min "
          f"of {ROUNDS} rounds; Python calls per request (cProfile):")
    for key, label in labels.items():
        median, low, calls = r[key]
        if key == "spaced":
            print(f"  {label:<48} {median:6.3f} ms (mean; not budgeted)")
            continue
        over = median > BUDGET_MS[key]
        ok &= not over
        print(f"  {label:<48} {median:6.3f} ms (min {low:.3f})  {calls:5.0f} calls"
              f"  budget {BUDGET_MS[key]:g} ms{'  OVER' if over else ''}")
    if profile is not None:
        print(f"\ncProfile of {N} instant queries, by own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    print("  within budget" if ok else "  OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
