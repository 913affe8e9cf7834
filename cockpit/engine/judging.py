"""Judging: readings in, each signal resolved (fresh, stale or why missing), the
checklist's item states and the verdict, logged as an event when it changes.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import uuid
from collections.abc import Iterable

from cockpit.checklist import item_state
from cockpit.engine.change import BLIND_ITEM, HISTORY_POINTS, Change
from cockpit.engine.history import PointRing
from cockpit.engine.running import _patterns
from cockpit.model import (
    Event,
    EventKind,
    ItemState,
    Reading,
    Severity,
    Source,
    Status,
    Verdict,
    VerdictKind,
)
from cockpit.redact import redact
from cockpit.views import SourceStatus


class Judging:
    """State per signal and the verdict drawn from it (self: Engine)."""

    # ------------------------------------------------------------ state

    def apply(self, readings: Iterable[Reading], source: Source | None = None) -> None:
        """Take new readings (from a source, or a test), then re-judge the items that read
        a signal whose reading moved (see `_judged_alike`, `_judge_items`), none when they
        only say again what was known."""
        changed = False
        everything = source is not None and source.name not in self._sampled
        if source is not None:
            self._sampled.add(source.name)
        moved: set[str] = set()
        at = self.clock()
        for reading in readings:
            if not self._judged_alike(self.readings.get(reading.name), reading, at):
                moved.add(reading.name)
            self.readings[reading.name] = reading
            if source is not None:
                self._source_of[reading.name] = source
                self._readings_of.setdefault(source.name, {})[reading.name] = reading
            if reading.has_data and isinstance(reading.value, int | float):
                hist = self._history.get(reading.name)
                if hist is None:
                    hist = self._history[reading.name] = PointRing(HISTORY_POINTS)
                hist.append(reading.at, float(reading.value))
            changed = True
            self._notify(Change("reading", reading))
        if everything:  # a source's first say: every item (and _blind) may move
            self._evaluate()
        elif moved:
            self._evaluate(moved=moved)
        elif changed:
            self.verdict = dataclasses.replace(self.verdict, at=at)

    def _judged_alike(self, before: Reading | None, reading: Reading, at: float) -> bool:
        """Whether judging with `reading` must give what judging with `before` gave: the
        same value, series, error and unit, and `before` still fresh (a stale one coming
        back changes items). Gates see nothing else of a reading, so the verdict stands.
        Most samples of a steady launch are such (pods, ports, certificates, a release):
        re-judging the whole checklist for each was a tenth of the watch's CPU. The time
        a reading goes stale is still met: the clock re-judges then (`_judge_again_at`,
        kept from the last judgement, is never later than the refreshed reading's)."""
        if before is None or before.source != reading.source:
            return False
        bound = self.stale_bound(reading.name)
        if bound is not None and before.age(at) > bound:
            return False
        return (before.value == reading.value and before.error == reading.error
                and before.series == reading.series and before.unit == reading.unit
                and type(before.value) is type(reading.value))

    def history(self, name: str) -> list[tuple[float, float]]:
        hist = self._history.get(name)
        return hist.points() if hist is not None else []

    def quiet_until(self) -> float:
        """Until when (this clock) time alone changes nothing the engine holds: no reading
        goes past its staleness bound before then (a failed one too: its source's state
        can turn stale); now while one is past it. The screen skips the clock's pass of
        a pane until then, unless the pane's own words move sooner (ui/panes/base.py)."""
        now = self.clock()
        soonest = float("inf")
        for source in self.sources:
            readings = self._readings_of.get(source.name)
            if not readings or source.stale_after is None:
                continue
            expires = min(r.at for r in readings.values()) + source.stale_after
            if expires <= now:
                return now
            soonest = min(soonest, expires)
        return soonest

    def stale_bound(self, name: str) -> float | None:
        source = self._source_of.get(name)
        return source.stale_after if source is not None else None

    def resolve(self, name: str) -> Reading | str:
        """The usable reading of `name`, or why there is none (for gates)."""
        reading = self.readings.get(name)
        if reading is None:
            return self._why_missing(name) or "no reading yet"
        if reading.error is not None:
            return f"error: {redact(reading.error)}"
        bound = self.stale_bound(name)
        age = reading.age(self.clock())
        if bound is not None and age > bound:
            return f"stale for {age:.0f}s"
        return reading

    def source_status(self, source_name: str) -> SourceStatus:
        error = self._source_error.get(source_name)
        if source_name not in self._sampled:
            return SourceStatus("starting")
        if error:
            return SourceStatus("error", error=redact(error))
        source = next((s for s in self.sources if s.name == source_name), None)
        now = self.clock()
        # Its readings, held by source (every pane asks each second: walking all of the
        # engine's readings for each source was a third of a view's cost).
        ages = [r.age(now) for n in self._readings_of.get(source_name, ())
                if (r := self.readings.get(n)) is not None
                and (s := self._source_of.get(n)) is not None and s.name == source_name]
        if ages and source is not None and min(ages) > source.stale_after:
            return SourceStatus("stale", age=min(ages))
        return SourceStatus("live", age=min(ages) if ages else None)

    def known_signal(self, name: str) -> bool:
        """Whether some configured source can produce signal `name` (for validation)."""
        return any(fnmatch.fnmatchcase(name, p) for s in self.sources for p in s.signal_patterns())

    def _why_missing(self, name: str) -> str | None:
        """A source's own reason a signal it could produce has no reading (a deployment
        that does not exist), rather than "no reading yet"."""
        for source in self.sources:
            why = getattr(source, "why_missing", None)
            if why is None:
                continue
            if any(fnmatch.fnmatchcase(name, p) for p in _patterns(source)):
                try:
                    said = why(name)
                except Exception:  # noqa: BLE001 - a broken source must not stop the engine
                    said = None
                if said:
                    return str(said)
        return None

    def signal_unit(self, name: str) -> str | None:
        """The unit a configured source gives signal `name` (None: not known)."""
        from cockpit.units import unit_of_sources

        return unit_of_sources(self.sources)(name)

    def item_states(self) -> dict[str, ItemState]:
        if self._state_cache is None:
            self._state_cache = self._judge_items(None)
        return self._state_cache

    def _judge_items(self, moved: set[str] | None) -> dict[str, ItemState]:
        """Every item's state. With `moved` (the signals whose readings changed since the
        last judgement) only the items that read one of them, or a signal with no reading
        (why it has none, e.g. "no such deployment", may come with other signals), are
        judged again; the others' states stand (a new dict: a caller's old one is kept).
        A sample moves one or two signals of a launch's dozens (a latency, an error rate),
        and each re-judged the whole checklist. Time alone is met by a full judgement:
        the clock's (`_clock_tick`), or here once a reading may have aged past its bound."""
        old = self._state_cache
        if moved is None or old is None or self.clock() > self._judge_again_at:
            return {item.id: item_state(item, self._ticks, self.resolve)
                    for item in self.checklist.items()}
        if self._gated is None:
            self._gated = [(item, item.gate.names() | (item.pending_gate.names()
                                                      if item.pending_gate else frozenset()))
                           for item in self.checklist.items() if item.gate is not None]
        states = dict(old)
        for item, names in self._gated:
            if not names.isdisjoint(moved) or any(n not in self.readings for n in names):
                states[item.id] = item_state(item, self._ticks, self.resolve)
        return states

    def _evaluate(self, record: bool | None = None, moved: set[str] | None = None) -> None:
        """Judge the items (those reading a signal in `moved`, else all) and the verdict."""
        self._state_cache = self._judge_items(moved)
        states = self._state_cache
        required = [s for s in states.values() if s.required]
        failing = tuple(s for s in required if s.status == Status.FAIL)
        unknown = tuple(s for s in required if s.status in (Status.UNKNOWN, Status.UNTICKED))
        if not failing and not unknown:
            blind = self._blind(required)
            if blind is not None:
                unknown = (ItemState(BLIND_ITEM, Status.UNKNOWN, True, detail=blind),)
        kind = VerdictKind.NO_GO if failing else VerdictKind.HOLD if unknown else VerdictKind.GO
        previous = self.verdict
        at = self.clock()
        self.verdict = Verdict(kind, failing, unknown, at)
        self._judge_again_at = self._next_judgement(at)
        if (kind, failing, unknown) != (previous.kind, previous.failing, previous.unknown):
            self._notify(Change("verdict", self.verdict))
        # Verdict changes are events, once every source has had its first say (so a
        # restart does not log HOLD -> GO each time).
        warm = all(s.name in self._sampled for s in self.sources)
        if (record if record is not None else warm) and kind.value != self._recorded_verdict:
            self._recorded_verdict = kind.value
            severity = {VerdictKind.GO: Severity.INFO, VerdictKind.HOLD: Severity.WARNING,
                        VerdictKind.NO_GO: Severity.CRITICAL}[kind]
            # The id is the change (the verdict that follows the last logged one), so
            # every cockpit of a team that sees the same change logs it once between them.
            self._verdict_id = uuid.uuid5(uuid.NAMESPACE_URL, f"cockpit-verdict|"
                                          f"{self.config.launch}|{self._verdict_id}|"
                                          f"{kind.value}").hex
            self.record(Event(
                EventKind.VERDICT, f"verdict {self.verdict.summary()}", severity,
                {"verdict": kind.value,
                 "failing": [{"item": s.item_id, "detail": s.detail} for s in failing],
                 "unknown": [{"item": s.item_id, "detail": s.detail} for s in unknown]},
                author=self.author, at=self.verdict.at, id=self._verdict_id))

    def _blind(self, required: list[ItemState]) -> str | None:
        """Why a verdict with nothing failing or unknown still must not be GO, or None.

        GO is a claim made on evidence. A checklist with no required item has none (an
        empty one, or all optional); and when sources are configured but not one of
        them is live (all failed, stale or not yet heard from), the cockpit is blind
        whatever the ticks say. Either way the verdict HOLDs, naming why.
        """
        if not required:
            return "the checklist has no required item: nothing to call GO on"
        if self.sources and not any(
                self.source_status(s.name).state == "live" for s in self.sources):
            return "no source is live (every one failed, stale or not yet sampled)"
        return None
