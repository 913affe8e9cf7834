"""`cockpit check CONFIG [--json]`: one headless verdict, for a CI/CD gate.

Samples every source once, prints the checklist with values and the verdict, and
exits 0 GO, 1 NO-GO, 2 HOLD, 3 config error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from cockpit.commands.common import (
    EXIT_GO,
    EXIT_HOLD,
    EXIT_NO_GO,
    add_config_argument,
    engine_from,
    run_command,
)
from cockpit.model import Status, VerdictKind

EXIT_BY_VERDICT = {VerdictKind.GO: EXIT_GO, VerdictKind.NO_GO: EXIT_NO_GO,
                   VerdictKind.HOLD: EXIT_HOLD}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check", help="sample every source once and print the verdict (exit 0 GO, 1 NO-GO, "
        "2 HOLD, 3 config error)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds each source may take (default 30)")
    parser.set_defaults(handler=lambda args: run_command(_check, args))


def _check(args: argparse.Namespace) -> int:
    launch = engine_from(args)
    engine = launch.engine
    verdict = asyncio.run(engine.sample_once(timeout=args.timeout))
    states = engine.item_states()
    report = {
        "launch": launch.config.launch,
        "verdict": verdict.kind.value,
        "at": datetime.fromtimestamp(verdict.at, UTC).isoformat(),
        "items": [
            {
                "id": item.id,
                "section": item.section,
                "text": item.text,
                "required": item.required,
                "auto": item.auto,
                "owner": item.owner,
                "status": states[item.id].status.value,
                "value": states[item.id].value,
                "detail": states[item.id].detail,
                "ticked_by": states[item.id].ticked_by,
            }
            for item in engine.checklist.items()
        ],
        "unticked": [{"id": item.id, "text": item.text, "owner": item.owner,
                      "required": item.required}
                     for item in engine.checklist.items()
                     if item.manual and states[item.id].status == Status.UNTICKED],
        "failing": [s.item_id for s in verdict.failing],
        "unknown": [s.item_id for s in verdict.unknown],
    }
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(report)
    return EXIT_BY_VERDICT[verdict.kind]


_MARK = {Status.PASS: ("✔ pass", "green"), Status.FAIL: ("✘ FAIL", "bold red"),
         Status.UNKNOWN: ("? unknown", "yellow"), Status.UNTICKED: ("☐ unticked", "dim")}
_VERDICT_STYLE = {"GO": "bold white on green", "NO-GO": "bold white on red",
                  "HOLD": "bold black on yellow"}


def _print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cockpit.safetext import one_line

    # Every string here may come from outside (a Prometheus error body, a checklist, the
    # launch name): Text() keeps markup out, one_line() keeps raw escapes off the terminal.
    console = Console(highlight=False)
    table = Table(title=Text(one_line(report["launch"])), title_justify="left", expand=False)
    for column in ("section", "item", "status", "value / why"):
        table.add_column(column)
    for item in report["items"]:
        mark, style = _MARK[Status(item["status"])]
        name = one_line(item["text"])
        text = Text(name) if item["required"] else Text(name + " (optional)", style="dim")
        table.add_row(Text(one_line(item["section"])), text, Text(mark, style=style),
                      Text(one_line(item["detail"] or "")))
    console.print(table)
    line = Text(f" {report['verdict']} ", style=_VERDICT_STYLE[report["verdict"]])
    if report["failing"]:
        line.append("  failing: " + one_line(", ".join(report["failing"])))
    if report["unknown"]:
        line.append("  waiting on: " + one_line(", ".join(report["unknown"])))
    console.print(line)
    if report["unticked"]:
        console.print(Text(f"still unticked ({len(report['unticked'])}), "
                           "tick with `cockpit tick CONFIG ID`:"))
        for item in report["unticked"]:
            owner = f"owner: {item['owner']}" if item["owner"] else "no owner"
            optional = " (optional)" if not item["required"] else ""
            console.print(Text(f"  {item['id']}  {item['text']}{optional}  [{owner}]"),
                          soft_wrap=True)  # one line each, for grep and for a pipeline's log
