"""`cockpit`: the command line. Each subcommand lives in `cockpit/commands/<name>.py`.

A command module's `register(subparsers)` adds its parser and sets `handler`, a
function of the parsed args returning the exit code. Modules import their heavy
parts (Textual, kubernetes, boto3) inside the handler, so `cockpit check` and the
other headless commands start fast and never load the screen.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from cockpit import __version__, exits

COMMANDS = ["run", "demo", "check", "probe", "rollback", "validate", "log", "checklist", "tick",
            "untick", "report"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 (bad input), not 2: 2 is `check`'s HOLD."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(exits.BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cockpit",
        description="Launch cockpit: is this launch healthy, and if not, what do I do?",
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only is not None and name != only:
            continue  # `cockpit run ...` imports only run's module: first frame < 1 s
        try:
            module = importlib.import_module(f"cockpit.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cockpit.commands.{name}":
                continue  # not built in this version
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["run"]:
        from cockpit.startup import pause_gc

        pause_gc()  # until the screen's first frame (cockpit/startup.py)
    parser = build_parser(args_in[0] if args_in and args_in[0] in COMMANDS else None)
    args = parser.parse_args(args_in)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exits.INTERRUPTED
    except BrokenPipeError:  # `cockpit log list | head`: the reader left; not an error
        sys.stderr.close()
        return exits.OK


if __name__ == "__main__":
    sys.exit(main())
