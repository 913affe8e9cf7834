"""`cockpit demo`: a rehearsal launch on loopback simulators (no cluster needed).

Starts a simulated Kubernetes API (namespace asr: asr-gateway and asr-worker rolling
from revision 4 to 5), a Prometheus API (error rate, latency, traffic, DCGM GPU
metrics), a streaming ASR service (PocketSphinx) and a /health endpoint, writes a
launch config for them and opens the cockpit screen over it. The script, at speed 1:
upgrade at 0:30, traffic from 1:30, a fault at 5:00 (5xx spike, a crash-looping pod,
slow ASR answers: NO-GO). Roll back with R (real helm on its memory driver), or wait:
the fault clears by itself after 4 minutes. More faults: `:` then type "fault", or
--fault NAME@SECONDS. Every simulator stops when the demo ends.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
import threading
from typing import Any

from cockpit import exits
from cockpit.commands.common import Abort, run_command


def register(sub: argparse._SubParsersAction) -> None:
    from cockpit.sim.scenario import FAULTS

    parser = sub.add_parser(
        "demo", help="a rehearsal: simulated cluster, Prometheus and ASR service on loopback",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default="launch", metavar="SCENARIO",
                        help="a shipped scenario (rehearsals/: see --list) or a scenario file "
                        "(default: launch)")
    parser.add_argument("--list", action="store_true", help="list the shipped scenarios")
    parser.add_argument("--headless", action="store_true",
                        help="no screen: play the scenario to its end, print the verdict "
                        "timeline, check its expectations and print the drill's scorecard "
                        "(exit 0 when every expectation held, 1 when one did not)")
    parser.add_argument("--auto-rollback", action="store_true",
                        help="with --headless: play the captain, rolling back (the same "
                        "rollback service as the R key) as soon as the verdict is NO-GO")
    parser.add_argument("--report", metavar="FILE",
                        help="with --headless: write the drill's report to FILE at the end "
                        "(.html, .md or .txt)")
    parser.add_argument("--layout", help="layout name (launch, watch, compact) or a YAML file "
                        "(default: by terminal size, compact below 120x35)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="run the script this many times faster (default 1: ~10 minutes)")
    parser.add_argument("--store", help="event log file to keep (default: a temp file, "
                        "removed on exit)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME@SECONDS",
                        help="inject fault NAME at SECONDS of the script (repeatable); names: "
                        + ", ".join(sorted(FAULTS)))
    parser.add_argument("--no-scripted-fault", action="store_true",
                        help="leave out the scripted fault at 5:00")
    parser.add_argument("--print-config", action="store_true",
                        help="start the simulators, print the generated config and keep them "
                        "running until Ctrl-C (for cockpit check/probe/rollback --plan)")
    parser.add_argument("--no-bell", action="store_true", help="no bell on NO-GO")
    parser.add_argument("--mouse", action="store_true", help="enable the mouse")
    parser.set_defaults(handler=lambda args: run_command(_demo, args))


def _demo(args: argparse.Namespace) -> int:
    from cockpit.config import ConfigError
    from cockpit.demo import Demo, DemoError, DemoOptions, describe, parse_fault
    from cockpit.sim.rehearsal import load_rehearsal, outlines

    if args.list:
        for outline in outlines():
            print(f"{outline.name:<16} {outline.title}")
        return exits.OK
    if not math.isfinite(args.speed) or args.speed <= 0 or args.speed > 1000:  # nan passes < >
        raise Abort(["cockpit demo: --speed must be above 0 and at most 1000"])
    try:
        faults = [parse_fault(f) for f in args.fault]
    except ValueError as exc:
        raise Abort([f"cockpit demo: --fault {exc}"]) from None
    try:
        load_rehearsal(args.scenario)
    except ConfigError as exc:
        raise Abort([str(p) for p in exc.problems]) from None
    if (args.auto_rollback or args.report) and not args.headless:
        raise Abort(["cockpit demo: --auto-rollback and --report go with --headless"])
    if not args.print_config and not args.headless and not (sys.stdin.isatty()
                                                            and sys.stdout.isatty()):
        raise Abort(["cockpit demo: needs a terminal (without one, use --print-config and "
                     "point `cockpit check` at the config it prints)"])
    options = DemoOptions(speed=args.speed, store=args.store, faults=faults,
                          scripted_fault=not args.no_scripted_fault,
                          layout=args.layout, scenario=args.scenario)
    demo = Demo(options)
    try:
        demo.start()
    except DemoError as exc:
        raise Abort([f"cockpit demo: {exc}"], code=exits.FAILED) from None
    try:
        if args.print_config:
            return _print_config(demo, describe(demo))
        if args.headless:
            return _headless(demo, args)
        return _screen(demo, args)
    finally:
        demo.stop()


def _print_config(demo: object, lines: list[str] | tuple[str, ...]) -> int:
    from cockpit.demo import hold

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    for line in lines:
        print(line)
    print("---")
    print(demo.config_text, end="")  # type: ignore[attr-defined]
    print("---")
    print("simulators running; Ctrl-C stops them", flush=True)

    def out(line: str) -> None:
        print(line, flush=True)

    asyncio.run(hold(demo, out, stop))  # type: ignore[arg-type]
    print("simulators stopped", flush=True)
    return exits.OK


def _headless(demo: object, args: argparse.Namespace) -> int:
    import faulthandler

    from cockpit.demo import run_drill

    # A drill that has not ended well after its scenario should have is stuck: print
    # where every thread is (to stderr) and exit, rather than hang a CI job.
    script = demo.scenario.script  # type: ignore[attr-defined]
    faulthandler.dump_traceback_later(script.duration / args.speed + 120.0, exit=True)

    def out(line: str) -> None:
        print(line, flush=True)

    result = _run_bounded(run_drill(demo, auto_rollback=args.auto_rollback,  # type: ignore[arg-type]
                                    out=out, report=args.report))
    faulthandler.cancel_dump_traceback_later()
    if result.report is not None:
        print(f"report written to {result.report}", flush=True)
    return exits.OK if result.passed else exits.FAILED


def _run_bounded(coro: Any) -> Any:
    """asyncio.run, except that tasks left over at the end get 2 s to finish their
    cancellation, not for ever (asyncio.run waits for every one of them)."""
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(coro)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=2.0))
        loop.run_until_complete(loop.shutdown_asyncgens())
        return result
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _screen(demo: object, args: argparse.Namespace) -> int:
    from cockpit.commands.run import user_keymap
    from cockpit.demo import build_app, serve_demo

    app = build_app(demo, args.layout, bell=not args.no_bell,  # type: ignore[arg-type]
                    keymap=user_keymap())
    return asyncio.run(serve_demo(app, mouse=args.mouse))
