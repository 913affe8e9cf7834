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

from cockpit import exits
from cockpit.commands.common import Abort, run_command


def register(sub: argparse._SubParsersAction) -> None:
    from cockpit.sim.scenario import FAULTS

    parser = sub.add_parser(
        "demo", help="a rehearsal: simulated cluster, Prometheus and ASR service on loopback",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    from cockpit.demo import Demo, DemoError, DemoOptions, describe, parse_fault

    if not math.isfinite(args.speed) or args.speed <= 0 or args.speed > 1000:  # nan passes < >
        raise Abort(["cockpit demo: --speed must be above 0 and at most 1000"])
    try:
        faults = [parse_fault(f) for f in args.fault]
    except ValueError as exc:
        raise Abort([f"cockpit demo: --fault {exc}"]) from None
    if not args.print_config and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise Abort(["cockpit demo: needs a terminal (without one, use --print-config and "
                     "point `cockpit check` at the config it prints)"])
    options = DemoOptions(speed=args.speed, store=args.store, faults=faults,
                          scripted_fault=not args.no_scripted_fault,
                          layout=args.layout)
    demo = Demo(options)
    try:
        demo.start()
    except DemoError as exc:
        raise Abort([f"cockpit demo: {exc}"], code=exits.FAILED) from None
    try:
        if args.print_config:
            return _print_config(demo, describe(demo))
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


def _screen(demo: object, args: argparse.Namespace) -> int:
    from cockpit.commands.run import user_keymap
    from cockpit.demo import build_app, serve_demo

    app = build_app(demo, args.layout, bell=not args.no_bell,  # type: ignore[arg-type]
                    keymap=user_keymap())
    return asyncio.run(serve_demo(app, mouse=args.mouse))
