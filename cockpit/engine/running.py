"""Running the sources: each on its own timer, failures and outages, and the staleness
clock that re-judges when a reading ages past its bound. Mixed into `Engine`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math

from cockpit.engine.change import HISTORY_POINTS, Change
from cockpit.engine.history import PointRing
from cockpit.model import Event, EventKind, Reading, Severity, Source, Verdict
from cockpit.redact import redact

log = logging.getLogger("cockpit.engine")  # one logger name for the whole engine


class SourceRunning:
    """Start, sample and stop the sources; mark a failed one; keep time (self: Engine)."""

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start every source on its own timer, and the staleness clock."""
        from cockpit import allocator

        allocator.settle()  # a watch runs for hours: see allocator.py
        self.started_at = self.clock()
        self._attach_store()
        self.record(Event(EventKind.SESSION, f"{self.author} started watching",
                          Severity.DEBUG, {"action": "start"}, author=self.author))
        for source in self.sources:
            self._tasks.append(asyncio.create_task(self._run(source), name=source.name))
        self._tasks.append(asyncio.create_task(self._tick_clock(), name="engine-clock"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
        if self.started_at is not None:
            self.record(Event(EventKind.SESSION, f"{self.author} stopped watching",
                              Severity.DEBUG, {"action": "stop"}, author=self.author))

    async def sample_once(self, timeout: float | None = None) -> Verdict:
        """Start, sample every source once (concurrently), judge: for `cockpit check`.

        `timeout` bounds each source's start and first sample together (one deadline, so
        a server that accepts and never answers costs `timeout`, not a multiple of it);
        a source past it has its signals failed with "timed out after N s"."""
        async def both(source: Source) -> None:
            await self._start_source(source)
            await self._sample(source, _NO_INNER_LIMIT if timeout is not None else None)

        async def one(source: Source) -> None:
            try:
                await asyncio.wait_for(both(source), timeout)
            except TimeoutError:
                self._source_failed(source, f"timed out after {timeout:g} s")
            except Exception as exc:  # noqa: BLE001 - a source's failure is its own
                self._source_failed(source, _reason(exc))

        await asyncio.gather(*(one(s) for s in self.sources))
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
        self._evaluate(record=True)
        return self.verdict

    async def sample_now(self, source_name: str) -> None:
        """Sample one source at once (the operator asked: e.g. run the ASR probe now)."""
        for source in self.sources:
            if source.name == source_name:
                await self._sample(source)
                return
        raise KeyError(f"no source named {source_name!r}")

    async def _start_source(self, source: Source) -> None:
        start = getattr(source, "start", None)
        if start is not None:
            await start()
        listen = getattr(source, "add_progress_listener", None)
        if listen is not None:  # its view moves between samples: say so, the screen redraws
            listen(lambda _progress, name=source.name: self._notify(Change("progress", name)))
        history = getattr(source, "history", None)
        if history is not None:
            for pattern in source.signal_patterns():
                if any(ch in pattern for ch in "*?["):
                    continue
                points = history(pattern) or []
                if points:
                    self._history[pattern] = PointRing(HISTORY_POINTS, points)

    async def _run(self, source: Source) -> None:
        try:
            await self._start_source(source)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            self._source_failed(source, _reason(exc))
        loop = asyncio.get_running_loop()
        while True:
            await self._sample(source)
            await asyncio.sleep(until_next(loop.time(), source.interval))

    async def _sample(self, source: Source, timeout: float | None = None) -> None:
        try:
            readings = await asyncio.wait_for(source.sample(), timeout or source.stale_after)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self._source_failed(source, f"no answer within {timeout or source.stale_after:g}s")
            return
        except Exception as exc:  # noqa: BLE001 - invariant 7: only its pane degrades
            log.debug("source %s failed", source.name, exc_info=True)
            self._source_failed(source, _reason(exc))
            return
        self._sampled.add(source.name)
        self.apply(readings, source)
        drain = getattr(source, "drain_events", None)
        if drain is not None:
            for event in drain():
                self.record(event)
        errors = [r.error for r in readings if r.error]
        self._set_source_error(source, errors[0] if readings and len(errors) == len(readings)
                               else None)

    def _source_failed(self, source: Source, reason: str) -> None:
        self._sampled.add(source.name)
        at = self.clock()
        names = [name for name, owner in self._source_of.items() if owner is source]
        # Before its first reading the source's plain signal names stand in, so its
        # gates say why ("timed out after 5 s"), not "no reading yet".
        names += [p for p in _patterns(source) if not any(ch in p for ch in "*?[")
                  and p not in names and p not in self.readings]
        failed = [Reading(source.name, name, None, at, error=reason) for name in names]
        if failed:
            self.apply(failed, source)
        else:
            self._evaluate()
        self._set_source_error(source, reason)

    def _set_source_error(self, source: Source, error: str | None) -> None:
        before = self._source_error.get(source.name, "<unset>")
        self._source_error[source.name] = error
        if before == error or (before == "<unset>" and error is None):
            return
        if error is not None and before in (None, "<unset>"):
            self.record(Event(EventKind.SOURCE, f"{source.name} failed: {redact(error)}",
                              Severity.WARNING, {"source": source.name, "error": redact(error)},
                              author=self.author))
        elif error is None:
            self.record(Event(EventKind.SOURCE, f"{source.name} is back", Severity.INFO,
                              {"source": source.name}, author=self.author))
        self._notify(Change("status", source.name))
        self._evaluate()  # a source going down or coming back can change the verdict (_blind)

    async def _tick_clock(self) -> None:
        """Re-judge once a second so readings going stale change the verdict on their own."""
        while True:
            await asyncio.sleep(1.0)
            self._clock_tick()

    def _clock_tick(self) -> None:
        """Time alone changes the judgement only when a reading ages past its stale bound
        (readings, ticks and source outages re-judge when they happen). So the clock
        re-judges once that time has come, and every second while a reading is stale
        (its age is in the reasons); otherwise the verdict stands, judged now."""
        now = self.clock()
        if now > self._judge_again_at:  # stale is age > bound, as in resolve()
            self._evaluate()
        else:
            self.verdict = dataclasses.replace(self.verdict, at=now)

    def _next_judgement(self, now: float) -> float:
        """When time alone could change the judgement: now while a reading is stale,
        else when the first fresh one goes stale."""
        soonest = math.inf
        for name, reading in self.readings.items():
            bound = self.stale_bound(name)
            if bound is None or reading.error is not None:
                continue
            expires = reading.at + bound
            if expires < now:
                return now
            soonest = min(soonest, expires)
        return soonest


def until_next(now: float, every: float) -> float:
    """Seconds to the next multiple of `every` on the loop's clock (at least 0.05 s).

    Sources sample on one grid rather than each `every` after its last sample ended:
    the ones with the same interval (a dozen at 5 s) answer within moments of each
    other, so the screen repaints once for all of them, not once each; and a source's
    interval does not drift by the time its sample takes. One that ends within a fifth of
    the interval of the next grid point waits for the one after (never twice at once)."""
    every = max(0.05, every)
    wait = every - now % every
    return wait + every if wait < every / 5 else wait  # a sample that ran long: skip one


_NO_INNER_LIMIT = 1e9  # sample_once's own deadline bounds the sample


def _patterns(source: Source) -> list[str]:
    try:
        return list(source.signal_patterns())
    except Exception:  # noqa: BLE001 - a broken source must not stop the engine
        return []


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
