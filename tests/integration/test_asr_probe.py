"""The probe against a real recognizer and against hostile or broken servers.

Deadlines are asserted as bounds on the probe's own `total` (it must give up
within its deadline plus slack), not as timings of the system under test.
"""

from __future__ import annotations

import pytest

from cockpit.sources.asr.probe import run_probe
from cockpit.sources.asr.result import ProbeProgress
from cockpit.sources.asr.source import AsrProbeSource
from cockpit.ui.text import plain
from tests.support import asr as support
from tests.support.asr import EXPECTED, probe_config

pytestmark = pytest.mark.integration


# ------------------------------------------------------------------ the real recognizer


async def test_shipped_clip_through_pocketsphinx_sim() -> None:
    with support.asr_sim() as (url, _faults):
        seen: list[ProbeProgress] = []
        result = await run_probe(probe_config(url), on_progress=seen.append)
    assert result.reason is None, result.reason
    assert result.ok
    assert result.transcript == "launch smoke test one two three" == EXPECTED
    assert result.wer == 0.0
    assert result.close_code == 1000 and result.close_reason == "eof"
    assert result.connect is not None and result.first_partial is not None
    assert result.final_latency is not None and result.final_latency >= 0
    assert result.partials >= 30  # one answer per 100 ms chunk of a 3.35 s clip
    assert result.audio_seconds == pytest.approx(3.352, abs=0.01)
    states = [p.state for p in seen]
    assert states[0] == "connecting" and states[-1] == "done" and "streaming" in states
    assert max(p.fraction for p in seen) == 1.0
    assert any("smoke test one two" in p.partial for p in seen)  # words while speaking


async def test_sim_fault_wrong_words_fails_on_wer() -> None:
    with support.asr_sim(wrong_words=True) as (url, _faults):
        result = await run_probe(probe_config(url, speed=4.0))
    assert not result.ok
    assert result.transcript == "launch nope test nope two nope"
    assert result.wer == pytest.approx(0.5)
    assert result.reason == "WER 0.50 over the limit of 0.20"


async def test_sim_fault_slow_fails_on_latency() -> None:
    with support.asr_sim(delay=1.0) as (url, _faults):
        config = probe_config(url, speed=4.0, max_final_latency=0.5, final_timeout=5.0)
        result = await run_probe(config)
    assert not result.ok
    assert result.transcript == EXPECTED
    assert result.final_latency is not None and result.final_latency >= 1.0
    assert any(r.startswith("final latency") for r in result.reasons)


async def test_sim_fault_refuse_is_http_503() -> None:
    with support.asr_sim(refuse=True) as (url, _faults):
        result = await run_probe(probe_config(url))
    assert not result.ok and result.phase == "connect"
    assert "HTTP 503" in (result.reason or "")


async def test_source_emits_events_on_pass_fail_changes() -> None:
    with support.asr_sim() as (url, faults):
        source = AsrProbeSource(probe_config(url, speed=4.0))
        progress: list[ProbeProgress] = []
        source.add_progress_listener(progress.append)
        first = {r.name: r for r in await source.sample()}
        assert first["asr.ok"].value is True
        assert first["asr.wer"].value == 0.0
        assert first["asr.first_partial"].unit == "seconds"
        assert source.drain_events() == []  # first result passing: nothing changed
        assert progress and progress[-1].state == "done"

        faults.refuse = True  # type: ignore[attr-defined]
        second = {r.name: r for r in await source.sample()}
        assert second["asr.ok"].value is False
        assert second["asr.wer"].error is not None and "HTTP 503" in second["asr.wer"].error
        [event] = source.drain_events()
        assert event.kind == "probe" and event.severity == "error"
        assert "ASR probe failing" in event.message and "HTTP 503" in event.message
        assert event.data["result"]["ok"] is False

        faults.refuse = False  # type: ignore[attr-defined]
        await source.sample()
        [back] = source.drain_events()
        assert back.severity == "info" and "passing again" in back.message
        assert back.data["result"]["wer"] == 0.0
        assert len(source.history("asr.final_latency")) == 2
        await source.close()


# ------------------------------------------------------------------ hostile and broken


async def test_refused_connection() -> None:
    result = await run_probe(probe_config(support.refused_url()))
    assert not result.ok and result.phase == "connect"
    assert "connection refused" in (result.reason or "")
    assert result.total is not None and result.total < 2.0


async def test_tcp_accepts_but_never_upgrades() -> None:
    async with support.tcp_black_hole() as url:
        result = await run_probe(probe_config(url, connect_timeout=0.5))
    assert not result.ok and result.phase == "connect"
    assert result.reason == "no WebSocket connection within 500 ms (connect deadline)"
    assert result.total is not None and result.total < 0.5 + 1.0


async def test_accepts_and_never_answers() -> None:
    async with support.ws_server(support.never_answers) as url:
        result = await run_probe(probe_config(url, speed=8.0, final_timeout=0.5))
    assert not result.ok and result.phase == "final"
    assert result.reason == "no final transcript within 500 ms (final deadline)"
    assert result.transcript == ""
    # clip 3.35 s at 8x ~ 0.42 s, then the 0.5 s final deadline, then a bounded close
    assert result.total is not None and result.total < 0.42 + 0.5 + 3.0


async def test_closes_mid_stream() -> None:
    async with support.ws_server(support.closes_mid_stream(after_chunks=5)) as url:
        result = await run_probe(probe_config(url, speed=8.0))
    assert not result.ok and result.phase == "stream"
    reason = result.reason or ""
    assert "closed the connection mid-stream with code 1011 'worker crashed'" in reason
    assert "of 3.4 s of audio" in (result.reason or "")
    assert result.close_code == 1011 and result.close_reason == "worker crashed"


async def test_non_json_answer() -> None:
    async with support.ws_server(support.sends_non_json) as url:
        result = await run_probe(probe_config(url, speed=8.0))
    assert not result.ok and result.phase == "stream"
    assert "non-JSON text: '<html><body>502 Bad Gateway</body></html>'" in (result.reason or "")


async def test_fifty_megabyte_frame() -> None:
    async with support.ws_server(support.sends_huge_frame) as url:
        result = await run_probe(probe_config(url, speed=8.0))
    assert not result.ok and result.phase == "stream"
    assert "larger than the 1048576 byte limit" in (result.reason or "")
    assert "1009" in (result.reason or "")
    assert result.total is not None and result.total < 10


async def test_markup_and_escapes_kept_literally() -> None:
    async with support.ws_server(support.answers(support.HOSTILE_TEXT)) as url:
        result = await run_probe(probe_config(url, speed=8.0))
    assert result.transcript == support.HOSTILE_TEXT  # the data holds it byte for byte
    assert not result.ok and result.wer is not None and result.wer > 0.2
    shown = plain(result.transcript).plain
    assert "[red]BOOM[/red]" in shown and "[@click=app.quit]" in shown
    assert "\x1b" not in shown and "\\x1b[2J" in shown


async def test_tls_with_unknown_ca(tmp_path) -> None:
    server_ctx, ca_file = support.make_tls(tmp_path)
    async with support.ws_server(support.answers(EXPECTED), tls=server_ctx) as url:
        untrusted = await run_probe(probe_config(url))
        trusted = await run_probe(probe_config(url, ca_file=ca_file, speed=8.0))
        unverified = await run_probe(probe_config(url, verify=False, speed=8.0))
    assert not untrusted.ok and untrusted.phase == "connect"
    assert "TLS certificate" in (untrusted.reason or "") and "not trusted" in untrusted.reason
    assert "asr_probe.ca_file" in untrusted.reason
    assert trusted.ok, trusted.reason
    assert trusted.transcript == EXPECTED and trusted.warnings == []
    assert unverified.ok
    assert unverified.warnings and "TLS verification is OFF" in unverified.warnings[0]


async def test_token_header_sent_and_redacted(monkeypatch) -> None:
    seen: dict[str, str] = {}

    async def handler(ws) -> None:
        seen["auth"] = ws.request.headers.get("Authorization", "")
        await ws.close(1008, "bad token s3cr3t-token-value")

    monkeypatch.setenv("ASR_TEST_TOKEN", "s3cr3t-token-value")
    async with support.ws_server(handler) as url:
        result = await run_probe(probe_config(url, token_env="ASR_TEST_TOKEN", speed=8.0))
    assert seen["auth"] == "Bearer s3cr3t-token-value"
    assert not result.ok
    assert "s3cr3t" not in (result.reason or "") and "s3cr3t" not in (result.close_reason or "")
    assert "***" in (result.close_reason or "")


# ------------------------------------------------------------------ what the probe costs (issue 14)


async def test_probe_offers_no_permessage_deflate() -> None:
    """Deflating PCM chunks was a third of the probe's CPU per send; the test server
    (websockets' serve, compression on by default, as vosk-server's) would take it if
    offered."""
    seen: dict[str, object] = {}
    answer = support.answers(EXPECTED)

    async def handler(ws) -> None:
        seen["offered"] = ws.request.headers.get_all("Sec-WebSocket-Extensions")
        seen["negotiated"] = list(ws.protocol.extensions)
        await answer(ws)

    async with support.ws_server(handler) as url:
        result = await run_probe(probe_config(url, speed=8.0))
    assert result.ok, result.reason
    assert seen == {"offered": [], "negotiated": []}


async def test_progress_coalesced_result_unchanged() -> None:
    """The source tells its listeners (the engine, so the screen) of each change of state at
    once and of the same state again once per `progress_every`; its `progress` is always
    the latest, and nothing the probe measures moves with it (issue 14)."""
    runs: dict[float, tuple[list[ProbeProgress], list[ProbeProgress], dict]] = {}
    async with support.ws_server(support.answers(EXPECTED)) as url:
        for every in (0.0, 3600.0):  # an hour: no repeat of a state passes, whatever the load
            source = AsrProbeSource(probe_config(url, speed=8.0))
            source.progress_every = every
            heard: list[ProbeProgress] = []
            current: list[ProbeProgress] = []

            def listener(p: ProbeProgress, heard=heard, current=current, source=source) -> None:
                heard.append(p)
                current.append(source.progress)

            source.add_progress_listener(listener)
            readings = {r.name: r for r in await source.sample()}
            runs[every] = (heard, current, readings)
            await source.close()
    every_update, _, full = runs[0.0]
    coalesced, current, few = runs[3600.0]
    assert [p.state for p in coalesced] == ["connecting", "streaming", "waiting", "done"]
    assert current == coalesced  # what a listener is told is what the pane then reads
    assert len(every_update) > 2 * 30  # each of the 34 chunks sent and each partial heard
    for run in (every_update, coalesced):
        waiting, done = run[-2:]  # the last word is current, not a dropped update
        assert (waiting.state, waiting.partial, done.state, done.partial) == (
            "waiting", EXPECTED, "done", "")
        assert waiting.fraction == done.fraction == pytest.approx(1.0)
    for readings in (full, few):
        assert readings["asr.ok"].value is True
        assert readings["asr.wer"].value == 0.0
        result = readings["asr.ok"].detail.result
        assert result.transcript == EXPECTED and result.partials == 34
        assert result.close_code == 1000
        for name in ("asr.first_partial", "asr.final_latency", "asr.connect"):
            assert readings[name].error is None and readings[name].value is not None


# ------------------------------------------------------------------ other protocols


async def test_deepgram_style_protocol() -> None:
    async with support.ws_server(support.deepgram_like(EXPECTED)) as url:
        result = await run_probe(probe_config(url, protocol="deepgram", speed=8.0))
    assert result.ok, result.reason
    assert result.transcript == EXPECTED
    assert result.close_code == 1000


async def test_generic_protocol_from_config() -> None:
    generic = {
        "start_message": {"op": "begin"},
        "end_message": {"op": "end"},
        "final_path": "result.text",
        "final_flag_path": "result.done",
    }
    async with support.ws_server(support.generic_json(EXPECTED)) as url:
        config = probe_config(url, protocol="generic", generic=generic, speed=8.0)
        result = await run_probe(config)
    assert result.ok, result.reason
    assert result.transcript == EXPECTED and result.wer == 0.0
