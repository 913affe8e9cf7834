"""The `asr` source: runs the probe on a schedule and on demand; pass<->fail changes are events.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.config import AsrProbeConfig
from cockpit.model import Event, EventKind, Reading, Severity
from cockpit.redact import redact
from cockpit.sources.asr.clip import AudioFormatError, Clip, load_clip
from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.sources.asr.view import AsrDetail, AsrView
from cockpit.sources.asr.wer import word_diff
from cockpit.views import ViewContext

if TYPE_CHECKING:
    from cockpit.sources.asr.probe import ProgressCallback

SIGNALS = ("asr.ok", "asr.wer", "asr.first_partial", "asr.final_latency", "asr.connect")
# A streaming probe tells its listeners (the engine, so the screen) of a change of state
# (connecting, streaming, waiting, done) at once, and of its moves at most once a second:
# each chunk and each partial used to, ~20 a second for a human who reads one (issue 14).
# `progress` itself is always the latest, so whatever draws it draws it current.
PROGRESS_EVERY = 1.0
# ------------------------------------------------------------------ the source


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
        self.progress_every = PROGRESS_EVERY
        self._clock = time.monotonic
        self._told: tuple[str, float] = ("", -math.inf)  # state and time listeners last heard
        self._clip: Clip | None = None
        self._expected: str | None = None

    def view(self, ctx: ViewContext) -> AsrView:
        reading = ctx.readings.get("asr.ok")
        detail = reading.detail if reading is not None else None
        return AsrView(ctx.source, ctx.status, ctx.at,
                       detail=detail if isinstance(detail, AsrDetail) else None,
                       progress=self.progress, reading_at=reading.at if reading else None)

    def signal_patterns(self) -> list[str]:
        return list(SIGNALS)

    def signal_unit(self, name: str) -> str | None:
        return {"asr.ok": "bool", "asr.wer": "ratio"}.get(name, "seconds" if name in SIGNALS
                                                         else None)

    def add_progress_listener(self, callback: ProgressCallback) -> None:
        """Called (same event loop) at each change of a probe's state, and while the state
        stays, at most once per `progress_every` seconds (PROGRESS_EVERY)."""
        self._listeners.append(callback)

    def _on_progress(self, progress: ProbeProgress) -> None:
        self.progress = progress
        now = self._clock()
        state, at = self._told
        if progress.state == state and now - at < self.progress_every:
            return
        self._told = (progress.state, now)
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
            # the WebSocket client (websockets: ~15 ms of import) loads with the first run,
            # after the screen's first frame (issue 14)
            from cockpit.sources.asr.probe import run_probe

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
        event = probe_event(result, before.ok if before is not None else None)
        if event is not None:
            self._events.append(event)

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


def probe_event(result: ProbeResult, before_ok: bool | None) -> Event | None:
    """The log line for a probe result: a first failure, or a change pass <-> fail (the
    screen's source and `cockpit probe` both write it, so the log reads the same)."""
    if before_ok is None and result.ok or before_ok == result.ok:
        return None
    if result.ok:
        message = f"ASR probe passing again: {result.summary()}"
    else:
        message = f"ASR probe failing: {result.summary()}"
    return Event(
        kind=EventKind.PROBE,
        message=redact(message),
        severity=Severity.INFO if result.ok else Severity.ERROR,
        data={"ok": result.ok, "result": result.to_dict()},
    )


def with_overrides(config: AsrProbeConfig, **changes: Any) -> AsrProbeConfig:
    """A copy of the config with fields changed (CLI flags, tests)."""
    return config.model_copy(update=changes)

