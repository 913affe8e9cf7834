"""`cockpit rollback CONFIG --plan | --yes [--revision N]`: the headless rollback.

`--plan` prints what would happen and changes nothing. `--yes` executes without the
screen, through the same path as the screen: the captains check, the launch's lock,
the detached runner (so the rollback finishes even if this command is killed), and
the incident log. Headless and Textual-free.

Exit codes: 0 rolled back (or plan printed); the command's own exit code when it
failed (helm's, or 1 for an ECS deployment FAILED, 124 for a timeout); 3 bad config
(as every cockpit command); 4 no plan (unknown release, nothing to return to, a
refused name); 75 another rollback holds the lock (its holder is named); 77 not a
captain (the attempt is logged).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from cockpit import exits

EXIT_OK = exits.OK
EXIT_CONFIG = exits.BAD_INPUT
EXIT_PLAN = exits.NO_PLAN
EXIT_LOCKED = exits.LOCKED
EXIT_NOT_CAPTAIN = exits.NOT_CAPTAIN


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "rollback",
        help="plan or execute the launch's rollback (helm or ECS) without the screen",
        description=(
            "Print the rollback plan (--plan), or execute it (--yes) with the same lock, "
            "incident log and exit code as the screen's rollback key."
        ),
    )
    _arguments(parser)
    parser.set_defaults(func=run, handler=run)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="the launch config (YAML)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="print the plan; change nothing")
    mode.add_argument("--yes", action="store_true", help="execute the plan now (captains only)")
    parser.add_argument(
        "--revision",
        metavar="N",
        help="return to revision N instead of the last good one before the current",
    )


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def _open_store(config: Any) -> Any:
    from cockpit.store import open_store  # noqa: PLC0415

    return open_store(config)


def _err(message: str) -> None:
    from cockpit.redact import redact  # noqa: PLC0415

    print(f"cockpit rollback: {redact(message)}", file=sys.stderr, flush=True)


async def _run(args: argparse.Namespace) -> int:
    from cockpit.config import ConfigError, load_config  # noqa: PLC0415
    from cockpit.rollback.lock import LockHeld  # noqa: PLC0415
    from cockpit.rollback.plan import RollbackError  # noqa: PLC0415
    from cockpit.rollback.service import NotCaptain, Rollbacks  # noqa: PLC0415
    from cockpit.rollback.validate import InvalidIdentifier, check_revision  # noqa: PLC0415

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        _err(f"{args.config}: invalid config:\n{exc}")
        return EXIT_CONFIG
    except OSError as exc:
        _err(f"{args.config}: {exc.strerror or exc}")
        return EXIT_CONFIG
    if config.rollback is None:
        _err(f"{args.config}: no rollback section (helm or ecs target)")
        return EXIT_CONFIG
    store = _open_store(config)
    try:
        rollbacks = Rollbacks(config, store)
        try:
            revision = check_revision(args.revision) if args.revision is not None else None
            plan = await rollbacks.plan(revision)
        except (RollbackError, InvalidIdentifier) as exc:
            _err(str(exc))
            return EXIT_PLAN
        for line in plan.lines():
            print(line, flush=True)
        if args.plan:
            if not rollbacks.may_execute():
                print(f"  (read-only: {rollbacks.user} is not a captain)", flush=True)
            return EXIT_OK
        try:
            started = rollbacks.start(plan)
        except NotCaptain as exc:
            _err(str(exc))
            return EXIT_NOT_CAPTAIN
        except LockHeld as exc:
            _err(f"not started: {exc.info.describe()}")
            return EXIT_LOCKED
        except RollbackError as exc:
            _err(str(exc))
            return EXIT_PLAN
        print(f"started rollback {started.rollback_id} (journal {started.dir})", flush=True)
        async for line in started.lines():
            print(f"| {line}", flush=True)
        state = await started.wait()
        print(state.outcome(), flush=True)
        if state.state == "lost":
            return exits.FAILED
        return int(state.exit_code or 0)
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run as `python -m cockpit.commands.rollback` (the same as `cockpit rollback`)."""
    parser = argparse.ArgumentParser(prog="cockpit rollback")
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
