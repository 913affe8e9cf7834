"""BreachTracker: one breach after `for:`, one recover, nothing for flapping or gaps."""

from __future__ import annotations

import math

import pytest

from cockpit.breaches import BreachState, BreachTracker
from cockpit.model import EventKind, Reading, Series, Severity


def r(at: float, value: float | None = None, error: str | None = None, series=()) -> Reading:
    return Reading("prometheus", "error_rate", value, at, error=error, series=series)


def run(tracker: BreachTracker, readings: list[Reading]) -> list[tuple[str, float]]:
    return [(e.kind, e.at) for x in readings for e in tracker.feed(x)]


def test_breach_after_for_then_one_recover() -> None:
    t = BreachTracker("error_rate", 0.05, "above", 120, source="prometheus", unit="ratio")
    values = [0.01, 0.06, 0.07, 0.08, 0.09, 0.10, 0.09, 0.08, 0.02, 0.01]
    events = []
    for i, v in enumerate(values):
        events += t.feed(r(1000 + 30 * i, v))
    assert [(e.kind, e.at) for e in events] == [
        (EventKind.BREACH, 1030 + 120),
        (EventKind.RECOVER, 1240),
    ]
    breach, recover = events
    assert breach.severity == Severity.ERROR and recover.severity == Severity.INFO
    assert breach.data["signal"] == "error_rate" and breach.data["threshold"] == 0.05
    assert breach.data["pending_since"] == 1030 and breach.author == "cockpit:prometheus"
    # in the unit the checklist and the SLO pane use, not the raw ratio
    assert breach.message == "error_rate = 10% breaches > 5% for 120s"
    assert recover.message == "error_rate = 2% recovered (back within 5% after 90.0s)"
    assert recover.data["value"] == 0.02 and breach.data["threshold"] == 0.05
    assert t.state is BreachState.OK


def test_flapping_inside_for_writes_nothing() -> None:
    t = BreachTracker("x", 0.05, "above", 120)
    values = [0.06, 0.01] * 20 + [0.06, 0.06, 0.06, 0.01]  # never above for 120 s in a row
    assert run(t, [r(30 * i, v) for i, v in enumerate(values)]) == []


def test_no_data_and_errors_are_neither_recovery_nor_confirmation() -> None:
    t = BreachTracker("x", 0.05, "above", 60)
    events = run(
        t,
        [
            r(0, 0.1),
            r(30, 0.1),
            r(60, 0.1),  # breach
            r(90, error="cannot reach"),
            r(120, None),  # empty result
            r(150, float("nan")),
            r(180, 0.2),  # still breached: no second breach event
            r(210, 0.0),  # recover
        ],
    )
    assert events == [(EventKind.BREACH, 60), (EventKind.RECOVER, 210)]


def test_pending_is_not_confirmed_by_an_error() -> None:
    t = BreachTracker("x", 0.05, "above", 60)
    assert run(t, [r(0, 0.1), r(90, error="down"), r(100, 0.01)]) == []
    assert t.state is BreachState.OK


def test_for_zero_fires_at_once() -> None:
    t = BreachTracker("x", 0.05)
    assert run(t, [r(0, 0.06), r(5, 0.07), r(10, 0.05)]) == [
        (EventKind.BREACH, 0),
        (EventKind.RECOVER, 10),  # equal to the threshold is within it
    ]


def test_below_direction_and_series_worst() -> None:
    t = BreachTracker("request_rate", 1.0, "below", 0)
    assert run(t, [r(0, 5.0), r(5, 0.5), r(10, 2.0)]) == [
        (EventKind.BREACH, 5),
        (EventKind.RECOVER, 10),
    ]
    t = BreachTracker("error_rate", 0.05, "above", 0)
    canary_bad = (Series({"version": "a"}, 0.01), Series({"version": "b"}, 0.09))
    assert t.value_of(r(0, series=canary_bad)) == pytest.approx(0.09)
    assert run(t, [r(0, series=canary_bad)]) == [(EventKind.BREACH, 0)]


def test_bad_direction() -> None:
    with pytest.raises(ValueError):
        BreachTracker("x", 1, "sideways", 0)  # type: ignore[arg-type]


def test_value_of_handles_nan_and_bool() -> None:
    t = BreachTracker("x", 0.5)
    assert t.value_of(r(0, math.nan)) is None
    assert t.value_of(r(0, True)) == 1.0


def test_a_latency_breach_says_seconds() -> None:
    t = BreachTracker("p95_latency", 1.0, "above", 0, source="prometheus", unit="seconds")
    (breach,) = t.feed(r(0, 1.74906))
    assert breach.message == "p95_latency = 1.749 s breaches > 1 s"
    (recover,) = t.feed(r(5, 0.4321))
    assert recover.message == "p95_latency = 432.1 ms recovered (back within 1 s after 5.0s)"
    plain = BreachTracker("queue", 2.0, "above", 0)  # no unit: the number as it is
    assert plain.feed(r(0, 3.0))[0].message == "queue = 3 breaches > 2"
