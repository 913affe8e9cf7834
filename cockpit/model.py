"""Plain data shared by the engine, the sources, the store and the UI.

No I/O here and no Textual: everything in this module can be built in a test
with no server and no screen.
"""

from __future__ import annotations

import enum
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Value = float | bool | str | None  # str: versions, statuses, image tags


def now() -> float:
    """Wall-clock UTC seconds since the epoch; the one clock readings and events use."""
    return time.time()


def new_id() -> str:
    """A unique id made where the event or reading happens (so replays are idempotent)."""
    return uuid.uuid4().hex


def whoami() -> str:
    """`user@host` of this operator, as written into events (the OS account: identity.py)."""
    from cockpit import identity

    return identity.current().operator


@dataclass(frozen=True)
class Series:
    """One series of a multi-series signal (e.g. one Prometheus label set)."""

    labels: Mapping[str, str]
    value: float | None

    @property
    def label_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.labels.items())) or "{}"


@dataclass(frozen=True)
class Reading:
    """One sample of one signal, taken at `at` (UTC epoch seconds).

    Exactly one of `value`/`series` or `error` is meaningful: a reading with an
    `error` is failed, and gates over it are UNKNOWN. `value is None` with no
    error and no series means "no data" (an empty Prometheus result, NaN) and is
    also UNKNOWN to gates, never 0. `detail` carries what a pane needs to draw
    (pods, GPUs, a transcript); gates never look at it.
    """

    source: str
    name: str
    value: Value = None
    at: float = field(default_factory=now)
    error: str | None = None
    series: tuple[Series, ...] = ()
    unit: str | None = None
    detail: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def has_data(self) -> bool:
        if self.error is not None:
            return False
        if self.series:
            return any(s.value is not None and not _nan(s.value) for s in self.series)
        return self.value is not None and not _nan(self.value)

    def age(self, at: float | None = None) -> float:
        return max(0.0, (now() if at is None else at) - self.at)


def _nan(v: Value) -> bool:
    return isinstance(v, float) and math.isnan(v)


class Status(enum.StrEnum):
    """The state of one gate or checklist item."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"
    UNTICKED = "unticked"


class VerdictKind(enum.StrEnum):
    GO = "GO"
    NO_GO = "NO-GO"
    HOLD = "HOLD"


class Severity(enum.StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class EventKind(enum.StrEnum):
    """Every kind of event the log holds. Add here, never reuse a name for another meaning."""

    NOTE = "note"
    TICK = "tick"
    UNTICK = "untick"
    VERDICT = "verdict"
    BREACH = "breach"
    RECOVER = "recover"
    SOURCE = "source"  # a source went down / came back
    PROBE = "probe"  # ASR probe pass<->fail
    GPU = "gpu"  # XID errors and the like
    KUBE = "kube"  # rollout or pod events worth a line
    ROLLBACK_PLAN = "rollback.plan"
    ROLLBACK_CONFIRM = "rollback.confirm"
    ROLLBACK_START = "rollback.start"
    ROLLBACK_END = "rollback.end"
    ROLLBACK_VERIFY = "rollback.verify"
    ROLLBACK_DENIED = "rollback.denied"
    ROLLBACK_REFUSED = "rollback.refused"  # a second rollback without --again
    ROLLBACK_LOCKED = "rollback.locked"  # not started: another rollback holds the lock
    ROLLBACK_LOCK_BROKEN = "rollback.lock_broken"  # a stale lock (dead holder, TTL) broken
    SESSION = "session"  # an operator started / stopped watching
    RELEASE = "release"  # a revision deployed (helm upgrade, a rollback, a new task definition)
    STORE = "store"  # the shared log went offline / came back (replayed N); the bus paused
    DENIED = "denied"  # an action this operator's role may not do was refused


@dataclass(frozen=True)
class Event:
    """One line of the append-only incident log. `id` is unique and made at the origin."""

    kind: str
    message: str
    severity: str = Severity.INFO
    data: Mapping[str, Any] = field(default_factory=dict)
    author: str = field(default_factory=whoami)
    at: float = field(default_factory=now)
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class ItemState:
    """A checklist item's state at one moment, with why."""

    item_id: str
    status: Status
    required: bool
    value: Value = None
    detail: str = ""  # e.g. "error_rate = 0.021 (> 0.01)" or "stale for 42s"
    ticked_by: str | None = None
    ticked_at: float | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    failing: tuple[ItemState, ...] = ()
    unknown: tuple[ItemState, ...] = ()
    at: float = field(default_factory=now)

    def summary(self) -> str:
        parts = [self.kind.value]
        if self.failing:
            parts.append("failing: " + ", ".join(f"{i.item_id} ({i.detail})" for i in self.failing))
        if self.unknown:
            parts.append("waiting on: " + ", ".join(i.item_id for i in self.unknown))
        return "; ".join(parts)


@runtime_checkable
class Source(Protocol):
    """A live signal source. The engine calls `sample()` every `interval` seconds.

    `stale_after` is the age past which a reading of this source no longer counts.
    `signal_patterns` names the signals it can produce (`fnmatch` patterns such as
    `pods.not_ready` or `pods.not_ready.*`), so gates naming unknown signals fail
    validation. `sample` returns readings, including failed ones: it should not
    raise for an outage (the engine turns an exception into failed readings anyway).
    Optional: `view(ctx: cockpit.views.ViewContext)` returns the typed view its pane
    draws (without it, the pane gets a `ReadingsView`); `add_progress_listener(cb)`
    for a view that moves between samples (the engine pushes a "progress" change).
    """

    name: str
    interval: float
    stale_after: float

    def signal_patterns(self) -> list[str]: ...

    async def sample(self) -> list[Reading]: ...

    async def close(self) -> None: ...
