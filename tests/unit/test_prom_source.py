"""PrometheusSource logic over an in-process transport: TLS warning, compare cache, config."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from cockpit.config import PrometheusConfig
from cockpit.model import EventKind, Severity
from cockpit.sources.prom_api import PromClient
from cockpit.sources.prometheus import PrometheusSource, client_from_config


def transport(asked: list[dict[str, str]], value: str = "0.5") -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        asked.append(params)
        if request.url.path.endswith("query_range"):
            data = {"resultType": "matrix", "result": []}
        else:
            result = [{"metric": {}, "value": [float(params.get("time", 0)), value]}]
            data = {"resultType": "vector", "result": result}
        return httpx.Response(200, json={"status": "success", "data": data})

    return httpx.MockTransport(handle)


def source_with(
    cfg: PrometheusConfig, asked: list[dict[str, str]], clock, value: str = "0.5"
) -> PrometheusSource:
    client = PromClient(cfg.url, transport=transport(asked, value), verify=cfg.verify)
    return PrometheusSource(cfg, clock=clock, client=client)


async def test_insecure_tls_is_flagged() -> None:
    cfg = PrometheusConfig(url="https://prom.example:9090", verify=False, queries={"a": "up"})
    asked: list[dict[str, str]] = []
    source = source_with(cfg, asked, lambda: 1000.0)
    await source.start()
    events = source.drain_events()
    assert [(e.kind, e.severity) for e in events] == [(EventKind.NOTE, Severity.WARNING)]
    assert "TLS verification is OFF" in events[0].message
    [reading] = await source.sample()
    assert reading.detail["warnings"] == ["TLS verification is off"]
    assert source.drain_events() == []  # said once
    await source.close()


async def test_compare_is_asked_once_a_minute_at_t_minus_offset() -> None:
    cfg = PrometheusConfig.model_validate(
        {
            "url": "http://prom:9090",
            "history": "0s",
            "queries": {"p95": {"query": "q", "compare": "7d", "unit": "seconds"}},
        }
    )
    now = [1_000_000.0]
    asked: list[dict[str, str]] = []
    source = source_with(cfg, asked, lambda: now[0])
    [r] = await source.sample()
    assert r.detail["compare"] == {"offset": "7d", "at": 1_000_000 - 7 * 86400, "value": 0.5}
    assert [a["time"] for a in asked] == ["1000000", str(1_000_000 - 7 * 86400)]
    now[0] += 5
    await source.sample()
    assert len(asked) == 3  # compare cached
    now[0] += 60
    await source.sample()
    assert len(asked) == 5
    await source.close()


async def test_history_appends_and_trims() -> None:
    cfg = PrometheusConfig(url="http://p:9090", history=60.0, queries={"a": "up"})
    now = [100.0]
    asked: list[dict[str, str]] = []
    source = source_with(cfg, asked, lambda: now[0])
    await source.start()
    assert asked[0]["start"] == "40" and asked[0]["end"] == "100" and asked[0]["step"] == "5"
    for _ in range(20):
        await source.sample()
        now[0] += 5
    history = source.history("a")
    assert history[0][0] == 195 - 60 and history[-1] == (195.0, 0.5)
    assert source.signal_patterns() == ["a"]
    assert source.history("nope") == []
    await source.close()


async def test_series_gone_for_a_window_leave_the_history() -> None:
    """A query by pod, pods replaced every sample: only the window's series are kept."""
    cfg = PrometheusConfig(url="http://p:9090", history=60.0, queries={"a": "sum by (pod) (up)"})
    now = [100.0]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("query_range"):
            data = {"resultType": "matrix", "result": []}
        else:
            pods = [f"asr-{int(now[0])}", "asr-stable"]
            data = {"resultType": "vector", "result": [
                {"metric": {"pod": p}, "value": [now[0], "1"]} for p in pods]}
        return httpx.Response(200, json={"status": "success", "data": data})

    source = PrometheusSource(cfg, clock=lambda: now[0],
                              client=PromClient(cfg.url, transport=httpx.MockTransport(handle)))
    for _ in range(100):
        await source.sample()
        now[0] += 5
    kept = source.series_history("a")
    assert len(kept["pod=asr-stable"]) == 13  # 535..595 s: the last 60 s
    assert sorted(kept) == sorted(["pod=asr-stable", *(f"pod=asr-{t}" for t in range(535, 600, 5))])
    await source.close()


async def test_missing_secret_gives_failed_readings(tmp_path: Path) -> None:
    cfg = PrometheusConfig(url="http://p:9090", token_file=tmp_path / "absent", queries={"a": "up"})
    source = PrometheusSource(cfg)
    await source.start()
    [r] = await source.sample()
    assert not r.ok and "not configured" in r.error
    [event] = source.drain_events()
    assert event.kind == EventKind.SOURCE and "cannot read secret file" in event.message
    await source.close()


def test_client_from_config_reads_token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_TOKEN", "abc-123-xyz")
    cfg = PrometheusConfig(url="http://p:9090", token_env="PROM_TOKEN")
    client = client_from_config(cfg)
    assert client._client.headers["Authorization"] == "Bearer abc-123-xyz"


def test_config_shapes_and_errors() -> None:
    cfg = PrometheusConfig.model_validate(
        {
            "url": "http://p:9090",
            "every": "5s",
            "compare": "1d",
            "queries": {
                "error_rate": "sum(rate(x[5m]))",
                "p95": {"query": "q", "unit": "seconds", "warn": 0.3, "fail": 0.5, "for": "2m"},
            },
        }
    )
    assert cfg.query("error_rate").query == "sum(rate(x[5m]))"
    assert cfg.query("p95").for_ == 120.0 and cfg.query("p95").unit == "seconds"
    source = PrometheusSource(cfg)
    assert source.interval == 5.0 and source.stale_after == 15.0
    for bad in (
        {"url": "prom:9090"},
        {"url": "http://p", "compare": "yesterday"},
        {"url": "http://p", "queries": {"Bad Name": "up"}},
        {"url": "http://p", "queries": {"a": ""}},
        {"url": "http://p", "queries": {"a": {"query": "up", "unit": "furlongs"}}},
        {"url": "http://p", "retries": 9},
    ):
        with pytest.raises(ValidationError):
            PrometheusConfig.model_validate(bad)


def test_json_transport_helper_is_sane() -> None:
    asked: list[dict[str, str]] = []
    response = transport(asked).handle_request(
        httpx.Request("GET", "http://p/api/v1/query?query=up&time=5")
    )
    assert json.loads(response.read())["data"]["result"][0]["value"] == [5.0, "0.5"]


async def test_query_urls_are_built_once_and_are_what_httpx_builds() -> None:
    """A live query's URL is built once (httpx percent-encodes a URL for every request:
    a quarter of a query's CPU), under the base URL's path prefix, encoded as httpx
    encodes it; the URLs kept are bounded (an injected clock makes one per query)."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        result = [{"metric": {}, "value": [0, "1"]}]
        return httpx.Response(200, json={"status": "success",
                                         "data": {"resultType": "vector", "result": result}})

    client = PromClient("https://prom.example/prometheus/", transport=httpx.MockTransport(handle))
    query = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / 2 + é'
    for _ in range(3):
        assert [s.value for s in await client.query(query)] == [1.0]
    built = str(client._client.build_request("GET", "/api/v1/query",
                                             params={"query": query}).url)
    assert seen == [built] * 3
    assert built.startswith("https://prom.example/prometheus/api/v1/query?query=")
    assert len(client._urls) == 1
    for t in range(300):
        await client.query("up", time=1000.0 + t)
    assert seen[-1].endswith("&time=1299") and len(client._urls) <= 256
    await client.close()
