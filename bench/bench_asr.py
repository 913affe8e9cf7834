"""The ASR probe's own timing overhead, and 20 concurrent probes against the sim.

1. Overhead: the probe measures time to first partial from its first audio
   chunk sent to the first words received; the PocketSphinx sim stamps, on the
   same clock (same process, its own thread and loop), its first audio received
   and its first words sent. The difference is what the probe adds on top of the
   service (loopback, framing, two event loops, JSON): budget under 5 ms.
   The same is shown for end of audio -> final. The sim runs in a child process:
   in-process, PocketSphinx holding the GIL delays the probe's own clock reads by
   tens of ms and the figure measures the harness, not the probe.
   CLOCK_MONOTONIC (perf_counter) is one clock for both processes.
2. `cockpit probe --concurrency 20` against the sim: pass count and p50/p95.
   PocketSphinx holds the GIL while decoding (~165 ms of CPU per 3.35 s clip),
   so 20 real-time streams need about one core of the sim: finals queue up.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import statistics
import sys
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cockpit.sim.asr import AsrSim  # noqa: E402
from cockpit.sources.asr.probe import percentile, run_many, run_probe  # noqa: E402
from tests.support.asr import probe_config  # noqa: E402

RUNS = 10
CONCURRENCY = 20
BUDGET_MS = 5.0


def ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.1f} ms"


def serve_sim(conn: Connection) -> None:
    """Child process: run the sim, report its URL, answer 'sessions', stop on 'stop'."""
    sim = AsrSim()
    conn.send(sim.start())
    while (command := conn.recv()) != "stop":
        if command == "sessions":
            conn.send([asdict(s) for s in sim.sessions])
    sim.stop()


class SimProcess:
    def __init__(self) -> None:
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(target=serve_sim, args=(child,), daemon=True)
        self.proc.start()
        self.url: str = self.conn.recv()

    def sessions(self) -> list[SimpleNamespace]:
        self.conn.send("sessions")
        return [SimpleNamespace(**s) for s in self.conn.recv()]

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(10)


async def overhead(sim: SimProcess) -> tuple[list[float], list[float]]:
    config = probe_config(sim.url)
    first, final = [], []
    for _ in range(RUNS):
        before = len(sim.sessions())
        result = await run_probe(config)
        session = sim.sessions()[before]
        assert result.ok, result.reason
        assert session.first_audio and session.first_partial_sent and session.eof
        assert session.final_sent and result.first_partial is not None
        assert result.final_latency is not None
        first.append(result.first_partial - (session.first_partial_sent - session.first_audio))
        final.append(result.final_latency - (session.final_sent - session.eof))
    return first, final


def main() -> int:
    sim = SimProcess()
    try:
        first, final = asyncio.run(overhead(sim))
        results = asyncio.run(run_many(probe_config(sim.url, final_timeout=10.0), CONCURRENCY))
    finally:
        sim.stop()

    typical = statistics.median(first)
    print(f"ASR probe timing overhead vs sim timestamps ({RUNS} real-time runs of the clip)")
    print(f"  first partial: median {ms(typical)}, max {ms(max(first))}"
          f"  (budget < {BUDGET_MS:.0f} ms on the median)"
          f"  {'OK' if typical * 1000 < BUDGET_MS else 'OVER'}")
    print(f"  final:         median {ms(statistics.median(final))}, max {ms(max(final))}")
    passed = sum(r.ok for r in results)
    print(f"ASR probe --concurrency {CONCURRENCY} against the PocketSphinx sim: "
          f"{passed}/{CONCURRENCY} passed")
    for name in ("connect", "first_partial", "final_latency", "total"):
        values = [v for r in results if (v := getattr(r, name)) is not None]
        p50, p95 = ms(percentile(values, 50)), ms(percentile(values, 95))
        print(f"  {name:<14} p50 {p50:>10}  p95 {p95:>10}")
    wers = sorted({r.wer for r in results})
    print(f"  wer            {wers}")
    for reason in sorted({r.reason for r in results if r.reason}):
        print(f"  failed: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
