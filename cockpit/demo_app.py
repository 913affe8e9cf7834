"""The rehearsal's screen: the cockpit over the demo's launch, plus the script (run as
a worker on the app's loop) and the fault commands in the palette (`:`).

A module of its own (it imports Textual), so `cockpit demo --print-config` stays light.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from textual.app import SystemCommand
from textual.screen import Screen

from cockpit.demo import Demo, note_event
from cockpit.engine import Engine
from cockpit.layout import Layout
from cockpit.sim.rehearsal import load_rehearsal, outlines
from cockpit.sim.scenario import FAULTS, Note
from cockpit.ui.app import CockpitApp


class DemoApp(CockpitApp):
    """`cockpit run`'s screen over a `Demo`, with its script and faults."""

    TITLE = "cockpit demo"

    def __init__(self, demo: Demo, engine: Engine, layouts: Sequence[Layout], *,
                 layout: str | None = None, bell: bool = True, start_engine: bool = True,
                 keymap: Mapping[str, str] | None = None) -> None:
        super().__init__(engine, layouts, layout=layout, bell_on_nogo=bell,
                         start_engine=start_engine, keymap=keymap)
        self.demo = demo

    def on_mount(self) -> None:
        # Textual also calls CockpitApp.on_mount (handlers run for every class in the
        # MRO): calling it here too would start the engine twice.
        self.run_worker(self._play_script(), group="demo-script", exit_on_error=False)

    async def _play_script(self) -> None:
        """The script starts once every source has had its first say (at most 30 s),
        so its first steps are not lost to the cockpit's start-up."""
        scenario = self.demo.scenario
        assert scenario is not None
        deadline = time.time() + 30.0
        names = [s.name for s in self.engine.sources]
        while time.time() < deadline and any(
                self.engine.source_status(n).state == "starting" for n in names):
            await asyncio.sleep(0.2)
        scenario.restart_clock()
        self.run_worker(self._score_at_end(), group="demo-scorecard", exit_on_error=False)
        await self.demo.drive(self._record)

    async def _score_at_end(self) -> None:
        """At the scenario's end, the rehearsal's scorecard: logged and shown (again at
        the end of each scenario played from the palette)."""
        sc = self.demo.scenario
        assert sc is not None
        while True:
            played = (sc.script, sc.t0)
            while time.time() < sc.wall(sc.script.duration) and (sc.script, sc.t0) == played:
                await asyncio.sleep(0.5)
            if (sc.script, sc.t0) == played:
                self._scorecard()
                while (sc.script, sc.t0) == played:  # until another scenario is played
                    await asyncio.sleep(0.5)

    def _scorecard(self) -> None:
        from cockpit.drill import drill_scorecard, scorecard_event

        scenario = self.demo.scenario
        assert scenario is not None
        card = drill_scorecard(scenario, self.engine.events())
        self.engine.record(scorecard_event(scenario, card, self.engine.author))
        self.notify("\n".join(card.lines()), title="Rehearsal scorecard", markup=False,
                    timeout=30)

    def _play(self, path: Path) -> None:
        script = load_rehearsal(path)
        assert self.demo.scenario is not None
        self.demo.scenario.play(script)
        self._record(("warning", f"rehearsal: {self.engine.author} starts scenario "
                                 f"{script.name!r} — {script.title}"))

    def _record(self, note: Note) -> None:
        self.engine.record(note_event(note))

    def _inject(self, name: str) -> None:
        what = self.demo.inject(name)
        self._record(("warning", f"rehearsal: fault injected by {self.engine.author} — {what}"))

    def _clear(self) -> None:
        n = self.demo.clear_faults()
        self._record(("info", f"rehearsal: {n} fault(s) cleared by {self.engine.author}"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, (_, what) in sorted(FAULTS.items()):
            yield SystemCommand(f"Fault: {name}", f"rehearsal: inject {what}",
                                lambda n=name: self._inject(n))
        yield SystemCommand("Fault: clear all", "rehearsal: end every injected fault",
                            self._clear)
        yield SystemCommand("Rehearsal: scorecard", "the drill's milestones so far (fault, "
                            "detected, decided, mitigated, verified), logged", self._scorecard)
        for outline in outlines():
            yield SystemCommand(f"Scenario: {outline.name}",
                                f"rehearsal: play from now: {outline.title}",
                                lambda p=outline.path: self._play(p))
