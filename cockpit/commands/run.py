"""`cockpit run CONFIG [--layout NAME]`: the cockpit screen.

The engine and the screen share one asyncio loop. A dropped SSH session (SIGHUP),
SIGTERM, or a terminal that went away ends the app promptly and cleanly: every
event already committed stays in the store, and the process never lingers spinning
on a dead terminal (a watchdog exits hard if a clean exit stalls).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from cockpit import exits
from cockpit.commands.common import Abort, add_config_argument, engine_from, run_command
from cockpit.layout import Layout, LayoutError, layout_files, load_layout, resolve_layout

EXIT_HANGUP = exits.HANGUP
HARD_EXIT_AFTER = 5.0  # s: after a hangup, exit even if a clean shutdown stalls
TTY_CHECK_EVERY = 2.0  # s: notice a terminal that went away without a SIGHUP


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run", help="the cockpit screen (Textual): verdict, checklist, live panes, log",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(parser)
    parser.add_argument("--layout", help="layout name (launch, watch, compact) or a YAML file "
                        "(default: the config's `layout:`, else launch)")
    parser.add_argument("--no-bell", action="store_true", help="no bell when the verdict turns "
                        "NO-GO (the config's bell_on_nogo: false does the same)")
    parser.add_argument("--mouse", action="store_true", help="enable the mouse (off by default: "
                        "over SSH, mouse tracking costs CPU and bytes)")
    parser.add_argument("--read-only", action="store_true", help="a screen with no actions at "
                        "all (for stakeholders): no ticks, notes, samples or rollback")
    parser.set_defaults(handler=lambda args: run_command(_run, args))


def load_layouts(config: Any, wanted: str | None) -> tuple[list[Layout], str]:
    """Every layout on offer (config dir's `layouts/`, then the bundled ones) and the first."""
    base = Path(getattr(config, "base_dir", Path.cwd()))
    dirs = [base / "layouts"]
    choice = wanted or getattr(config, "layout", None) or "launch"
    try:
        files = layout_files(*dirs)
        try:
            path = resolve_layout(choice, *dirs)
        except LayoutError as exc:  # no such name: at the config's `layout:`, or the flag
            where = (str(config.problem(("layout",), exc.message)) if wanted is None
                     and hasattr(config, "problem") else f"--layout: {exc.message}")
            raise Abort([where]) from None
        from_config = wanted is None
        if not path.is_absolute() and (from_config or not path.exists()):
            # The config's `layout:` is relative to the config file; --layout to the cwd.
            path = base / path if (base / path).exists() or not path.exists() else path
        first = load_layout(path)
        layouts = {first.name: first}
        for name, p in files.items():
            if name not in layouts and p.resolve() != path.resolve():
                layouts[name] = load_layout(p)
    except LayoutError as exc:
        raise Abort([str(exc)]) from None
    ordered = sorted(layouts.values(), key=lambda lay: lay.name)
    return ordered, first.name


def user_keymap() -> dict[str, str]:
    """The user's keys by binding id (`keys:` in ~/.config/cockpit/config.yaml); a bad
    one is one line, exit 3, before the screen opens."""
    from cockpit.ui.keys import KeymapError, load_keymap

    try:
        return load_keymap()
    except KeymapError as exc:
        raise Abort([str(exc)]) from None


def _run(args: argparse.Namespace) -> int:
    launch = engine_from(args)
    config = launch.config
    layouts, first = load_layouts(config, args.layout)
    keymap = user_keymap()
    if not (sys.stdin.isatty() and sys.__stderr__.isatty()):  # Textual draws on stderr
        raise Abort(["cockpit run: needs a terminal (for a headless verdict use `cockpit check`)"])
    from cockpit.ui.app import CockpitApp  # Textual only here: headless commands stay light

    app = CockpitApp(launch.engine, layouts, layout=first, keymap=keymap,
                     bell_on_nogo=bool(getattr(config, "bell_on_nogo", True)) and not args.no_bell)
    return asyncio.run(serve(app, launch.engine, mouse=args.mouse))


def _hard_exit_later(code: int) -> None:
    timer = threading.Timer(HARD_EXIT_AFTER, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


def _terminal_gone(fd: int = 0) -> bool:
    """Whether the terminal on `fd` hung up (polled for HUP/ERR only: no input is read)."""
    poller = select.poll()
    poller.register(fd, 0)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


async def serve(app: Any, engine: Any, mouse: bool = False) -> int:
    """Run `app` over `engine` until quit or hangup; always stop the engine and the store."""
    loop = asyncio.get_running_loop()
    hung_up = False

    def hangup(signum: int = signal.SIGHUP) -> None:
        nonlocal hung_up
        if hung_up:
            return
        hung_up = True
        _hard_exit_later(128 + signum)
        app.exit(return_code=128 + signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(sig, hangup, sig)

    async def watch_tty() -> None:
        while True:
            await asyncio.sleep(TTY_CHECK_EVERY)
            if _terminal_gone():
                hangup(signal.SIGHUP)
                return

    watcher = asyncio.create_task(watch_tty())
    try:
        await app.run_async(mouse=mouse)
    finally:
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(engine.stop(), 3.0)
        close = getattr(getattr(engine, "store", None), "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    code = app.return_code
    return int(code if code is not None else (EXIT_HANGUP if hung_up else 0))
