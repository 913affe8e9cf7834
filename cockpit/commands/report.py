"""`cockpit report CONFIG [--since 8h] [-o FILE] [--format html|md|text]`: the launch's
report over a window.

html: one self-contained file (inline CSS and SVG charts, no script, nothing fetched:
opens on an air-gapped laptop): summary, milestones, the verdict band, a chart per
Prometheus query over the window (query_range, thresholds drawn, breaches marked), GPU
utilization, pods, the ASR probe, rollbacks (command, exit code, output tail, who) and
every event. md: the same for a post-mortem document. text: the verdict band and one
sparkline per signal, for a terminal. The format follows -o's suffix unless given;
without -o the report goes to stdout (text unless --format says otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from cockpit import exits
from cockpit.commands.common import Abort, add_config_argument, config_from, run_command


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="the launch's report: HTML with charts, Markdown "
                            "or text", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(parser)
    parser.add_argument("--since", default="8h", help="the window: the last DURATION "
                        "(default 8h)")
    parser.add_argument("-o", "--output", help="write to FILE (.html, .md or .txt)")
    parser.add_argument("--format", choices=["html", "md", "text"],
                        help="default: from -o's suffix, else text")
    parser.add_argument("--width", type=int, default=100, help="text: line width (default 100)")
    parser.set_defaults(handler=lambda args: run_command(_report, args))


def _report(args: argparse.Namespace) -> int:
    from cockpit.config import ConfigError, parse_duration
    from cockpit.report import format_for, render
    from cockpit.store import open_store

    config = config_from(args)
    try:
        since = parse_duration(args.since)
    except ValueError as exc:
        raise Abort([f"--since: {exc}"]) from None
    if since <= 0:
        raise Abort(["--since: the window must be longer than 0s"])
    try:
        store = open_store(config, args.store)
    except ConfigError as exc:
        raise Abort([str(p) for p in exc.problems]) from None
    out = Path(args.output) if args.output else None
    fmt = format_for(out, args.format)
    try:
        text = asyncio.run(render(config, store, fmt, since=since, width=args.width))
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()
    if out is None:
        sys.stdout.write(text)
        return exits.OK
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Abort([f"{out}: cannot write: {exc.strerror or exc}"], code=exits.FAILED) from None
    print(f"wrote the {fmt} report of {config.launch!r} to {out}", file=sys.stderr)
    return exits.OK
