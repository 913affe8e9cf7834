"""`cockpit run CONFIG [--layout NAME]`: the cockpit screen.

The engine and the screen share one asyncio loop. A dropped SSH session (SIGHUP),
SIGTERM, or a terminal that went away ends the app promptly and cleanly: every
event already committed stays in the store, and the process never lingers spinning
on a dead terminal (a watchdog exits hard if a clean exit stalls).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from cockpit.commands.common import Abort, add_config_argument, engine_from, run_command
from cockpit.config import LaunchConfig
from cockpit.layout import Layout, LayoutError, NoSuchLayout, layouts_for


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


def load_layouts(config: LaunchConfig, wanted: str | None) -> tuple[list[Layout], str | None]:
    """`cockpit.layout.layouts_for`, its errors as one line each (exit 3)."""
    try:
        return layouts_for(config, wanted)
    except (LayoutError, NoSuchLayout) as exc:
        raise Abort([str(exc)]) from None


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
    from cockpit.ui.serve import serve

    return asyncio.run(serve(app, launch.engine, mouse=args.mouse))


