"""One streaming ASR smoke probe over the service's WebSocket, and several at once.

Dashboards say the service answers; this says it *works*: it streams a
reference clip over the service's WebSocket at real-time pace and reads the
transcript back. Measures connect time, time to first partial, end of audio to
final, total, the transcript and its word error rate against the expected text,
and how the server closed. Every phase has a deadline, so a probe never hangs;
every failure is a result with a reason, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from cockpit.config import AsrProbeConfig, ConfigError, read_secret
from cockpit.redact import redact
from cockpit.sources.asr.clip import AudioFormatError, Clip, expected_text, load_clip
from cockpit.sources.asr.protocols import AsrProtocol, GenericSpec, ProtocolError, make_protocol
from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.sources.asr.wer import word_error_rate
from cockpit.sources.ssl_contexts import default_context

STREAM_SLACK = 5.0  # seconds beyond the clip's (sped-up) length for sending it all
CLOSE_TIMEOUT = 2.0

class _Fail(Exception):
    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(reason)
        self.phase, self.reason = phase, reason


def _secs(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


@contextlib.asynccontextmanager
async def _phase(name: str, seconds: float, what: str) -> AsyncIterator[None]:
    """A deadline on one phase; its expiry becomes a failure that names the phase."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise _Fail(name, f"{what} within {_secs(seconds)} ({name} deadline)") from None


def _describe(exc: BaseException, url: str, max_frame: int) -> str:
    """A failure a release captain can act on, from whatever the connection raised."""
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {url} (is the service listening?)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate of {url} not trusted ({exc.verify_message}); "
            "set asr_probe.ca_file to the CA bundle that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake with {url} failed: {exc.reason or exc}"
    if isinstance(exc, InvalidStatus):
        resp = exc.response
        body = (resp.body or b"")[:200].decode("utf-8", "replace").strip()
        tail = f": {body!r}" if body else ""
        return f"server refused the WebSocket upgrade with HTTP {resp.status_code}{tail}"
    if isinstance(exc, InvalidURI):
        return f"not a WebSocket URL: {exc}"
    if isinstance(exc, InvalidHandshake):
        return f"WebSocket handshake with {url} failed: {exc}"
    if isinstance(exc, ConnectionClosed):
        return _closed_text(exc, max_frame)
    if isinstance(exc, ProtocolError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot reach {url}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _closed_text(exc: ConnectionClosed, max_frame: int) -> str:
    if exc.sent is not None and exc.sent.code == 1009:
        return (
            f"server sent a frame larger than the {max_frame} byte limit "
            "(asr_probe.max_frame); connection closed with 1009"
        )
    if exc.rcvd is not None:
        reason = f" {exc.rcvd.reason!r}" if exc.rcvd.reason else ""
        return f"server closed the connection mid-stream with code {exc.rcvd.code}{reason}"
    return "connection dropped mid-stream with no close frame (1006)"


# ------------------------------------------------------------------ one run


@dataclass
class _Stream:
    """What the receiver has heard so far (perf_counter times)."""

    finals: list[str] = field(default_factory=list)
    partial: str = ""
    partials: int = 0
    audio_started: float | None = None
    first_words: float | None = None
    end_sent: float | None = None
    last_final: float | None = None
    sent: float = 0.0


def tls_context(config: AsrProbeConfig) -> ssl.SSLContext | None:
    if not config.url.startswith("wss://"):
        return None
    return default_context(config.ca_file or None, verify=config.verify)  # shared, per setting


def auth_headers(config: AsrProbeConfig) -> list[tuple[str, str]]:
    """Extra headers plus the token (from env or file; registered for redaction)."""
    headers = list(config.headers.items())
    token = read_secret(config.token_env, config.token_file)
    if token:
        value = f"{config.auth_scheme} {token}" if config.auth_scheme else token
        headers.append((config.auth_header, value))
    return headers


def protocol_for(config: AsrProbeConfig) -> AsrProtocol:
    spec = None
    if config.generic is not None:
        g = config.generic
        spec = GenericSpec(
            final_path=g.final_path,
            partial_path=g.partial_path,
            final_flag_path=g.final_flag_path,
            start_message=g.start_message,
            end_message=g.end_message,
        )
    return make_protocol(config.protocol, config.sample_rate, spec)


ProgressCallback = Callable[[ProbeProgress], None]


async def run_probe(
    config: AsrProbeConfig,
    *,
    clip: Clip | None = None,
    expected: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> ProbeResult:
    """Stream the clip once and judge the result. Never raises, never outlives its deadlines.

    `on_progress` hears each state, each chunk sent and each partial heard (the source
    coalesces them for its listeners)."""
    result = ProbeResult(
        url=redact(config.url), protocol=config.protocol, expected="", speed=config.speed
    )
    if config.url.startswith("wss://") and not config.verify:
        result.warnings.append(
            "TLS verification is OFF (asr_probe.verify: false): "
            "this probe cannot tell the service from an impostor"
        )
    report = on_progress or (lambda p: None)
    try:
        result.expected = expected if expected is not None else expected_text(config)
        clip = clip or load_clip(Path(config.audio), config.sample_rate, config.protocol)
        result.audio_seconds = clip.seconds
        headers = auth_headers(config)
        protocol = protocol_for(config)
    except (AudioFormatError, ConfigError, ValueError) as exc:
        result.fail(str(exc), "setup")
        return result

    stream = _Stream()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(config.timeout):
            await _stream(config, protocol, clip, headers, stream, result, report)
    except _Fail as exc:
        result.fail(exc.reason, exc.phase)
    except TimeoutError:
        result.fail(f"the probe exceeded its overall deadline of {_secs(config.timeout)}", "total")
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        result.fail(f"probe error: {_describe(exc, redact(config.url), config.max_frame)}", "probe")
    result.total = time.perf_counter() - started
    result.partials = stream.partials
    result.transcript = " ".join(stream.finals)
    report(ProbeProgress("done", stream.sent, clip.seconds, stream.partial))
    _judge(result, config)
    return result


async def _stream(
    config: AsrProbeConfig,
    protocol: AsrProtocol,
    clip: Clip,
    headers: list[tuple[str, str]],
    st: _Stream,
    result: ProbeResult,
    report: ProgressCallback,
) -> None:
    url = redact(config.url)
    report(ProbeProgress("connecting", 0.0, clip.seconds))
    t0 = time.perf_counter()
    try:
        async with _phase("connect", config.connect_timeout, "no WebSocket connection"):
            ws = await connect(
                config.url,
                additional_headers=headers or None,
                ssl=tls_context(config),
                open_timeout=None,
                ping_interval=None,
                close_timeout=CLOSE_TIMEOUT,
                max_size=config.max_frame,
                # no permessage-deflate: PCM barely compresses, and deflating each chunk
                # (and inflating each answer) was a third of the probe's CPU per send
                # (issue 14). A server answers only with extensions the client offered
                # (RFC 6455 9.1); vosk-server (websockets' serve) takes plain frames.
                compression=None,
                user_agent_header="cockpit-asr-probe",
            )
    except _Fail:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
        raise _Fail("connect", _describe(exc, url, config.max_frame)) from None
    result.connect = time.perf_counter() - t0

    receiver: asyncio.Task[str] | None = None
    sender: asyncio.Task[None] | None = None
    try:
        try:
            for message in protocol.start_messages():
                await ws.send(message)
        except Exception as exc:  # noqa: BLE001
            raise _Fail("stream", _describe(exc, url, config.max_frame)) from None
        receiver = asyncio.create_task(_receive(ws, protocol, st, clip, report))
        sender = asyncio.create_task(_send_audio(ws, protocol, clip, config, st, report))
        await _await_stream(config, clip, st, sender, receiver, url)
        report(ProbeProgress("waiting", st.sent, clip.seconds, st.partial))
        async with _phase("final", config.final_timeout, "no final transcript"):
            try:
                await receiver
            except _Fail:
                raise
            except Exception as exc:  # noqa: BLE001
                raise _Fail("final", _describe(exc, url, config.max_frame)) from None
        if st.end_sent is not None and st.last_final is not None:
            result.final_latency = st.last_final - st.end_sent
        elif st.finals:  # every final came before the end of the audio: nothing to wait for
            result.final_latency = 0.0
        if st.first_words is not None and st.audio_started is not None:
            result.first_partial = st.first_words - st.audio_started
    finally:
        for task in (sender, receiver):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT + 0.5):
                await ws.close()
        if ws.close_code is None:  # close did not finish: drop the connection
            ws.transport.abort()
        result.close_code = ws.close_code
        result.close_reason = redact(ws.close_reason or "") or None


async def _await_stream(
    config: AsrProbeConfig,
    clip: Clip,
    st: _Stream,
    sender: asyncio.Task[None],
    receiver: asyncio.Task[str],
    url: str,
) -> None:
    """Wait for the audio to be sent; fail early if the server breaks off meanwhile."""
    deadline = clip.seconds / config.speed + STREAM_SLACK
    done, _ = await asyncio.wait(
        {sender, receiver}, timeout=deadline, return_when=asyncio.FIRST_COMPLETED
    )
    if not done:
        raise _Fail(
            "stream",
            f"could not send {clip.seconds:.1f} s of audio within {_secs(deadline)} "
            f"(stream deadline; sent {st.sent:.1f} s: is the server reading?)",
        )
    if receiver in done and not sender.done():
        sender.cancel()
        exc = receiver.exception()
        where = f"after {st.sent:.1f} s of {clip.seconds:.1f} s of audio"
        if exc is not None:
            raise _Fail("stream", f"{_describe(exc, url, config.max_frame)} {where}")
        raise _Fail("stream", f"server closed the connection before the end of the audio, {where}")
    exc = sender.exception()
    if exc is not None:
        if isinstance(exc, ConnectionClosed):
            # the receiver saw the same close, often with the better reason (a 1009)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(0.5):
                    await receiver
            rexc = receiver.exception() if receiver.done() else None
            exc = rexc if isinstance(rexc, ConnectionClosed | ProtocolError) else exc
        where = f"after {st.sent:.1f} s of {clip.seconds:.1f} s of audio"
        raise _Fail("stream", f"{_describe(exc, url, config.max_frame)} {where}")


async def _send_audio(
    ws: ClientConnection,
    protocol: AsrProtocol,
    clip: Clip,
    config: AsrProbeConfig,
    st: _Stream,
    report: ProgressCallback,
) -> None:
    """Chunks of `config.chunk` seconds, chunk i at i * chunk / speed; then the end message."""
    step = max(2, int(clip.sample_rate * config.chunk) * 2)
    pace = config.chunk / config.speed
    start = time.perf_counter()
    n = 0
    for n, offset in enumerate(range(0, len(clip.pcm), step)):  # noqa: B007
        delay = start + n * pace - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if st.audio_started is None:
            st.audio_started = time.perf_counter()
        chunk = clip.pcm[offset : offset + step]
        await ws.send(protocol.audio_frame(chunk))
        st.sent += len(chunk) / (2 * clip.sample_rate)
        report(ProbeProgress("streaming", st.sent, clip.seconds, st.partial))
    delay = start + (n + 1) * pace - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
    st.end_sent = time.perf_counter()  # the end of audio, stamped before any await
    for message in protocol.end_messages():
        await ws.send(message)


async def _receive(
    ws: ClientConnection,
    protocol: AsrProtocol,
    st: _Stream,
    clip: Clip,
    report: ProgressCallback,
) -> str:
    """Read answers until the transcript is complete ('complete') or the server closes."""
    async for message in ws:
        t = time.perf_counter()
        for update in protocol.parse(message):
            if update.complete:
                return "complete"
            text = update.text.strip()
            if update.kind == "partial":
                st.partials += 1
                st.partial = text
                if text and st.first_words is None:
                    st.first_words = t
                # a partial after the end of the audio: still waiting for the final
                state = "streaming" if st.end_sent is None else "waiting"
                report(ProbeProgress(state, st.sent, clip.seconds, text))
                continue
            if text:
                st.finals.append(text)
                if st.first_words is None and st.end_sent is None:
                    st.first_words = t
            st.partial = ""
            if st.end_sent is not None:
                st.last_final = t
                if protocol.final_after_end_completes:
                    return "complete"
    return "closed"


def _judge(result: ProbeResult, config: AsrProbeConfig) -> None:
    """Apply the thresholds; `ok` is set only when nothing failed."""
    if result.reason is None:
        if not result.transcript:
            result.fail("no transcript: the server sent no final text", "final")
        else:
            result.wer = word_error_rate(result.expected, result.transcript)
    elif result.transcript:
        result.wer = word_error_rate(result.expected, result.transcript)
    if result.reason is not None and result.phase is not None:
        return
    checks = (
        ("WER", result.wer, config.max_wer, lambda v: f"{v:.2f}"),
        ("connect", result.connect, config.max_connect, _secs),
        ("first partial", result.first_partial, config.max_first_partial, _secs),
        ("final latency", result.final_latency, config.max_final_latency, _secs),
    )
    for label, value, limit, fmt in checks:
        if value is not None and value > limit:
            result.fail(f"{label} {fmt(value)} over the limit of {fmt(limit)}")
    if result.first_partial is None:
        result.fail("no partial result while the audio streamed")
    result.ok = not result.reasons


# ------------------------------------------------------------------ several at once


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values, None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


async def run_many(config: AsrProbeConfig, n: int) -> list[ProbeResult]:
    """N probes at once, for a quick capacity check before opening traffic."""
    expected = expected_text(config)
    clip = load_clip(Path(config.audio), config.sample_rate, config.protocol)
    return list(
        await asyncio.gather(
            *(run_probe(config, clip=clip, expected=expected) for _ in range(n))
        )
    )


