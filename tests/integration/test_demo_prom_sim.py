"""The demo's Prometheus simulator, answered through the real API client, the SLO source
and the DCGM reader, and read raw to check Prometheus's exact JSON shapes."""

from __future__ import annotations

import time

import httpx
import pytest

from cockpit.config import PrometheusConfig
from cockpit.demo import QUERIES
from cockpit.sim.prometheus import PromSim, QueryTable, format_value
from cockpit.sim.rehearsal import load_rehearsal
from cockpit.sim.scenario import LaunchScenario
from cockpit.sources.gpu_dcgm import DcgmReader
from cockpit.sources.prom_api import PromClient, PromError
from cockpit.sources.prometheus import PrometheusSource

FAULT_AT = load_rehearsal("launch").faults()[0][1]
NOW = 1_800_000_000.0
EXPRS = {name: q["query"] for name, q in QUERIES.items()}


@pytest.fixture
def scenario() -> LaunchScenario:
    # No cluster: four stand-in worker pods hold the GPUs.
    return LaunchScenario(t0=NOW - 60, scripted_fault=False)


@pytest.fixture
def sim(scenario):
    with PromSim(scenario.prom_table(EXPRS), clock=lambda: NOW) as s:
        yield s


@pytest.fixture
async def client(sim):
    c = PromClient(sim.url, retries=0)
    yield c
    await c.close()


async def test_named_queries_answer_the_script_exactly(client, scenario):
    for name, fn in (("error_rate", scenario.error_rate), ("p95_latency", scenario.p95),
                     ("p99_latency", scenario.p99), ("request_rate", scenario.request_rate),
                     ("active_streams", scenario.active_streams)):
        series = await client.query(EXPRS[name], time=NOW - 30)
        assert len(series) == 1 and series[0].labels == {}
        assert series[0].value == pytest.approx(fn(NOW - 30), rel=1e-12)


async def test_exact_match_ignores_whitespace_but_not_strings(client, scenario):
    spaced = EXPRS["request_rate"].replace("(", " ( ").replace(")", " ) ")
    assert (await client.query(spaced, time=NOW))[0].value == pytest.approx(
        scenario.request_rate(NOW))
    with pytest.raises(PromError) as err:
        await client.query('sum(rate(http_requests_total{job="asr "}[5m]))')
    assert err.value.kind == "bad_query" and "no scripted answer" in err.value.message


async def test_offset_form_is_the_value_a_day_earlier(client, scenario):
    day = 86400
    shifted = EXPRS["error_rate"].replace("[5m]", "[5m] offset 1d")
    direct = await client.query(EXPRS["error_rate"], time=NOW - day)
    offset = await client.query(shifted, time=NOW)
    assert offset[0].value == direct[0].value == pytest.approx(scenario.error_rate(NOW - day))


async def test_without_time_the_sim_answers_at_its_clock(client, scenario):
    series = await client.query(EXPRS["p95_latency"])
    assert series[0].value == pytest.approx(scenario.p95(NOW))


async def test_dcgm_selectors_matchers_and_one_aggregation(client):
    util = await client.query("DCGM_FI_DEV_GPU_UTIL")
    assert len(util) == 4
    assert {s.labels["__name__"] for s in util} == {"DCGM_FI_DEV_GPU_UTIL"}
    assert {s.labels["Hostname"] for s in util} == {"gpu-node-a", "gpu-node-b"}
    node_b = await client.query('DCGM_FI_DEV_GPU_UTIL{Hostname=~"gpu-node-b", gpu!="7"}')
    assert len(node_b) == 2
    assert await client.query('DCGM_FI_DEV_GPU_UTIL{Hostname="elsewhere"}') == []
    assert await client.query("DCGM_FI_NOT_A_METRIC") == []  # as Prometheus: empty vector
    per_node = await client.query("max by (Hostname) (DCGM_FI_DEV_GPU_TEMP)")
    assert sorted(s.labels["Hostname"] for s in per_node) == ["gpu-node-a", "gpu-node-b"]
    count = await client.query("count(DCGM_FI_DEV_FB_USED)")
    assert count[0].labels == {} and count[0].value == 4
    assert (await client.query("2.5"))[0].value == 2.5  # a scalar


async def test_range_query_is_a_matrix_on_the_step_grid(client, scenario):
    start, end, step = NOW - 600, NOW, 60
    result = await client.query_range(EXPRS["request_rate"], start, end, step)
    assert len(result) == 1
    points = result[0].points
    assert [t for t, _ in points] == [start + i * step for i in range(11)]
    assert points[-1][1] == pytest.approx(scenario.request_rate(end))
    gpus = await client.query_range("DCGM_FI_DEV_GPU_UTIL", start, end, step)
    assert len(gpus) == 4 and all(len(s.points) == 11 for s in gpus)


async def test_errors_have_prometheus_types_and_statuses(sim):
    async with httpx.AsyncClient(base_url=sim.url) as raw:
        cases = [
            ("/api/v1/query", {"query": "rate(nope[5m])"}, "no scripted answer"),
            ("/api/v1/query", {}, "no expression found"),
            ("/api/v1/query", {"query": "up", "time": "yesterday"}, 'invalid parameter "time"'),
            ("/api/v1/query", {"query": 'up{a=~"("}'}, "invalid regular expression"),
            ("/api/v1/query_range", {"query": "up", "start": "10", "end": "5", "step": "1"},
             "end timestamp must not be before start time"),
            ("/api/v1/query_range", {"query": "up", "start": "0", "end": "5", "step": "0"},
             "zero or negative query resolution step"),
            ("/api/v1/query_range", {"query": "up", "start": "0", "end": "100000",
                                     "step": "1"}, "exceeded maximum resolution"),
        ]
        for path, params, text in cases:
            r = await raw.get(path, params=params)
            body = r.json()
            assert r.status_code == 400, (params, body)
            assert body["status"] == "error" and body["errorType"] == "bad_data"
            assert text in body["error"]
        r = await raw.get("/api/v1/nope")
        assert r.status_code == 404


async def test_raw_json_shapes(sim, scenario):
    async with httpx.AsyncClient(base_url=sim.url) as raw:
        body = (await raw.get("/api/v1/query", params={"query": EXPRS["error_rate"],
                                                        "time": "1800000000.5"})).json()
        assert body["status"] == "success"
        assert body["data"]["resultType"] == "vector"
        [sample] = body["data"]["result"]
        assert sample["metric"] == {}
        assert sample["value"][0] == 1800000000.5
        assert sample["value"][1] == format_value(scenario.error_rate(1800000000.5))
        assert isinstance(sample["value"][1], str)
        # POSTed form (the client posts long queries) answers the same.
        posted = (await raw.post("/api/v1/query", data={"query": EXPRS["error_rate"],
                                                        "time": "1800000000.5"})).json()
        assert posted == body
        rng = (await raw.get("/api/v1/query_range", params={
            "query": "DCGM_FI_DEV_XID_ERRORS", "start": "1800000000", "end": "1800000010",
            "step": "5s"})).json()
        assert rng["data"]["resultType"] == "matrix"
        first = rng["data"]["result"][0]
        assert first["values"][0] == [1800000000, "0"]
        assert first["metric"]["__name__"] == "DCGM_FI_DEV_XID_ERRORS"


def test_value_formatting_is_prometheus_s():
    assert format_value(0.1) == "0.1"
    assert format_value(1e-7) == "0.0000001"
    assert format_value(4.0) == "4"
    assert format_value(float("nan")) == "NaN"
    assert format_value(float("inf")) == "+Inf"
    assert format_value(float("-inf")) == "-Inf"
    assert format_value(123456789012345678.0) == "123456789012345680"


async def test_outage_is_a_transient_http_error(sim, client):
    sim.outage = True
    with pytest.raises(PromError) as err:
        await client.query(EXPRS["error_rate"])
    assert err.value.kind == "http" and err.value.status == 503 and err.value.transient
    sim.outage = False
    assert await client.query(EXPRS["error_rate"])


async def test_slo_source_reads_values_history_and_comparison(sim, scenario):
    cfg = PrometheusConfig.model_validate(
        {"url": sim.url, "every": "5s", "compare": "1d", "history": "10m", "queries": QUERIES})
    source = PrometheusSource(cfg, clock=lambda: NOW)
    try:
        await source.start()
        readings = {r.name: r for r in await source.sample()}
    finally:
        await source.close()
    assert set(readings) == set(QUERIES)
    assert all(r.ok and r.has_data for r in readings.values())
    assert readings["error_rate"].value == pytest.approx(scenario.error_rate(NOW))
    compare = readings["p95_latency"].detail["compare"]
    assert compare["value"] == pytest.approx(scenario.p95(NOW - 86400))
    history = source.history("request_rate")
    assert len(history) > 50 and history[-1][0] == NOW


async def test_dcgm_reader_joins_four_gpus_with_their_pods(sim, client, scenario):
    reader = DcgmReader(client, owns_client=False)
    gpus = await reader.read(time=NOW)
    assert len(gpus) == 4
    assert {(g.node, g.gpu) for g in gpus} == {("gpu-node-a", "0"), ("gpu-node-a", "1"),
                                              ("gpu-node-b", "0"), ("gpu-node-b", "1")}
    for g in gpus:
        assert g.model == "NVIDIA L4" and g.pod.startswith("asr-worker")
        assert 0 <= g.util <= 1 and g.mem_total == pytest.approx(23034 * 1024 * 1024)
        assert g.xid == 0
    history = await reader.backfill(NOW, 300, 30)
    assert len(history) == 4 and all(len(v) == 11 for v in history.values())


async def test_fault_window_shows_in_the_answers(sim, client, scenario):
    scenario.inject("errors", scenario.wall(FAULT_AT))
    during = await client.query(EXPRS["error_rate"], time=scenario.wall(FAULT_AT + 60))
    assert during[0].value > 0.05
    before = await client.query(EXPRS["error_rate"], time=scenario.wall(FAULT_AT - 1))
    assert before[0].value < 0.01


async def test_an_empty_table_answers_bad_data_for_any_expression():
    with PromSim(QueryTable()) as s:
        async with PromClient(s.url, retries=0) as c:
            with pytest.raises(PromError) as err:
                await c.query("sum(rate(x[5m]))", time=time.time())
    assert err.value.kind == "bad_query"
