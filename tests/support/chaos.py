"""Helpers of the chaos suite: bounded waits, and the 'never GO while blind' watch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from cockpit.model import VerdictKind


async def until(predicate: Callable[[], bool], timeout: float, what: str,
                every: Callable[[], None] | None = None) -> None:
    """Wait (polling every 50 ms) until `predicate()`; `every()` runs on each poll."""
    deadline = time.monotonic() + timeout
    while True:
        if every is not None:
            every()
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what}")
        await asyncio.sleep(0.05)


# The engine re-judges once a second (ARCHITECTURE invariant 1): a reading that just
# crossed its staleness bound may stand in the verdict until the next judgement.
REJUDGE = 1.0


def never_go_while_blind(engine: Any, source: str) -> Callable[[], None]:
    """A check for `until(every=...)`: while `source` has failed, or been stale for
    longer than one re-judgement, the verdict is not GO."""
    bound = next(s.stale_after for s in engine.sources if s.name == source)

    def check() -> None:
        status = engine.source_status(source)
        if status.state == "stale" and (status.age or 0.0) <= bound + REJUDGE + 0.2:
            return
        if status.state in ("error", "stale"):
            assert engine.verdict.kind != VerdictKind.GO, (
                f"GO while {source} is {status.describe()}: {engine.verdict.summary()}")
    return check
