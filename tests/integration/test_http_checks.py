"""Richer HTTP checks against a loopback service API (cockpit/sim/health.py): method,
headers with secrets, bodies, expected status/body/JSON, response headers, CORS, jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.config import ConfigError, HttpCheck
from cockpit.redact import redact
from cockpit.sim.health import HSTS, ApiServer
from cockpit.sources.http import HttpSource

TOKEN = "tok-3f9a1c77e2"  # noqa: S105 - a test token


@pytest.fixture
def api() -> Iterator[ApiServer]:
    server = ApiServer(TOKEN, allowed_origins=("https://app.example.com",), job_seconds=0.3)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def sample(name: str, **fields) -> dict:
    source = HttpSource(name, HttpCheck(**fields))
    try:
        return {r.name: r for r in await source.sample()}
    finally:
        await source.close()


async def test_401_without_a_token_and_200_with_one(api: ApiServer, monkeypatch) -> None:
    monkeypatch.setenv("ASR_AUTH", f"Bearer {TOKEN}")
    anon = await sample("anon", url=f"{api.url}/v1/models", expect_status=[401])
    assert anon["http.anon.up"].value is True and anon["http.anon.status"].value == 401
    authed = await sample("authed", url=f"{api.url}/v1/models",
                          headers_env={"Authorization": "ASR_AUTH"},
                          expect_json={"status": "ok", "models.0": "asr-en-2.4"})
    assert authed["http.authed.up"].value is True, authed["http.authed.up"].detail
    # the header's value is the environment variable's, as written
    sent = [h for m, p, h in api.requests if p == "/v1/models"]
    assert "Authorization" not in sent[0] and sent[1]["Authorization"] == f"Bearer {TOKEN}"
    wrong = await sample("wrong", url=f"{api.url}/v1/models")
    assert wrong["http.wrong.up"].value is False
    assert wrong["http.wrong.up"].detail["failed"] == ["status 401 (needs 200)"]
    assert TOKEN not in redact(f"sent {TOKEN}"), "the secret is registered for redaction"


async def test_bearer_token_from_a_file_and_body_expectations(api: ApiServer,
                                                              tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(f"Bearer {TOKEN}\n")
    got = await sample("m", url=f"{api.url}/v1/models", headers_file={"Authorization": secret},
                       expect_body='"status": "ok"', read_headers=["strict-transport-security",
                                                                  "x-not-sent"])
    assert got["http.m.up"].value is True
    assert got["http.m.header.strict-transport-security"].value == HSTS
    assert got["http.m.header.x-not-sent"].value == "", "absent is an answer: empty text"
    miss = await sample("n", url=f"{api.url}/v1/models", headers_file={"Authorization": secret},
                        expect_body="degraded", expect_json={"status": "degraded", "x.y": 1})
    assert miss["http.n.up"].value is False
    assert miss["http.n.up"].detail["failed"] == [
        "body lacks 'degraded'", "status: 'ok' (needs 'degraded')", "x.y: nothing (needs 1)"]


async def test_cors_origin_allowed_or_not(api: ApiServer) -> None:
    ok = await sample("c", url=f"{api.url}/v1/models", method="OPTIONS", expect_status=[204],
                      cors_origin="https://app.example.com")
    assert ok["http.c.cors_allowed"].value is True and ok["http.c.up"].value is True
    [(_, _, headers)] = [r for r in api.requests if r[0] == "OPTIONS"]
    assert headers["Origin"] == "https://app.example.com"
    assert headers["Access-Control-Request-Method"] == "GET"
    no = await sample("d", url=f"{api.url}/v1/models", expect_status=[401],
                      cors_origin="https://evil.example.com")
    assert no["http.d.cors_allowed"].value is False


async def test_job_submitted_polled_and_done(api: ApiServer, tmp_path: Path) -> None:
    audio = tmp_path / "clip.wav"
    audio.write_bytes(b"RIFF" + bytes(2000))
    common = {"url": f"{api.url}/v1/jobs", "method": "POST", "body_file": audio,
              "content_type": "audio/wav", "expect_status": [202],
              "headers": {"Authorization": f"Bearer {TOKEN}"}, "every": "5m"}
    got = await sample("job", **common, job={"status_url": "/v1/jobs/{id}", "id_path": "id",
                                             "done_value": "completed", "poll": "50ms",
                                             "deadline": "10s"})
    assert got["http.job.done"].value is True, got["http.job.done"].detail
    assert 0.3 <= got["http.job.duration"].value < 10
    [(_, _, posted)] = [r for r in api.requests if r[0] == "POST"]
    assert posted["Content-Type"] == "audio/wav" and posted["Content-Length"] == "2004"
    polls = [p for m, p, _ in api.requests if m == "GET"]
    assert len(polls) >= 2 and all(p.startswith("/v1/jobs/") for p in polls)
    # the Location header names the job when no status_url is given
    by_location = await sample("loc", **common, job={"done_value": "completed", "poll": "50ms"})
    assert by_location["http.loc.done"].value is True


async def test_job_deadline_failure_and_refusal_are_not_done(api: ApiServer,
                                                             tmp_path: Path) -> None:
    api.job_seconds = 60
    base = {"url": f"{api.url}/v1/jobs", "method": "POST", "body": "x", "expect_status": [202],
            "headers": {"Authorization": f"Bearer {TOKEN}"}, "every": "5m"}
    slow = await sample("slow", **base, job={"done_value": "completed", "poll": "50ms",
                                             "deadline": "300ms"})
    assert slow["http.slow.done"].value is False
    assert "not done within 0.3s (status = 'queued')" in slow["http.slow.done"].detail["job"]
    assert slow["http.slow.duration"].value is None
    empty = await sample("empty", **{**base, "body": ""}, job={"done_value": "completed",
                                                                "poll": "50ms"})
    assert empty["http.empty.done"].value is False
    assert empty["http.empty.done"].detail["job"] == "status = 'failed'"
    refused = await sample("refused", **{**base, "headers": {}}, job={"done_value": "x"})
    assert refused["http.refused.done"].value is False
    assert refused["http.refused.up"].value is False


async def test_no_answer_fails_every_signal_of_the_check() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    got = await sample("gone", url=f"http://127.0.0.1:{port}/v1/models",
                       read_headers=["strict-transport-security"], cors_origin="https://a.b",
                       job={"done_value": "x"}, every="5m")
    assert set(got) == {f"http.gone.{s}" for s in ("up", "status", "latency", "cors_allowed",
                                                    "done", "duration",
                                                    "header.strict-transport-security")}
    assert all(r.value is None and r.error for r in got.values())


def test_check_config_errors() -> None:
    url = "http://127.0.0.1:1/"
    with pytest.raises(ValueError, match="not both"):
        HttpCheck(url=url, body="a", body_file="/etc/hostname")
    with pytest.raises(ValueError, match="id_path"):
        HttpCheck(url=url, job={"status_url": "/j/{id}"})
    with pytest.raises(ValueError, match="line breaks"):
        HttpCheck(url=url, headers={"X-A": "a\r\nX-Injected: 1"})
    with pytest.raises(ValueError, match="not an HTTP header name"):
        HttpCheck(url=url, headers={"X A": "a"})
    with pytest.raises(ValueError, match="lower case"):
        HttpCheck(url=url, read_headers=["Strict-Transport-Security"])


async def test_missing_secret_and_huge_body_file_fail_the_start(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    source = HttpSource("s", HttpCheck(url="http://127.0.0.1:1/",
                                       headers_env={"X-Key": "NOPE_TOKEN"}))
    with pytest.raises(ConfigError, match="NOPE_TOKEN is not set"):
        await source.start()
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate((10 << 20) + 1)
    source = HttpSource("b", HttpCheck(url="http://127.0.0.1:1/", method="POST", body_file=big))
    with pytest.raises(ConfigError, match="a small upload"):
        await source.start()
