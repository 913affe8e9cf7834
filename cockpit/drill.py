"""A headless drill: one rehearsal scenario played without a screen, judged and scored.

`cockpit demo --headless [SCENARIO]` starts the demo's simulators (`cockpit.demo.Demo`),
drives the same Engine as the screen, plays the scenario's script and its captain
(the scripted ticks; with `auto_rollback`, a rollback through the same rollback service
as the screen's R key as soon as a NO-GO is seen, then its verification), prints the
verdict timeline as it happens, and at the end checks each phase's expectations and
writes the drill's scorecard to the incident log. Exit status 0 when every phase held.

Times are printed in scenario time (`m:ss`, what the drill would take at speed 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.model import Event, EventKind, Severity, Status, VerdictKind
from cockpit.scorecard import Scorecard, score
from cockpit.sim.rehearsal import Phase, clock_text

WARM_WITHIN = 30.0  # wall s: every source has had its first say, or the drill starts anyway
LOOP_EVERY = 0.05  # wall s between the drill's looks at the engine


@dataclass(frozen=True)
class PhaseResult:
    phase: Phase
    held: bool | None  # None: does not apply (rollback: yes/no)
    seen: tuple[str, ...]
    why: str = ""

    def line(self) -> str:
        mark = "skip" if self.held is None else "ok  " if self.held else "FAIL"
        span = f"{clock_text(self.phase.start)}-{clock_text(self.phase.end)}"
        return (f"  {mark} {span:<11} {self.phase.name}: seen {', '.join(self.seen) or '-'}"
                + (f" — {self.why}" if self.why else ""))


@dataclass
class DrillResult:
    phases: list[PhaseResult] = field(default_factory=list)
    scorecard: Scorecard | None = None
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (wall, verdict)
    rolled_back: bool = False
    report: Path | None = None

    @property
    def passed(self) -> bool:
        return all(p.held is not False for p in self.phases)


class Drill:
    """One headless rehearsal over a started `Demo`; `await run()` plays it to the end."""

    def __init__(self, demo: Any, engine: Any, *, auto_rollback: bool = False,
                 out: Callable[[str], None] = print, report: Callable[[], Any] | None = None
                 ) -> None:
        self.demo = demo
        self.engine = engine
        self.scenario = demo.scenario
        self.script = self.scenario.script
        self.auto_rollback = auto_rollback
        self.out = out
        self.report = report
        self.result = DrillResult()
        self.detected: tuple[float, str] | None = None  # first failing reading after a fault
        self._rollback_task: asyncio.Task | None = None
        self._last_verdict: str | None = None
        self._started = False  # the script's clock runs (before: warming up, nothing printed)

    # ------------------------------------------------------------ printing

    def _at(self, wall: float) -> str:
        return clock_text(self.scenario.s(wall))

    def say(self, text: str, wall: float | None = None) -> None:
        self.out(f"{self._at(time.time() if wall is None else wall):>6}  {text}")

    # ------------------------------------------------------------ the run

    async def run(self) -> DrillResult:
        engine = self.engine
        unsubscribe = engine.subscribe(self._changed)
        await engine.start()
        try:
            await self._warm()
            self.scenario.restart_clock()
            self._started = True
            self.say(f"drill {self.script.name!r}: {self.script.title} (speed x"
                     f"{self.scenario.speed:g}, ends at {clock_text(self.script.duration)}"
                     + (", auto-rollback" if self.auto_rollback else "") + ")")
            self._verdict_now(time.time())
            drive = asyncio.create_task(self.demo.drive(self._note))
            try:
                await self._loop()
            finally:
                drive.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drive
                if self._rollback_task is not None and not self._rollback_task.done():
                    self._rollback_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await self._rollback_task
            self._finish()
            if self.report is not None:
                self.result.report = await self.report()
        finally:
            unsubscribe()
            await stop_within(engine, 5.0)
        return self.result

    async def _warm(self) -> None:
        deadline = time.time() + WARM_WITHIN
        names = {s.name for s in self.engine.sources}
        while time.time() < deadline:
            if all(self.engine.source_status(n).state != "starting" for n in names):
                return
            await asyncio.sleep(0.1)

    async def _loop(self) -> None:
        end = self.scenario.wall(self.script.duration)
        while time.time() < end:
            for step in self.scenario.take_captain():
                self._captain(step)
            self._look()
            await asyncio.sleep(LOOP_EVERY)

    def _captain(self, step: Any) -> None:
        if step.action == "tick":
            for item in step.tick:
                try:
                    self.engine.tick(item, "the scripted captain of the rehearsal")
                except (KeyError, ValueError) as exc:
                    self.say(f"captain: cannot tick {item}: {exc}")

    def _note(self, note: tuple[str, str]) -> None:
        from cockpit.demo import note_event

        self.engine.record(note_event(note))
        self.say(note[1])

    # ------------------------------------------------------------ watching the engine

    def _changed(self, change: Any) -> None:
        if change.kind == "verdict":
            self._verdict_now(change.payload.at)
        elif change.kind == "event":
            event = change.payload
            if event.kind in (EventKind.BREACH, EventKind.RECOVER, EventKind.SOURCE,
                              EventKind.ROLLBACK_START, EventKind.ROLLBACK_END,
                              EventKind.ROLLBACK_VERIFY, EventKind.GPU, EventKind.PROBE):
                self.say(f"{event.kind}: {event.message}", event.at)

    def _verdict_now(self, wall: float) -> None:
        if not self._started:
            return
        verdict = self.engine.verdict
        kind = verdict.kind.value
        self.result.timeline.append((wall, kind))
        if verdict.failing:
            self._look(wall)
        if kind == self._last_verdict:
            return
        self._last_verdict = kind
        why = ""
        if verdict.failing:
            why = "failing: " + "; ".join(f"{s.item_id} ({s.detail})" for s in verdict.failing)
        elif verdict.unknown:
            why = "waiting on: " + ", ".join(s.item_id for s in verdict.unknown[:6])
        self.say(f"verdict {kind:<5} {why}", wall)
        if kind == VerdictKind.NO_GO and self.auto_rollback and self._rollback_task is None:
            self._rollback_task = asyncio.ensure_future(self._roll_back(verdict))

    def _look(self, wall: float | None = None) -> None:
        """The first failing reading after the first fault (any item, required or not)."""
        if self.detected is not None:
            return
        wall = time.time() if wall is None else wall
        windows = [w for w in self.scenario.windows if w.by == "script"]
        if not windows or wall < windows[0].start:
            return
        failing = [s for s in self.engine.item_states().values() if s.status == Status.FAIL]
        if failing:
            self.detected = (wall, f"{failing[0].item_id} ({failing[0].detail})")
            self.say(f"first failing reading: {self.detected[1]}", self.detected[0])

    # ------------------------------------------------------------ the captain's rollback

    async def _roll_back(self, verdict: Any) -> None:
        from cockpit.rollback.plan import RollbackError
        from cockpit.rollback.service import Rollbacks
        from cockpit.rollback.verify import Expectation, watch

        failing = [s.item_id for s in verdict.failing]
        try:
            rollbacks = Rollbacks(self.engine.config, self.engine)
            plan = await rollbacks.plan(verdict=verdict.kind.value, failing=failing)
            self.say(f"captain: rolling back — {plan.brief()}")
            run = rollbacks.start(plan)
        except (RollbackError, OSError) as exc:
            self.say(f"captain: the rollback cannot start: {exc}")
            return
        self.result.rolled_back = True
        async for line in run.lines():
            self.say(f"| {line}")
        state = await run.wait()
        self.say(f"captain: {state.outcome()}")
        within = float(getattr(self.engine.config.rollback, "verify_within", 300.0))
        expect = Expectation.from_plan(state.plan, ended_at=state.ended_at or time.time(),
                                       within=within, failing=failing,
                                       command_ok=state.succeeded)
        await watch(expect, lambda: self.engine.readings, lambda: self.engine.verdict,
                    sink=self.engine, interval=0.2)

    # ------------------------------------------------------------ the end

    def _finish(self) -> None:
        self._verdict_now(time.time())
        events = self.engine.events()
        for phase in self.script.expect:
            self.result.phases.append(self._judge(phase, events))
        card = drill_scorecard(self.scenario, events, self.detected)
        self.result.scorecard = card
        self.out("")
        self.out(f"scorecard of drill {self.script.name!r} (scenario time):")
        for line in card.lines():
            self.out(f"  {line}")
        self.out("expectations:")
        for p in self.result.phases:
            self.out(p.line())
        self.out("drill " + ("PASSED" if self.result.passed else "FAILED"))
        self.engine.record(scorecard_event(self.scenario, card, self.engine.author, {
            "passed": self.result.passed, "rolled_back": self.result.rolled_back,
            "phases": [p.line().strip() for p in self.result.phases]}))

    def _judge(self, phase: Phase, events: list[Event]) -> PhaseResult:
        rolled = self.result.rolled_back
        if (phase.rollback == "yes" and not rolled) or (phase.rollback == "no" and rolled):
            return PhaseResult(phase, None, (), f"applies only with rollback: {phase.rollback}")
        start, end = self.scenario.wall(phase.start), self.scenario.wall(phase.end)
        timeline = self.result.timeline
        before = [k for t, k in timeline if t <= start]
        seen = ([before[-1]] if before else []) + [k for t, k in timeline if start < t <= end]
        kinds = tuple(dict.fromkeys(seen))
        problems = []
        if phase.verdict and (bad := [k for k in kinds if k not in phase.verdict]):
            problems.append(f"expected only {'/'.join(phase.verdict)}, saw {'/'.join(bad)}")
        if phase.reach and phase.reach not in kinds:
            problems.append(f"never reached {phase.reach}")
        if phase.never and (bad := [k for k in kinds if k in phase.never]):
            problems.append(f"saw {'/'.join(bad)}")
        for signal, want in phase.breaches.items():
            got = sum(1 for e in events if e.kind == EventKind.BREACH
                      and e.data.get("signal") == signal and start <= e.at <= end)
            if got != want:
                problems.append(f"{got} breach(es) of {signal}, expected {want}")
        return PhaseResult(phase, not problems, kinds, "; ".join(problems))


async def stop_within(engine: Any, seconds: float) -> bool:
    """Stop the engine, but give up after `seconds` (a source task that swallows its
    cancellation would make `wait_for` wait for ever); says which tasks are stuck."""
    import sys

    stop = asyncio.ensure_future(engine.stop())
    done, _ = await asyncio.wait({stop}, timeout=seconds)
    if done:
        with contextlib.suppress(Exception):
            stop.result()
        return True
    stuck = sorted(t.get_name() for t in asyncio.all_tasks()
                   if not t.done() and t is not asyncio.current_task())
    print(f"cockpit demo: the engine did not stop within {seconds:g}s (still running: "
          f"{', '.join(stuck)}); leaving it", file=sys.stderr, flush=True)
    return False


def drill_scorecard(scenario: Any, events: list[Event],
                    detected: tuple[float, str] | None = None) -> Scorecard:
    """The scorecard of a rehearsal so far: from its first scripted fault, on its clock."""
    fault = next((w for w in scenario.windows if w.by == "script"), None)
    return score(events, fault_at=fault.start if fault else None,
                 fault=fault.name if fault else None, detected=detected, clock=scenario.s)


def scorecard_event(scenario: Any, card: Scorecard, author: str,
                    drill: dict[str, Any] | None = None) -> Event:
    """The scorecard as the incident log keeps it (a note with the numbers in its data)."""
    return Event(
        EventKind.NOTE, f"rehearsal scorecard ({scenario.script.name}): " + card.summary(),
        Severity.INFO, {"demo": True, "scorecard": card.as_dict(),
                        "drill": {"scenario": scenario.script.name, "t0": scenario.t0,
                                  "speed": scenario.speed, **(drill or {})}},
        author=author)


__all__ = ["Drill", "DrillResult", "PhaseResult", "drill_scorecard", "scorecard_event"]
