"""`cockpit rollback CONFIG --plan | --yes [--revision N] [--again] [--no-verify]`.

The headless rollback, with the same rules, events and exit codes as the screen's `R`.
Both first sample every source once for the verdict and the failing gates, which the
plan shows and the plan event records (a rollback while the verdict is GO says so).
`--plan` prints what would happen and changes nothing. `--yes` executes through the
same path as the screen: the captains check, the second-rollback guard (a rollback of
a rollback, or one while the last is unverified or younger than `quiet_time`, is refused
with who did the last one, when and its state, unless `--again`), the launch's lock, the
detached runner (so the rollback finishes even if this command is killed), and then it
verifies: it follows the rollout and the failing gates, printing progress, until the
rollback is verified or `verify_within` has passed, and logs `rollback.verify`.

Exit codes (cockpit/exits.py): 0 rolled back and verified (or plan printed); the
command's own exit code when it failed; 3 bad input; 4 no plan; 5 the command succeeded
but the rollback was not verified within `verify_within`; 6 a second rollback refused;
75 another rollback holds the lock; 77 not a captain.
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
EXIT_NOT_VERIFIED = exits.NOT_VERIFIED
EXIT_REFUSED = exits.REFUSED


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
    parser.add_argument("--again", action="store_true",
                        help="roll back even though this is a second rollback (of a rollback, "
                        "or the last one unverified or younger than quiet_time)")
    parser.add_argument("--no-verify", action="store_true",
                        help="--yes: do not follow the rollout and gates after the command")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds each source may take for the verdict (default 30)")


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
    from cockpit.rollback.service import (  # noqa: PLC0415
        NotCaptain,
        Rollbacks,
        SecondRollbackRefused,
    )
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
    try:
        revision = check_revision(args.revision) if args.revision is not None else None
    except InvalidIdentifier as exc:
        _err(str(exc))
        return EXIT_CONFIG
    store = _open_store(config)
    try:
        try:
            verdict = await _verdict(config, store, args.timeout)
        except _BadLaunch as exc:
            for line in exc.lines:
                _err(line)
            return EXIT_CONFIG
        rollbacks = Rollbacks(config, store)
        failing = [i.item_id for i in verdict.failing]
        try:
            plan = await rollbacks.plan(revision, verdict.kind.value, failing)
        except (RollbackError, InvalidIdentifier) as exc:
            _err(str(exc))
            return EXIT_PLAN
        for line in plan.lines():
            print(line, flush=True)
        for line in verdict_lines(verdict):
            print(line, flush=True)
        second = rollbacks.second(plan)
        if second is not None:
            for line in second.lines():
                print(line, flush=True)
        if args.plan:
            if not rollbacks.may_execute():
                print(f"  (read-only: {rollbacks.user} is not a captain)", flush=True)
            return EXIT_OK
        try:
            started = rollbacks.start(plan, again=args.again)
        except NotCaptain as exc:
            _err(str(exc))
            return EXIT_NOT_CAPTAIN
        except SecondRollbackRefused as exc:
            _err(str(exc))
            return EXIT_REFUSED
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
        if not state.succeeded:
            return int(state.exit_code or exits.FAILED)
        if args.no_verify:
            print("not verified (--no-verify): check the rollout and the gates yourself",
                  flush=True)
            return EXIT_OK
        verified = await _verify(config, store, state, failing)
        return EXIT_OK if verified else EXIT_NOT_VERIFIED
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


class _BadLaunch(Exception):
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _engine(config: Any, store: Any) -> Any:
    from cockpit.checklist import ChecklistError  # noqa: PLC0415
    from cockpit.config import ConfigError  # noqa: PLC0415
    from cockpit.engine import Engine  # noqa: PLC0415

    try:
        return Engine(config, store)
    except ConfigError as exc:
        raise _BadLaunch([str(p) for p in exc.problems]) from None
    except ChecklistError as exc:
        raise _BadLaunch(exc.problems) from None


async def _verdict(config: Any, store: Any, timeout: float) -> Any:
    """The verdict now (every source sampled once), as the screen shows it beside the plan."""
    engine = _engine(config, store)
    return await engine.sample_once(timeout=timeout)


def verdict_lines(verdict: Any) -> list[str]:
    """The verdict and the failing gates, under the plan (the screen shows the same)."""
    failing = "; ".join(f"{i.item_id}: {i.detail}" if i.detail else i.item_id
                        for i in verdict.failing) or "none"
    lines = [f"  verdict:  {verdict.kind.value} · failing gates: {failing}"]
    if verdict.kind.value == "GO":
        lines.append("  verdict GO: nothing is failing; a rollback is not called for "
                     "(--yes rolls back anyway)")
    return lines


async def _verify(config: Any, store: Any, state: Any, failing: list[str]) -> bool:
    """Follow the rollout and the failing gates after the command, as the screen does."""
    import time  # noqa: PLC0415

    from cockpit.rollback.verify import Expectation, watch  # noqa: PLC0415

    within = float(getattr(config.rollback, "verify_within", 600.0))
    expect = Expectation.from_plan(state.plan, ended_at=state.ended_at or time.time(),
                                   within=within, failing=failing,
                                   command_ok=state.succeeded)
    print(f"verifying: the rollout back on {state.plan.to.label()} and the failing gates "
          f"({', '.join(failing) or 'none'}) passing, within {within:g}s", flush=True)
    engine = _engine(config, store)
    shown: list[str] = []

    def progress(v: Any) -> None:
        text = v.message()
        if not v.final and (not shown or shown[-1] != text):
            shown.append(text)
            print(f"  {text}", flush=True)

    await engine.start()
    try:
        # Judge only once every source has had its first say: with no kube reading yet,
        # "no rollout reading" would pass the rollout on the command's outcome alone.
        while time.time() < expect.deadline and any(
            engine.source_status(s.name).state == "starting" for s in engine.sources
        ):
            await asyncio.sleep(0.1)
        result = await watch(expect, lambda: engine.readings, lambda: engine.verdict,
                             sink=store, on_update=progress, interval=1.0)
    finally:
        await engine.stop()
    print(result.message(), flush=True)
    return result.state == "verified"


def main(argv: Sequence[str] | None = None) -> int:
    """Run as `python -m cockpit.commands.rollback` (the same as `cockpit rollback`)."""
    parser = argparse.ArgumentParser(prog="cockpit rollback")
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
