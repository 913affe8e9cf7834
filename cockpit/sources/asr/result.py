"""What one probe run found (`ProbeResult`), and how far a running one is (`ProbeProgress`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cockpit.model import now
from cockpit.redact import redact


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


