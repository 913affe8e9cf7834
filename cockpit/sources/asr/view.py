"""What the ASR pane draws (`AsrView`): the last result with its word diff and limits,
and the probe running now. Light on purpose (no WebSocket client, no jiwer): the
signals strip imports it whatever the config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.views import View

if TYPE_CHECKING:
    from cockpit.sources.asr.wer import WordOp


@dataclass(frozen=True)
class AsrDetail:
    """What the ASR pane draws; carried on every asr.* reading."""

    result: ProbeResult
    diff: tuple[WordOp, ...]
    thresholds: dict[str, float]
    history: tuple[tuple[float, float], ...]  # (at, final_latency) of past runs


@dataclass(frozen=True)
class AsrView(View):
    """The ASR pane's view: the last result (with its diff and limits) and the run now."""

    detail: AsrDetail | None = None
    progress: ProbeProgress | None = None
    reading_at: float | None = None
