"""The engine: runs the sources, holds the latest reading per signal, judges the
checklist, decides the verdict and writes the event log.

It knows nothing of Textual. The TUI, `cockpit check` and the tests all drive the
same Engine: the screen subscribes to its changes and sends the operator's actions
(ticks, notes) back through it, so there is one path for state and one for writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fnmatch
import logging
import math
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cockpit import identity, roles
from cockpit.checklist import Checklist, fold_ticks, item_state, load_checklist
from cockpit.config import LaunchConfig
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
    now,
    whoami,
)
from cockpit.redact import redact
from cockpit.views import (
    ChecklistRow,
    ChecklistView,
    ReadingsView,
    SourceStatus,
    VerdictView,
    View,
    ViewContext,
)

__all__ = ["BLIND_ITEM", "Change", "Engine", "SourceStatus"]

log = logging.getLogger(__name__)

HISTORY_POINTS = 360  # per signal: 30 min at 5 s; bounded so hours cost what minutes do
_ENGINE = "engine"


class Denied(PermissionError):
    """This operator's role may not do that (the refusal is logged as an event)."""


@dataclass(frozen=True)
class Change:
    """What changed, for subscribers: kind is "reading", "verdict", "event", "status" (a
    source went down or came back: payload its name) or "progress" (a source's view
    changed between samples, e.g. the ASR probe streaming: payload its name)."""

    kind: str
    payload: Any


# The verdict's stand-in item when nothing is wrong but GO would be blind (see _blind).
BLIND_ITEM = "(blind)"


class Engine:
    """One launch's live state. Create, `await start()`, read, act, `await stop()`."""

    def __init__(
        self,
        config: LaunchConfig,
        store: Any,
        sources: Sequence[Source] | None = None,
        checklist: Checklist | None = None,
        clock: Callable[[], float] = now,
        author: str | None = None,
        read_only: bool = False,
    ) -> None:
        from cockpit.sources import build_sources

        self.config = config
        self.store = store
        self.clock = clock
        self.author = author or whoami()
        self.role = roles.role_of(self.author, config, read_only)
        self.checklist = checklist or load_checklist(config.checklist)
        self.sources: list[Source] = list(build_sources(config) if sources is None else sources)
        self.readings: dict[str, Reading] = {}
        self.started_at: float | None = None
        self._source_of: dict[str, Source] = {}
        self._readings_of: dict[str, dict[str, Reading]] = {}  # source name -> its readings
        self._source_error: dict[str, str | None] = {}
        self.store_error: str | None = None  # the event log's last failure, None when fine
        self._sampled: set[str] = set()
        self._history: dict[str, deque[tuple[float, float]]] = {}
        self._subscribers: list[Callable[[Change], None]] = []
        self._tasks: list[asyncio.Task] = []
        self._ticks = fold_ticks(store.events(kinds=[EventKind.TICK, EventKind.UNTICK]))
        last = store.events(kinds=[EventKind.VERDICT], limit=1)
        self._recorded_verdict: str | None = last[0].data.get("verdict") if last else None
        self._verdict_id = last[0].id if last else ""
        self.verdict = Verdict(VerdictKind.HOLD, at=clock())
        self._state_cache: dict[str, ItemState] | None = None
        self._judge_again_at = -math.inf  # after it, the clock re-judges (_clock_tick)
        self._store_said = ""

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start every source on its own timer, and the staleness clock."""
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
                    self._history[pattern] = deque(points[-HISTORY_POINTS:], HISTORY_POINTS)

    async def _run(self, source: Source) -> None:
        try:
            await self._start_source(source)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            self._source_failed(source, _reason(exc))
        while True:
            await self._sample(source)
            await asyncio.sleep(max(0.05, source.interval))

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

    # ------------------------------------------------------------ state

    def apply(self, readings: Iterable[Reading], source: Source | None = None) -> None:
        """Take new readings (from a source, or a test), then re-judge."""
        changed = False
        if source is not None:
            self._sampled.add(source.name)
        for reading in readings:
            self.readings[reading.name] = reading
            if source is not None:
                self._source_of[reading.name] = source
                self._readings_of.setdefault(source.name, {})[reading.name] = reading
            if reading.has_data and isinstance(reading.value, int | float):
                hist = self._history.setdefault(reading.name, deque(maxlen=HISTORY_POINTS))
                if not hist or reading.at > hist[-1][0]:
                    hist.append((reading.at, float(reading.value)))
            changed = True
            self._notify(Change("reading", reading))
        if changed:
            self._evaluate()

    def history(self, name: str) -> list[tuple[float, float]]:
        return list(self._history.get(name, ()))

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
        ages = [r.age(self.clock()) for n, r in self.readings.items()
                if (s := self._source_of.get(n)) is not None and s.name == source_name]
        source = next((s for s in self.sources if s.name == source_name), None)
        if ages and source is not None and min(ages) > source.stale_after:
            return SourceStatus("stale", age=min(ages))
        return SourceStatus("live", age=min(ages) if ages else None)

    # ------------------------------------------------------------ views (what panes draw)

    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def view(self, source_name: str) -> View | None:
        """The typed view of one source (None: no such source). Built from what the engine
        holds and, when the source has `view(ctx)`, what only the source knows."""
        source = next((s for s in self.sources if s.name == source_name), None)
        if source is None:
            return None
        ctx = ViewContext(source_name, self.source_status(source_name), self.clock(),
                          dict(self._readings_of.get(source_name, {})), self.history)
        make = getattr(source, "view", None)
        if make is None:
            return ReadingsView(ctx.source, ctx.status, ctx.at, ctx.readings)
        return make(ctx)

    def checklist_view(self) -> ChecklistView:
        """The checklist with every item's state and the age of its live signals."""
        states = self.item_states()
        at = self.clock()
        sections = []
        for section in self.checklist.sections:
            rows = []
            for item in section.items:
                age = None
                if item.gate is not None:
                    ages = [r.age(at) for n in item.gate.names()
                            if (r := self.readings.get(n)) is not None]
                    age = max(ages) if ages else None
                rows.append(ChecklistRow(section.title, item.id, item.text, item.depth,
                                         item.required, item.auto, item.owner,
                                         states.get(item.id), age))
            sections.append((section.title, tuple(rows)))
        return ChecklistView(self.checklist.title, tuple(sections), at)

    def verdict_view(self) -> VerdictView:
        names = {item.id: item.text for item in self.checklist.items()}
        return VerdictView(self.verdict, str(self.config.launch or ""), names,
                           self.config.window_opens, self.started_at, self.clock(),
                           watchers=tuple(self.watchers()), team_status=self.team_status(),
                           release=self._running_text())

    def _running_text(self) -> str:
        source = next((s for s in self.sources if s.name == "release"), None)
        if source is None:
            return ""
        from cockpit.sources.release import running_text  # noqa: PLC0415

        return running_text(self._readings_of.get("release", {}), self.clock(),
                            source.stale_after)

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
            self._state_cache = {
                item.id: item_state(item, self._ticks, self.resolve)
                for item in self.checklist.items()
            }
        return self._state_cache

    def _evaluate(self, record: bool | None = None) -> None:
        self._state_cache = None
        states = self.item_states()
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

    # ------------------------------------------------------------ operator actions

    def tick(self, item_id: str, comment: str | None = None) -> Event:
        return self._tick(EventKind.TICK, item_id, comment)

    def untick(self, item_id: str, comment: str | None = None) -> Event:
        return self._tick(EventKind.UNTICK, item_id, comment)

    def _tick(self, kind: EventKind, item_id: str, comment: str | None) -> Event:
        item = self.checklist.item(item_id)
        self._allow(str(kind), item_id)
        if not item.manual:
            raise ValueError(f"{item_id!r} is ticked by its live signal ({item.auto}), not by hand")
        verb = "ticked" if kind == EventKind.TICK else "unticked"
        message = f"{verb} {item_id}: {item.text}" + (f" ({comment})" if comment else "")
        event = Event(kind, message, Severity.INFO,
                      {"item": item_id, "comment": comment or None}, author=self.author,
                      at=self.clock())
        self.record(event)
        return event

    def note(self, text: str, severity: str = Severity.INFO) -> Event:
        self._allow("note")
        event = Event(EventKind.NOTE, text, Severity(severity), {}, author=self.author,
                      at=self.clock())
        self.record(event)
        return event

    def may(self, action: str) -> bool:
        return roles.may(self.role, action)

    def deny(self, action: str, what: str = "") -> Event:
        """Log that this operator's role refused `action` (every refusal is an event)."""
        event = Event(EventKind.DENIED,
                      f"{self.author} ({self.role}) may not {action}" + (f": {what}" if what
                                                                         else ""),
                      Severity.WARNING, {"action": action, "role": self.role, "what": what},
                      author=self.author, at=self.clock())
        self.record(event)
        return event

    def _allow(self, action: str, what: str = "") -> None:
        if not self.may(action):
            self.deny(action, what)
            raise Denied(f"{self.author} is {self.role}: may not {action}")

    # ------------------------------------------------------------ the team (shared store)

    def _attach_store(self) -> None:
        """Other cockpits' events and the shared log's health come in through the same
        change stream as this cockpit's own (from the store's thread, onto our loop)."""
        loop = asyncio.get_running_loop()
        on_remote = getattr(self.store, "on_remote", None)
        if callable(on_remote):
            on_remote(lambda events: loop.call_soon_threadsafe(self.ingest, events))
        on_status = getattr(self.store, "on_status", None)
        if callable(on_status):
            on_status(lambda status: loop.call_soon_threadsafe(self._store_status, status))
        join = getattr(self.store, "join", None)
        if callable(join):
            me = identity.current()
            user, _, host = self.author.partition("@")
            join(user, host or me.host, me.ssh_client, self.role)

    def ingest(self, events: Iterable[Event]) -> None:
        """Events another cockpit wrote (already in our store): fold them and tell."""
        ticks = False
        for event in events:
            if event.kind in (EventKind.TICK, EventKind.UNTICK):
                ticks = True
            elif event.kind == EventKind.VERDICT:
                self._recorded_verdict = event.data.get("verdict", self._recorded_verdict)
                self._verdict_id = event.id
            self._notify(Change("event", event))
        if ticks:
            self._ticks = fold_ticks(self.store.events(kinds=[EventKind.TICK, EventKind.UNTICK]))
            self._evaluate()

    def _store_status(self, status: Any) -> None:
        text = status.describe() if hasattr(status, "describe") else str(status)
        if text != self._store_said:
            if text.startswith("shared log offline") or text.startswith("shared log back"):
                self.record(Event(EventKind.STORE, text, Severity.WARNING if "offline" in text
                                  else Severity.INFO, {"online": bool(status.online),
                                                       "pending": status.pending},
                                  author=self.author, at=self.clock()))
            self._store_said = text
        self._notify(Change("status", "store"))

    def team_status(self) -> str:
        """"shared log offline since 02:14, 7 events waiting", "live updates paused", or ""."""
        status = getattr(self.store, "status", None)
        return status().describe() if callable(status) else ""

    def watchers(self) -> list[str]:
        """Who watches this launch: "alice (captain)", "bob", ... this cockpit included."""
        listing = getattr(self.store, "watchers", None)
        if not callable(listing):
            return []
        out = []
        for w in listing():
            name = w.user + (" (captain)" if w.role == roles.CAPTAIN else
                             " (read-only)" if w.role == roles.READ_ONLY else "")
            if name not in out:
                out.append(name)
        return out

    def record(self, event: Event) -> bool:
        """Append an event to the log (idempotent by id) and tell the subscribers.

        If the store fails (disk full, read-only, corrupt), an operator's own event
        (tick, untick, note) raises, so the action is reported as NOT done; the
        engine's own events (verdicts, source outages) are dropped with the failure
        kept in `store_error` (shown by the screen), so judging goes on."""
        from cockpit.store.sqlite import StoreError

        try:
            inserted = self.store.append(event)
        except StoreError as exc:
            if self.store_error != str(exc):
                self.store_error = str(exc)
                self._notify(Change("status", "store"))
            if event.kind in (EventKind.TICK, EventKind.UNTICK, EventKind.NOTE):
                raise
            return False
        if self.store_error is not None:
            self.store_error = None
            self._notify(Change("status", "store"))
        if inserted:
            if event.kind in (EventKind.TICK, EventKind.UNTICK):
                self._ticks = fold_ticks(self.store.events(kinds=[EventKind.TICK,
                                                                  EventKind.UNTICK]))
                self._evaluate()
            self._notify(Change("event", event))
        return inserted

    def events(self, limit: int | None = None, kinds: Iterable[str] | None = None,
               since: float | None = None) -> list[Event]:
        return self.store.events(since=since, kinds=kinds, limit=limit)

    # ------------------------------------------------------------ subscribers

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback(change)` on every change; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _notify(self, change: Change) -> None:
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:  # noqa: BLE001 - a broken subscriber must not stop the engine
                log.exception("subscriber failed on %s", change.kind)


_NO_INNER_LIMIT = 1e9  # sample_once's own deadline bounds the sample


def _patterns(source: Source) -> list[str]:
    try:
        return list(source.signal_patterns())
    except Exception:  # noqa: BLE001 - a broken source must not stop the engine
        return []


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
