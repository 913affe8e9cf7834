"""The streaming ASR smoke probe, and the source that runs it on a schedule.

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
import re
import shlex
import ssl
import time
import wave
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jiwer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from cockpit.config import AsrProbeConfig, ConfigError, read_secret
from cockpit.model import Event, EventKind, Reading, Severity, now
from cockpit.redact import redact
from cockpit.sources.asr_protocols import (
    AsrProtocol,
    GenericSpec,
    ProtocolError,
    make_protocol,
)

SIGNALS = ("asr.ok", "asr.wer", "asr.first_partial", "asr.final_latency", "asr.connect")
STREAM_SLACK = 5.0  # seconds beyond the clip's (sped-up) length for sending it all
CLOSE_TIMEOUT = 2.0

# ------------------------------------------------------------------ the clip


class AudioFormatError(ValueError):
    """The reference clip is not what the protocol streams; says how to convert it."""


@dataclass(frozen=True)
class Clip:
    path: Path
    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.sample_rate)


def load_clip(path: Path, sample_rate: int = 16000, protocol: str = "vosk") -> Clip:
    """The clip's PCM16 mono samples, or an AudioFormatError naming file, format and fix."""
    want = f"{sample_rate} Hz mono 16-bit PCM WAV"
    convert = (
        f"sox {shlex.quote(str(path))} -r {sample_rate} -c 1 -b 16 -e signed-integer "
        f"{shlex.quote(str(path.with_name(path.stem + f'-{sample_rate // 1000}k.wav')))}"
    )
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise AudioFormatError(f"{path}: no such file (asr_probe.audio)") from None
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(
            f"{path}: not a PCM WAV file ({exc}); the {protocol} protocol streams {want}. "
            f"Convert it with: {convert}"
        ) from None
    if (rate, channels, width) != (sample_rate, 1, 2):
        raise AudioFormatError(
            f"{path}: {rate} Hz, {channels} channel{'s' if channels != 1 else ''}, "
            f"{8 * width}-bit PCM; the {protocol} protocol streams {want}. "
            f"Convert it with: {convert}"
        )
    if not frames:
        raise AudioFormatError(f"{path}: the WAV file holds no audio")
    return Clip(path, frames, rate)


def expected_text(config: AsrProbeConfig) -> str:
    """`expect` from the config, else the text file beside the clip (smoke-en.txt)."""
    if config.expect is not None:
        return config.expect
    beside = Path(config.audio).with_suffix(".txt")
    try:
        return beside.read_text(encoding="utf-8").strip()
    except OSError:
        raise AudioFormatError(
            f"no expected text: set asr_probe.expect or put it in {beside}"
        ) from None


# ------------------------------------------------------------------ WER and the word diff


def words(text: str) -> list[str]:
    """Words for scoring: lower case, punctuation dropped (ASR casing is no error)."""
    return re.findall(r"[\w']+", text.lower())


@dataclass(frozen=True)
class WordOp:
    """One step of the alignment of transcript to expected text."""

    op: str  # "equal" | "substitute" | "delete" | "insert"
    expected: tuple[str, ...]
    heard: tuple[str, ...]


def word_error_rate(expected: str, transcript: str) -> float:
    ref, hyp = words(expected), words(transcript)
    if not ref:
        return 0.0 if not hyp else 1.0
    if not hyp:
        return 1.0
    return float(jiwer.wer(" ".join(ref), " ".join(hyp)))


def word_diff(expected: str, transcript: str) -> list[WordOp]:
    """The alignment the pane marks: which expected words were missed or misheard."""
    ref, hyp = words(expected), words(transcript)
    if not ref or not hyp:
        ops = []
        if ref:
            ops.append(WordOp("delete", tuple(ref), ()))
        if hyp:
            ops.append(WordOp("insert", (), tuple(hyp)))
        return ops
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return [
        WordOp(
            chunk.type,
            tuple(ref[chunk.ref_start_idx : chunk.ref_end_idx]),
            tuple(hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]),
        )
        for chunk in out.alignments[0]
    ]


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ProbeProgress:
    """Where a running probe is, for the pane's progress bar."""

    state: str = "idle"  # idle | connecting | streaming | waiting | done
    sent: float = 0.0  # seconds of audio sent
    total: float = 0.0  # seconds of audio in the clip
    partial: str = ""  # latest partial transcript

    @property
    def fraction(self) -> float:
        return min(1.0, self.sent / self.total) if self.total else 0.0


@dataclass
class ProbeResult:
    """One probe run. `ok` only if every phase worked and every threshold held."""

    url: str
    protocol: str
    expected: str
    ok: bool = False
    reason: str | None = None  # the first reason it failed
    reasons: list[str] = field(default_factory=list)
    phase: str | None = None  # the phase it failed in, if a phase failed
    connect: float | None = None
    first_partial: float | None = None  # first audio sent -> first words back
    final_latency: float | None = None  # end of audio -> final transcript
    total: float | None = None
    transcript: str = ""
    wer: float | None = None
    close_code: int | None = None
    close_reason: str | None = None
    partials: int = 0
    audio_seconds: float = 0.0
    speed: float = 1.0
    warnings: list[str] = field(default_factory=list)
    at: float = field(default_factory=now)

    def fail(self, reason: str, phase: str | None = None) -> None:
        reason = redact(reason)
        self.ok = False
        self.reasons.append(reason)
        if self.reason is None:
            self.reason, self.phase = reason, phase

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for a log event or a terminal."""
        head = "PASS" if self.ok else f"FAIL ({self.reason})"
        parts = [head]
        for label, value in (
            ("connect", self.connect),
            ("first partial", self.first_partial),
            ("final", self.final_latency),
        ):
            if value is not None:
                parts.append(f"{label} {value * 1000:.0f} ms")
        if self.wer is not None:
            parts.append(f"WER {self.wer:.2f}")
        return ", ".join(parts)


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
    ctx = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if not config.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


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
    """Stream the clip once and judge the result. Never raises, never outlives its deadlines."""
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
                report(ProbeProgress("streaming", st.sent, clip.seconds, text))
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


# ------------------------------------------------------------------ the source


@dataclass(frozen=True)
class AsrDetail:
    """What the ASR pane draws; carried on every asr.* reading."""

    result: ProbeResult
    diff: tuple[WordOp, ...]
    thresholds: dict[str, float]
    history: tuple[tuple[float, float], ...]  # (at, final_latency) of past runs


class AsrProbeSource:
    """Runs the probe every `every` seconds and on demand; pass<->fail changes are events."""

    name = "asr"

    def __init__(self, config: AsrProbeConfig, history: int = 240) -> None:
        self.config = config
        self.interval = config.every
        self.stale_after = config.stale_after or (2 * config.every + config.timeout)
        self.progress = ProbeProgress()
        self.last: ProbeResult | None = None
        self._history: deque[tuple[float, float]] = deque(maxlen=history)
        self._events: list[Event] = []
        self._listeners: list[ProgressCallback] = []
        self._lock = asyncio.Lock()
        self._clip: Clip | None = None
        self._expected: str | None = None

    def signal_patterns(self) -> list[str]:
        return list(SIGNALS)

    def add_progress_listener(self, callback: ProgressCallback) -> None:
        """Called on every chunk and partial while a probe streams (same event loop)."""
        self._listeners.append(callback)

    def _on_progress(self, progress: ProbeProgress) -> None:
        self.progress = progress
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):
                callback(progress)

    async def sample(self) -> list[Reading]:
        async with self._lock:  # the timer and a key press never stream at once
            if self._clip is None:
                with contextlib.suppress(AudioFormatError):
                    self._clip = await asyncio.to_thread(
                        load_clip,
                        Path(self.config.audio),
                        self.config.sample_rate,
                        self.config.protocol,
                    )
            result = await run_probe(
                self.config, clip=self._clip, on_progress=self._on_progress
            )
        self._note(result)
        return self.readings(result)

    def _note(self, result: ProbeResult) -> None:
        before = self.last
        self.last = result
        if result.final_latency is not None:
            self._history.append((result.at, result.final_latency))
        if (before is None and not result.ok) or (before is not None and before.ok != result.ok):
            if result.ok:
                message = f"ASR probe passing again: {result.summary()}"
            else:
                message = f"ASR probe failing: {result.summary()}"
            self._events.append(
                Event(
                    kind=EventKind.PROBE,
                    message=redact(message),
                    severity=Severity.INFO if result.ok else Severity.ERROR,
                    data={"ok": result.ok, "result": result.to_dict()},
                )
            )

    def readings(self, result: ProbeResult) -> list[Reading]:
        config = self.config
        detail = AsrDetail(
            result=result,
            diff=tuple(word_diff(result.expected, result.transcript)),
            thresholds={
                "wer": config.max_wer,
                "connect": config.max_connect,
                "first_partial": config.max_first_partial,
                "final_latency": config.max_final_latency,
            },
            history=tuple(self._history),
        )
        why = result.reason or "no value"

        def measured(name: str, value: float | None, unit: str) -> Reading:
            if value is None:
                return Reading(self.name, name, error=why, at=result.at, unit=unit, detail=detail)
            return Reading(self.name, name, value=value, at=result.at, unit=unit, detail=detail)

        return [
            Reading(self.name, "asr.ok", value=result.ok, at=result.at, detail=detail),
            measured("asr.wer", result.wer, "ratio"),
            measured("asr.first_partial", result.first_partial, "seconds"),
            measured("asr.final_latency", result.final_latency, "seconds"),
            measured("asr.connect", result.connect, "seconds"),
        ]

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def history(self, name: str) -> list[tuple[float, float]]:
        return list(self._history) if name == "asr.final_latency" else []

    async def close(self) -> None:
        self._listeners.clear()


def with_overrides(config: AsrProbeConfig, **changes: Any) -> AsrProbeConfig:
    """A copy of the config with fields changed (CLI flags, tests)."""
    return config.model_copy(update=changes)


__all__ = [
    "SIGNALS",
    "AsrDetail",
    "AsrProbeSource",
    "AudioFormatError",
    "Clip",
    "ProbeProgress",
    "ProbeResult",
    "WordOp",
    "expected_text",
    "load_clip",
    "percentile",
    "run_many",
    "run_probe",
    "word_diff",
    "word_error_rate",
]
