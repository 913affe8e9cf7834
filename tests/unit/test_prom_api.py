"""PromClient against a tiny loopback stand-in: 401, timeout, non-JSON, retries, auth."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from cockpit.config import PrometheusConfig
from cockpit.redact import redact
from cockpit.sources.prom_api import PromClient, PromError, to_float
from cockpit.sources.prometheus import PrometheusSource, check_queries

Handler = Callable[[BaseHTTPRequestHandler, dict[str, list[str]]], tuple[int, str, bytes]]


class Stub:
    """A loopback HTTP server whose answer is set per test; records what it was asked."""

    def __init__(self) -> None:
        self.answer: Handler = lambda req, q: (200, "application/json", ok_vector(1.0))
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        stub = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = parse_qs(url.query)
                stub.requests.append((url.path, query, dict(self.headers)))
                status, ctype, body = stub.answer(self, query)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok_vector(*values: float | str, labels: list[dict] | None = None) -> bytes:
    result = [
        {"metric": (labels or [{}] * len(values))[i], "value": [1700000000, str(v)]}
        for i, v in enumerate(values)
    ]
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": result}}
    ).encode()


@pytest.fixture
def stub() -> Iterator[Stub]:
    with Stub() as s:
        yield s


async def test_vector_scalar_and_nan(stub: Stub) -> None:
    async with PromClient(stub.url) as client:
        [s] = await client.query("up", time=1700000000.5)
        assert s.value == 1.0 and s.labels == {}
        assert stub.requests[-1][1] == {"query": ["up"], "time": ["1700000000.5"]}

        stub.answer = lambda r, q: (200, "application/json", ok_vector("NaN"))
        [s] = await client.query("0/0")
        assert s.value is None  # NaN is no data, never 0

        stub.answer = lambda r, q: (
            200,
            "application/json",
            b'{"status":"success","data":{"resultType":"scalar","result":[1,"3.5"]}}',
        )
        assert [s.value for s in await client.query("scalar(x)")] == [3.5]

        stub.answer = lambda r, q: (
            200,
            "application/json",
            ok_vector(1, 2, labels=[{"version": "a"}, {"version": "b"}]),
        )
        got = await client.query("x")
        assert [(dict(s.labels), s.value) for s in got] == [
            ({"version": "a"}, 1.0),
            ({"version": "b"}, 2.0),
        ]


def test_to_float() -> None:
    assert to_float("+Inf") == float("inf")
    assert to_float("NaN") is None
    assert to_float("nope") is None
    assert to_float("0") == 0.0


async def test_bad_query_carries_prometheus_text(stub: Stub) -> None:
    body = json.dumps(
        {
            "status": "error",
            "errorType": "bad_data",
            "error": "1:14: parse error: unclosed left parenthesis",
        }
    ).encode()
    stub.answer = lambda r, q: (400, "application/json", body)
    async with PromClient(stub.url, retries=3, backoff=0.001) as client:
        with pytest.raises(PromError) as info:
            await client.query("sum(rate(x[5m]")
    assert info.value.kind == "bad_query"
    assert str(info.value) == "1:14: parse error: unclosed left parenthesis"
    assert len(stub.requests) == 1  # a bad query is never retried


async def test_401_is_auth_error_and_token_never_shown(stub: Stub) -> None:
    stub.answer = lambda r, q: (401, "text/plain", b"Unauthorized\n")
    async with PromClient(stub.url, token="s3cr3t-token-value", retries=2) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == "auth"
    assert "401 Unauthorized" in str(info.value)
    assert "s3cr3t" not in str(info.value)
    assert stub.requests[-1][2]["Authorization"] == "Bearer s3cr3t-token-value"
    assert len(stub.requests) == 1
    assert redact("token s3cr3t-token-value") == "token ***"


async def test_basic_auth_header(stub: Stub) -> None:
    async with PromClient(stub.url, username="captain", password="hunter22") as client:
        await client.query("up")
    expected = "Basic " + base64.b64encode(b"captain:hunter22").decode()
    assert stub.requests[-1][2]["Authorization"] == expected


async def test_non_json_answer(stub: Stub) -> None:
    stub.answer = lambda r, q: (200, "text/html", b"<html><body>Sign in to continue</body>")
    async with PromClient(stub.url) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == "not_json"
    assert "not JSON" in str(info.value) and "Sign in" in str(info.value)


async def test_json_but_not_api(stub: Stub) -> None:
    stub.answer = lambda r, q: (200, "application/json", b"[1, 2]")
    async with PromClient(stub.url) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == "not_json"


async def test_timeout(stub: Stub) -> None:
    release = threading.Event()

    def slow(r: BaseHTTPRequestHandler, q: dict) -> tuple[int, str, bytes]:
        release.wait(5)
        return 200, "application/json", ok_vector(1)

    stub.answer = slow
    try:
        async with PromClient(stub.url, timeout=0.2, retries=0) as client:
            with pytest.raises(PromError) as info:
                await client.query("up")
    finally:
        release.set()
    assert info.value.kind == "timeout"
    assert "within 0.2s" in str(info.value)


async def test_5xx_is_retried_then_succeeds(stub: Stub) -> None:
    calls = []

    def flaky(r: BaseHTTPRequestHandler, q: dict) -> tuple[int, str, bytes]:
        calls.append(time.monotonic())
        if len(calls) < 3:
            return 502, "text/html", b"<h1>Bad Gateway</h1>"
        return 200, "application/json", ok_vector(7)

    stub.answer = flaky
    async with PromClient(stub.url, retries=2, backoff=0.001) as client:
        [s] = await client.query("up")
    assert s.value == 7 and len(calls) == 3


async def test_5xx_exhausted_is_http_error(stub: Stub) -> None:
    stub.answer = lambda r, q: (503, "text/plain", b"overloaded")
    async with PromClient(stub.url, retries=1, backoff=0.001) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == "http" and "503" in str(info.value)
    assert len(stub.requests) == 2


async def test_unreachable() -> None:
    from tests.support.prom import free_port

    async with PromClient(f"http://127.0.0.1:{free_port()}", retries=0) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == "unreachable" and "cannot reach" in str(info.value)


async def test_source_readings_for_each_failure(stub: Stub, tmp_path) -> None:
    """401, non-JSON and a bad query reach the reading's error; the source never raises."""
    token = tmp_path / "token"
    token.write_text("tok-abcdef123\n")
    cfg = PrometheusConfig(
        url=stub.url, token_file=token, retries=0, history=0.0, queries={"a": "up", "b": "up2"}
    )
    source = PrometheusSource(cfg, clock=lambda: 1700000000.0)
    try:
        stub.answer = lambda r, q: (401, "text/plain", b"no")
        readings = await source.sample()
        assert [r.ok for r in readings] == [False, False]
        assert all("401" in r.error and r.detail["error_kind"] == "auth" for r in readings)
        assert stub.requests[-1][2]["Authorization"] == "Bearer tok-abcdef123"

        stub.answer = lambda r, q: (200, "text/html", b"<html>proxy</html>")
        assert all("not JSON" in r.error for r in await source.sample())

        def per_query(r: BaseHTTPRequestHandler, q: dict) -> tuple[int, str, bytes]:
            if q["query"] == ["up2"]:
                err = {"status": "error", "errorType": "bad_data", "error": "unknown function"}
                return 400, "application/json", json.dumps(err).encode()
            return 200, "application/json", ok_vector(1)

        stub.answer = per_query
        a, b = await source.sample()
        assert a.ok and a.value == 1.0
        assert b.error == "unknown function"

        problems = await check_queries(cfg)
        assert problems == ["prometheus.queries.b: unknown function"]
        stub.answer = lambda r, q: (401, "text/plain", b"no")
        problems = await check_queries(cfg)
        assert len(problems) == 1 and problems[0].startswith("prometheus: 401 Unauthorized")
    finally:
        await source.close()
