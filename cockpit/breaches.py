"""Threshold breaches with a hold time, like a Prometheus alert's `for:`.

A signal that stays past its fail threshold for `for_seconds` (measured on the
readings' own timestamps) writes ONE breach event; coming back inside the threshold
writes ONE recover event. A value that flaps across the line faster than `for:`
writes nothing. A failed reading or one with no data proves nothing either way: it
neither recovers a breach nor confirms or resets a pending one.

Any source can use it: feed every reading of one signal to its tracker and append
the returned events to the source's `drain_events()` queue.
"""

from __future__ import annotations

import enum
import uuid
from typing import Literal

from cockpit.gates import format_value
from cockpit.model import Event, EventKind, Reading, Severity

_EPISODE_NS = uuid.UUID("1b0c5a52-93c2-4a37-9b3e-6f0f6c1f2d44")

Direction = Literal["above", "below"]


class BreachState(enum.StrEnum):
    OK = "ok"
    PENDING = "pending"  # past the threshold, not yet for `for:`
    FIRING = "firing"  # breach event written, waiting for recovery


class BreachTracker:
    """Breach state of one signal against its fail threshold."""

    def __init__(
        self,
        name: str,
        fail: float,
        direction: Direction = "above",
        for_seconds: float = 0.0,
        *,
        source: str = "",
        unit: str | None = None,
    ) -> None:
        if direction not in ("above", "below"):
            raise ValueError(f"direction must be 'above' or 'below', not {direction!r}")
        self.name = name
        self.fail = fail
        self.direction = direction
        self.for_seconds = max(0.0, for_seconds)
        self.source = source
        self.unit = unit
        self.state = BreachState.OK
        self.pending_since: float | None = None
        self.firing_since: float | None = None
        self.last_value: float | None = None

    def value_of(self, reading: Reading) -> float | None:
        """The value judged: the reading's value, or its worst series."""
        if not reading.ok:
            return None
        values = [s.value for s in reading.series if s.value is not None]
        if values:
            return max(values) if self.direction == "above" else min(values)
        v = reading.value
        if v is None or isinstance(v, bool):
            return None if v is None else float(v)
        return None if v != v else float(v)  # NaN is no data

    def show(self, value: float) -> str:
        """`value` as the checklist and the SLO pane show it: a ratio in %, seconds in
        ms or s (the log said `error_rate = 0.0860302 breaches > 0.05` beside the
        checklist's `error_rate = 8.603%`); a value of another unit as a number."""
        if self.unit == "ratio":
            return format_value(value, "%")
        if self.unit == "seconds":
            return format_value(value, "ms" if abs(value) < 1 else "s")
        return f"{value:g}"

    def past(self, value: float) -> bool:
        return value > self.fail if self.direction == "above" else value < self.fail

    def feed(self, reading: Reading) -> list[Event]:
        """Advance with one reading; the events it causes (zero or one)."""
        value = self.value_of(reading)
        if value is None:
            return []  # no data or an error: neither recovery nor confirmation
        self.last_value = value
        at = reading.at
        if self.past(value):
            if self.state is BreachState.OK:
                self.state = BreachState.PENDING
                self.pending_since = at
            if self.state is BreachState.PENDING:
                assert self.pending_since is not None
                if at - self.pending_since >= self.for_seconds:
                    self.state = BreachState.FIRING
                    self.firing_since = at
                    return [self._event(EventKind.BREACH, value, at)]
            return []
        # inside the threshold
        if self.state is BreachState.FIRING:
            event = self._event(EventKind.RECOVER, value, at)
            self._reset()
            return [event]
        self._reset()
        return []

    def _reset(self) -> None:
        self.state = BreachState.OK
        self.pending_since = None
        self.firing_since = None

    def _event(self, kind: EventKind, value: float, at: float) -> Event:
        sign = ">" if self.direction == "above" else "<"
        shown = f"{self.name} = {self.show(value)}"
        if kind is EventKind.BREACH:
            held = f" for {self.for_seconds:g}s" if self.for_seconds else ""
            message = f"{shown} breaches {sign} {self.show(self.fail)}{held}"
            severity = Severity.ERROR
        else:
            since = self.firing_since if self.firing_since is not None else at
            message = (f"{shown} recovered (back within {self.show(self.fail)} "
                       f"after {at - since:.1f}s)")
            severity = Severity.INFO
        data = {
            "signal": self.name,
            "value": value,
            "threshold": self.fail,
            "direction": self.direction,
            "for": self.for_seconds,
            "unit": self.unit,
            "pending_since": self.pending_since,
            "firing_since": self.firing_since,
        }
        author = f"cockpit:{self.source}" if self.source else "cockpit"
        # One id per episode (signal, when it went past): the same breach found again by
        # another cockpit or a later `cockpit check` is the same event, stored once.
        began = self.pending_since if self.pending_since is not None else at
        key = f"{self.source}:{self.name}:{kind}:{began:.3f}"
        return Event(kind=kind, message=message, severity=severity, data=data, author=author, at=at,
                     id=uuid.uuid5(_EPISODE_NS, key).hex)
