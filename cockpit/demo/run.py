"""Running a started demo: the screen over it (`build_app`), `--print-config`'s
headless hold, the drill (`run_drill`) and the start-up summary (`describe`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.demo.install import how_to_get_helm
from cockpit.demo.options import DEMO_AUTHOR, DemoError
from cockpit.demo.rig import Demo
from cockpit.sim.scenario import Note

if TYPE_CHECKING:
    from cockpit.demo_app import DemoApp



def note_event(note: Note) -> Any:
    from cockpit.model import Event, EventKind, Severity

    severity, message = note
    return Event(EventKind.NOTE, message, Severity(severity), {"demo": True}, author=DEMO_AUTHOR)


def build_app(demo: Demo, layout: str | None = None, *, bell: bool = True,
              start_engine: bool = True, keymap: dict[str, str] | None = None) -> DemoApp:
    """The cockpit screen over the demo's config (`cockpit.demo_app.DemoApp`): `cockpit
    run`'s app, plus the script and fault commands. The launch is built as every
    command builds one (`cockpit.launch.build`); None `layout` picks by terminal size."""
    from cockpit.demo_app import DemoApp
    from cockpit.launch import LaunchError, build
    from cockpit.layout import LayoutError, NoSuchLayout, layouts_for

    assert demo.config_path is not None
    try:
        launch = build(demo.config_path)
        layouts, first = layouts_for(launch.config, layout)
    except (LaunchError, LayoutError, NoSuchLayout) as exc:
        raise DemoError(str(exc)) from None
    return DemoApp(demo, launch.engine, layouts, layout=first, bell=bell,
                   start_engine=start_engine, keymap=keymap)


async def serve_demo(app: DemoApp, mouse: bool = False) -> int:
    from cockpit.ui.serve import serve

    return await serve(app, app.engine, mouse=mouse)


async def hold(demo: Demo, out: Callable[[str], None], stop: threading.Event) -> None:
    """`--print-config`: run the script with no screen until `stop`, notes to `out`."""

    def record(note: Note) -> None:
        out(f"{time.strftime('%H:%M:%S')} {note[0]}: {note[1]}")

    task = asyncio.create_task(demo.drive(record))
    try:
        while not stop.is_set():
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_drill(demo: Demo, *, auto_rollback: bool = False,
                    out: Callable[[str], None] = print, report: str | None = None) -> Any:
    """`cockpit demo --headless`: the scenario played to its end over the demo's engine
    (cockpit.drill); `report`: a file the drill's report is written to at the end."""
    from cockpit.drill import Drill
    from cockpit.launch import LaunchError, build

    assert demo.config_path is not None
    try:
        launch = build(demo.config_path)
    except LaunchError as exc:
        raise DemoError(str(exc)) from None
    engine: Any = launch.engine

    async def write_report() -> Path:
        from cockpit.report import write_report as write

        assert report is not None
        return await write(engine.config, Path(report), store=engine.store,
                           since=time.time() - engine.started_at if engine.started_at else None,
                           engine=engine)

    drill = Drill(demo, engine, auto_rollback=auto_rollback, out=out,
                  report=write_report if report else None)
    try:
        return await drill.run()
    finally:
        # Sources cancelled mid-command (helm for the release source) leave subprocess
        # transports to close: collect them while the loop still runs, so none outlives it.
        import gc

        await asyncio.sleep(0.3)
        gc.collect()
        await asyncio.sleep(0.1)
        close = getattr(engine.store, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()


def describe(demo: Demo) -> Sequence[str]:
    lines = [f"config: {demo.config_path}"]
    lines += [f"{name}: {url}" for name, url in demo.urls.items()]
    if demo.helm_binary is None:
        lines.append(f"helm: none found ({how_to_get_helm()}); no rollback")
    cfg = demo.config_path
    lines.append(f"try: cockpit check {cfg} · cockpit probe {cfg} · "
                 f"cockpit rollback {cfg} --plan · cockpit run {cfg}")
    return lines


