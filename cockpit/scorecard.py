"""Milestones of an incident, read from the event log: detected, decided, mitigated,
verified (as incident tools name them), and which checklist items caught it first.

The same function scores a rehearsal (where the fault's instant is known, so each
milestone is also "time since the fault") and a real launch's export (where the
first sign of trouble starts the clock). Pure: events in, a Scorecard out.

- detected:  the first failing reading after the fault (measured by a drill), else the
             first logged sign: a breach, a failing probe, a GPU error, a source down,
             a warning from the cluster, or a NO-GO verdict
- decided:   the first NO-GO verdict (the checklist says roll back)
- mitigated: the first rollback started after it
- verified:  that rollback verified (rollout back, failing gates passing again)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cockpit.model import Event, EventKind, Severity

NAMES = ("fault", "detected", "decided", "mitigated", "verified")
_SIGNS = {EventKind.BREACH, EventKind.PROBE, EventKind.GPU, EventKind.SOURCE, EventKind.KUBE}
_BAD = {Severity.WARNING, Severity.ERROR, Severity.CRITICAL}


@dataclass(frozen=True)
class Milestone:
    name: str
    at: float | None  # wall time (epoch seconds); None: not reached
    what: str = ""


@dataclass(frozen=True)
class Scorecard:
    milestones: tuple[Milestone, ...]
    caught_by: tuple[str, ...] = ()
    clock: Callable[[float], float] | None = field(default=None, compare=False)

    def get(self, name: str) -> Milestone:
        return next(m for m in self.milestones if m.name == name)

    @property
    def origin(self) -> float | None:
        """What the intervals count from: the fault, else the detection."""
        fault = self.get("fault").at
        return fault if fault is not None else self.get("detected").at

    def after(self, name: str) -> float | None:
        """Seconds from the origin to milestone `name` (scenario seconds in a drill)."""
        at, origin = self.get(name).at, self.origin
        if at is None or origin is None:
            return None
        if self.clock is not None:
            return self.clock(at) - self.clock(origin)
        return at - origin

    def lines(self) -> list[str]:
        out = []
        for m in self.milestones:
            if m.name == "fault" and m.at is None:
                continue
            if m.at is None:
                out.append(f"{m.name:<10} not reached")
                continue
            delta = self.after(m.name)
            when = (_clock(self.clock(m.at)) if self.clock is not None
                    else datetime.fromtimestamp(m.at, UTC).strftime("%H:%M:%S UTC"))
            rel = "" if delta is None or m.name == "fault" else f"  (+{_span(delta)})"
            out.append(f"{m.name:<10} {when}{rel}  {m.what}".rstrip())
        out.append("caught by  " + (", ".join(self.caught_by) or "-"))
        return out

    def summary(self) -> str:
        parts = []
        for name in NAMES[1:]:
            delta = self.after(name)
            parts.append(f"{name} {'+' + _span(delta) if delta is not None else 'not reached'}")
        return ", ".join(parts) + (f"; caught by {', '.join(self.caught_by)}"
                                   if self.caught_by else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "milestones": {m.name: {"at": m.at, "after": self.after(m.name), "what": m.what}
                           for m in self.milestones},
            "caught_by": list(self.caught_by),
        }


def score(events: Sequence[Event], *, fault_at: float | None = None, fault: str | None = None,
          detected: tuple[float, str] | None = None,
          clock: Callable[[float], float] | None = None) -> Scorecard:
    """The scorecard of `events` (oldest first). `fault_at`: when a drill's fault began;
    `detected`: (when, what) a drill measured as the first failing reading."""
    since = fault_at if fault_at is not None else float("-inf")
    later = [e for e in events if e.at >= since]
    nogo = next((e for e in later if e.kind == EventKind.VERDICT
                 and e.data.get("verdict") == "NO-GO"), None)
    if detected is None:
        sign = next((e for e in later if (e.kind in _SIGNS and e.severity in _BAD)
                     or e is nogo), None)
        if sign is not None:
            detected = (sign.at, sign.message)
    start = next((e for e in later if e.kind == EventKind.ROLLBACK_START
                  and (nogo is None or e.at >= nogo.at)), None)
    verify = None
    if start is not None:
        rid = start.data.get("rollback_id")
        verify = next((e for e in later if e.kind == EventKind.ROLLBACK_VERIFY
                       and e.data.get("rollback_id") == rid and e.data.get("verified")), None)
    caught = tuple(str(f.get("item")) for f in (nogo.data.get("failing") or [])) if nogo else ()
    return Scorecard(
        milestones=(
            Milestone("fault", fault_at, fault or ""),
            Milestone("detected", detected[0] if detected else None,
                      detected[1] if detected else ""),
            Milestone("decided", nogo.at if nogo else None, "NO-GO" if nogo else ""),
            Milestone("mitigated", start.at if start else None,
                      str(start.data.get("command", "")) if start else ""),
            Milestone("verified", verify.at if verify else None,
                      verify.message if verify else ""),
        ),
        caught_by=caught,
        clock=clock,
    )


def _clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _span(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


__all__ = ["Milestone", "Scorecard", "score"]
