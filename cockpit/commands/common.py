"""What the headless commands share: loading a launch (config, store, engine) with
errors printed as one line each and exit code 3, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from cockpit import exits
from cockpit.config import ConfigError, LaunchConfig, load_config

if TYPE_CHECKING:
    from cockpit.launch import Launch

EXIT_GO, EXIT_NO_GO, EXIT_HOLD, EXIT_CONFIG = exits.OK, exits.NO_GO, exits.HOLD, exits.BAD_INPUT


class Abort(Exception):
    """Stop the command with `code` after printing `lines` to stderr."""

    def __init__(self, lines: list[str], code: int = EXIT_CONFIG) -> None:
        self.lines, self.code = lines, code
        super().__init__("\n".join(lines))


def add_config_argument(parser: argparse.ArgumentParser, positional: bool = True) -> None:
    if positional:
        parser.add_argument("config", metavar="CONFIG", help="the launch config (YAML)")
    else:
        parser.add_argument("-c", "--config", default=os.environ.get("COCKPIT_CONFIG"),
                            help="the launch config (default: $COCKPIT_CONFIG)")
    parser.add_argument("--store", help="event log file to use instead of the config's")


def config_from(args: argparse.Namespace) -> LaunchConfig:
    if not getattr(args, "config", None):
        raise Abort(["cockpit: no launch config: pass -c CONFIG or set COCKPIT_CONFIG"])
    try:
        return load_config(args.config)
    except ConfigError as exc:
        raise Abort([str(p) for p in exc.problems]) from None


def engine_from(args: argparse.Namespace, validate_signals: bool = True) -> Launch:
    """Config, store and engine for a command (`cockpit.launch.build`); every problem
    raised as Abort (code 3)."""
    from cockpit.launch import LaunchError, build

    if not getattr(args, "config", None):
        raise Abort(["cockpit: no launch config: pass -c CONFIG or set COCKPIT_CONFIG"])
    try:
        return build(args.config, store=getattr(args, "store", None),
                     read_only=bool(getattr(args, "read_only", False)),
                     validate_signals=validate_signals)
    except LaunchError as exc:
        raise Abort(exc.problems) from None


def run_command(body, args: argparse.Namespace) -> int:  # noqa: ANN001
    """Run `body(args)`, turning Abort into its lines on stderr and its exit code."""
    from cockpit.safetext import one_line
    from cockpit.store.sqlite import StoreError

    try:
        return int(body(args) or 0)
    except Abort as exc:
        for line in exc.lines:
            print(one_line(line), file=sys.stderr)  # lines quote outside text: no escapes
        return exc.code
    except StoreError as exc:  # corrupt, read-only, full, a directory: one line, not NO-GO
        print(f"cockpit: event log: {one_line(exc)}", file=sys.stderr)
        return EXIT_CONFIG
