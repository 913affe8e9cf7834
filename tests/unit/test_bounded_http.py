"""Bounded HTTP: a hostile server costs bounded memory and time, with a clear error.

Against a real loopback server (tests/support/hostile_http.py), through the real
httpx client, the Prometheus client and the http health-check source.
"""

from __future__ import annotations

import gzip
import resource
import time

import httpx
import pytest

from cockpit.config import HttpCheck
from cockpit.sources.bounded_http import TooLarge, TooSlow, fetch
from cockpit.sources.http import HttpSource
from cockpit.sources.prom_api import TOO_LARGE, PromClient, PromError
from tests.support.hostile_http import HostileHttp


@pytest.fixture(scope="module")
def server():
    with HostileHttp() as s:
        yield s


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_a_normal_answer_reads_as_before(server):
    async with httpx.AsyncClient() as client:
        response = await fetch(client, "GET", f"{server.url}/ok", max_bytes=1024, total=5)
    assert response.status_code == 200 and response.json()["status"] == "success"


@pytest.mark.parametrize("path", ["/huge-declared", "/endless"])
async def test_a_body_over_the_limit_is_refused_early(server, path):
    started, before = time.monotonic(), rss_mib()
    async with httpx.AsyncClient() as client:
        with pytest.raises(TooLarge, match=r"is larger than 1 MiB: refused"):
            await fetch(client, "GET", f"{server.url}{path}", max_bytes=1 << 20, total=20)
    assert time.monotonic() - started < 5
    assert rss_mib() - before < 64  # peak RSS: nowhere near the 400 MB body


async def test_a_drip_fed_answer_ends_at_the_total_bound(server):
    # httpx's timeout is per read: 0.2 s between bytes never trips a 3 s timeout.
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=3.0) as client:
        with pytest.raises(TooSlow, match=r"no complete answer from .*/drip within 1s"):
            await fetch(client, "GET", f"{server.url}/drip", max_bytes=1 << 20, total=1.0)
    assert time.monotonic() - started < 3


async def test_a_health_check_with_a_huge_or_dripping_body_fails_bounded(server):
    for path, why in (("/huge-declared", "larger than 1 MiB"), ("/drip", "timed out after 1s")):
        source = HttpSource("api", HttpCheck(url=f"{server.url}{path}", timeout=1.0))
        started = time.monotonic()
        readings = await source.sample()
        await source.close()
        assert time.monotonic() - started < 4
        up = readings[0]
        assert up.value is None and why in (up.error or ""), up.error  # UNKNOWN, never up


async def test_a_million_prometheus_series_is_refused_bounded(server):
    started, before = time.monotonic(), rss_mib()
    async with PromClient(f"{server.url}/series", timeout=20, retries=0) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == TOO_LARGE
    assert info.value.message == (f"answer from {server.url}/series/api/v1/query is larger "
                                  "than 8 MiB: refused: aggregate in the query")
    assert time.monotonic() - started < 10  # was 19 s and 2.1 GB
    assert rss_mib() - before < 200


async def test_too_many_series_in_a_small_answer_is_refused(server):
    async with PromClient(f"{server.url}/series/30000", timeout=20, retries=0) as client:
        with pytest.raises(PromError) as info:
            await client.query("up")
    assert info.value.kind == TOO_LARGE and "30000 series" in info.value.message


# ---------------------------------------------------------------- the Answer, in memory
# (httpx.MockTransport: the same client.send path, no server)


def mock_client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler),
                             base_url="http://prom.test:9090/prefix")


async def test_the_answer_is_the_whole_body_read_in_chunks():
    async def chunks():
        for part in (b'{"status": ', b'"success", ', b'"data": {}}'):
            yield part

    async with mock_client(lambda request: httpx.Response(
            201, content=chunks(), headers={"X-Thing": "a"})) as client:
        answer = await fetch(client, "GET", "/api/v1/query", max_bytes=1024, total=5)
    assert answer.status_code == 201 and answer.reason_phrase == "Created"
    assert answer.content == b'{"status": "success", "data": {}}'
    assert answer.json() == {"status": "success", "data": {}}
    assert answer.headers["x-thing"] == "a"


async def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives():
    sent = []

    async def chunks():
        for i in range(100):
            sent.append(i)
            yield b"x" * 100

    async with mock_client(lambda request: httpx.Response(200, content=chunks())) as client:
        with pytest.raises(TooLarge, match=r"answer from http://prom.test:9090/prefix/big is "
                                           r"larger than 1000 bytes: refused"):
            await fetch(client, "GET", "big", max_bytes=1000, total=5)
    assert len(sent) < 20  # refused at the chunk over the limit, not after the whole body


async def test_the_limit_counts_gunzipped_bytes_and_the_answer_is_decoded():
    body = b'{"status": "success", "data": {"pad": "' + b"0" * 4000 + b'"}}'
    packed = gzip.compress(body)
    assert len(packed) < 200

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=packed, headers={"Content-Encoding": "gzip"})

    async with mock_client(handler) as client:
        answer = await fetch(client, "GET", "/q", max_bytes=8192, total=5)
        assert answer.content == body and answer.json()["status"] == "success"
        with pytest.raises(TooLarge):  # 200 bytes on the wire, 4 KB once unpacked
            await fetch(client, "GET", "/q", max_bytes=1024, total=5)


async def test_a_declared_length_over_the_limit_fails_before_the_body_is_read():
    read = []

    async def chunks():
        read.append(1)
        yield b"x" * 10

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(), headers={"Content-Length": "5000"})

    url = httpx.URL("http://prom.test:9090/api/v1/query", params={"query": "up"})
    async with mock_client(handler) as client:
        with pytest.raises(TooLarge, match=r"from http://prom.test:9090/api/v1/query is larger"):
            await fetch(client, "GET", url, max_bytes=1000, total=5)  # no query string shown
    assert read == []


async def test_an_answer_that_is_not_json_raises_value_error_and_reads_as_text():
    async with mock_client(lambda request: httpx.Response(
            502, content=b"<html>bad \xff gateway</html>")) as client:
        answer = await fetch(client, "POST", "/x", max_bytes=1024, total=5,
                             data={"query": "up"})
    assert answer.status_code == 502 and answer.reason_phrase == "Bad Gateway"
    with pytest.raises(ValueError):
        answer.json()
    assert answer.text == "<html>bad \ufffd gateway</html>"
