"""The rehearsal's screen: the cockpit over the demo's launch, plus the script (run as
a worker on the app's loop) and the fault commands in the palette (`:`).

A module of its own (it imports Textual), so `cockpit demo --print-config` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from textual.app import SystemCommand
from textual.screen import Screen

from cockpit.demo import Demo, note_event
from cockpit.engine import Engine
from cockpit.layout import Layout
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
        self.run_worker(self.demo.drive(self._record), group="demo-script",
                        exit_on_error=False)

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
