"""The SLO source's connections to Prometheus: a lane (one kept-alive connection) per
signal, at most LANES of them, whatever the number of queries; against the sim, with
the server recording which connection each request came on."""

from __future__ import annotations

import threading
import time

import pytest

from cockpit.config import PrometheusConfig
from cockpit.sim.prometheus import PromSim, QueryTable
from cockpit.sim.prometheus.server import _Handler
from cockpit.sources.prometheus import LANES, PrometheusSource

pytestmark = pytest.mark.integration


class Recorded:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ports: list[int] = []  # the client's port of each query: its connection
        self.in_flight = 0
        self.most_in_flight = 0


def sim_recording(n: int, hold: float) -> tuple[PromSim, Recorded]:
    table = QueryTable()
    for i in range(n):
        table.add_scalar_expr(f"q{i}", lambda t, i=i: float(i))
    sim = PromSim(table)
    seen = Recorded()

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            with seen.lock:
                seen.ports.append(self.client_address[1])
                seen.in_flight += 1
                seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
            time.sleep(hold)  # the queries of one cycle overlap, so each needs its lane
            try:
                super().do_GET()
            finally:
                with seen.lock:
                    seen.in_flight -= 1

    sim._server.RequestHandlerClass = Handler
    return sim, seen


def config(url: str, n: int) -> PrometheusConfig:
    return PrometheusConfig.model_validate({
        "url": url, "every": "5s", "history": "0s",
        "queries": {f"s{i}": f"q{i}" for i in range(n)},
    })


@pytest.mark.parametrize("n", [3, LANES + 4])
async def test_each_signal_keeps_to_its_lane_and_lanes_are_at_most_six(n):
    sim, seen = sim_recording(n, hold=0.05)
    with sim:
        source = PrometheusSource(config(sim.url, n))
        for _ in range(3):
            readings = await source.sample()
            assert [r.value for r in readings] == [float(i) for i in range(n)]
            assert all(r.ok for r in readings)
        await source.close()
    lanes = min(n, LANES)
    assert len(set(seen.ports)) == lanes  # kept alive: one connection per lane, reused
    assert seen.most_in_flight <= lanes  # never more at once than the one pool of 6 had
    assert len(seen.ports) == 3 * n
