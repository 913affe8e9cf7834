"""`cockpit log add|list|export`: the incident log from the shell.

`export --format md` writes the post-mortem timeline: verdict changes, breaches,
ticks, notes and rollbacks in order, with UTC times and who, ready to paste.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit import exits
from cockpit.commands.common import Abort, add_config_argument, config_from, run_command
from cockpit.config import ConfigError, parse_duration
from cockpit.model import Event, EventKind, Severity, now, whoami
from cockpit.safetext import one_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("log", help="add to, list or export the incident log",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="log_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a note")
    add.add_argument("text", help="the note")
    add.add_argument("--severity", default="info", choices=[s.value for s in Severity])
    add.add_argument("--create", action="store_true",
                     help="start a new event log file if there is none (else a typo in "
                     "--store or store: is an error, not a new empty log)")
    add_config_argument(add, positional=False)
    add.set_defaults(handler=lambda args: run_command(_add, args))

    listing = actions.add_parser("list", help="list events, oldest first")
    _filters(listing)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=lambda args: run_command(_list, args), read_only_store=True)

    export = actions.add_parser("export", help="the post-mortem timeline (Markdown or JSON)")
    _filters(export)
    export.add_argument("--format", choices=["md", "json"], default="md")
    export.add_argument("-o", "--output", help="write to this file instead of stdout")
    export.set_defaults(handler=lambda args: run_command(_export, args), read_only_store=True)

    handoff = actions.add_parser("handoff", help="what the next shift must know (Markdown or "
                                 "JSON): verdict and its changes, failing/unticked items, "
                                 "breaches, rollbacks, notes, who watched")
    handoff.add_argument("--since", default="8h", help="the shift: the last DURATION (8h)")
    handoff.add_argument("--format", choices=["md", "text", "json"], default="md",
                         help="md (paste into the post-mortem; with the at-a-glance band), "
                         "text (the band and per-query sparklines, then the same), json")
    add_config_argument(handoff, positional=False)
    handoff.set_defaults(handler=lambda args: run_command(_handoff, args), read_only_store=True)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="only the last DURATION (e.g. 30m, 2h, 1d)")
    parser.add_argument("--kind", action="append", default=[],
                        help="only these kinds (repeat, or comma-separate): "
                        + ", ".join(k.value for k in EventKind))
    parser.add_argument("--all", action="store_true", help="include debug events (sessions)")
    add_config_argument(parser, positional=False)


def _missing_file(args: argparse.Namespace) -> str | None:
    """The SQLite file `log add` would create (a typo in --store or store:), or None."""
    from cockpit.store.spec import parse

    base = None
    if args.store:
        spec_text = args.store
    else:
        config = config_from(args)
        spec_text = config.store or f"sqlite:///{config.store_path()}"
        base = config.base_dir
    try:
        spec = parse(spec_text, base)
    except ValueError:
        return None  # the opener reports it
    path = Path(spec.path).expanduser() if spec.path is not None else None
    if spec.kind == "sqlite" and path is not None and not path.exists():
        if any(a.exists() and not a.is_dir() for a in path.parents):
            return None  # a parent is a file: the opener says so
        return str(path)
    return None


def _store(args: argparse.Namespace):  # noqa: ANN202
    from cockpit import store
    from cockpit.store import open_store

    read_only = bool(getattr(args, "read_only_store", False))
    if not read_only and not getattr(args, "create", True):
        missing = _missing_file(args)
        if missing is not None:
            raise Abort([f"cockpit log add: {missing}: no event log here; check the path, or "
                         "pass --create to start a new one"])
    if args.store and not args.config:
        try:
            return store.open(args.store, read_only=read_only), None
        except ValueError as exc:
            raise Abort([f"--store: {exc}"]) from None
    config = config_from(args)
    try:
        return open_store(config, args.store, read_only=read_only), config
    except ConfigError as exc:
        raise Abort([str(p) for p in exc.problems]) from None


def _select(args: argparse.Namespace) -> tuple[list[Event], object]:
    store, config = _store(args)
    since = None
    if args.since:
        try:
            since = now() - parse_duration(args.since)
        except ValueError as exc:
            raise Abort([f"--since: {exc}"]) from None
    kinds = [k.strip() for arg in args.kind for k in arg.split(",") if k.strip()] or None
    known = [k.value for k in EventKind]
    for kind in kinds or ():
        if kind not in known:
            store.close()
            close = difflib.get_close_matches(kind, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise Abort([f"--kind: unknown kind {one_line(kind)!r}; {hint}known kinds: "
                         + ", ".join(known)])
    events = store.events(since=since, kinds=kinds)
    status = getattr(store, "status", None)
    if status is not None and not status().online:
        print(f"cockpit log: {status().describe()}: showing this host's copy", file=sys.stderr)
    store.close()
    if not args.all:
        events = [e for e in events if e.severity != Severity.DEBUG]
    return events, config


def _add(args: argparse.Namespace) -> int:
    store, config = _store(args)
    text = args.text.strip()
    if not text:
        raise Abort(["cockpit log add: the note is empty"], code=exits.BAD_INPUT)
    if config is not None:
        from cockpit import roles

        role = roles.role_of(whoami(), config)
        if not roles.may(role, "note"):
            store.append(Event(EventKind.DENIED, f"{whoami()} ({role}) may not note",
                               Severity.WARNING, {"action": "note", "role": role,
                                                  "what": text[:200]}, author=whoami()))
            store.close()
            raise Abort([f"cockpit log add: {whoami()} is {role} in this launch: may not add "
                         "notes (the refusal is logged)"], code=exits.DENIED)
    event = Event(EventKind.NOTE, text, Severity(args.severity), {}, author=whoami())
    store.append(event)
    flush = getattr(store, "flush", None)
    if flush is not None and not flush(5.0):
        # Committed to the local journal; it is replayed when the shared log is back.
        print(f"{_time(event.at)} note queued by {event.author} ({event.id[:8]}): "
              f"{store.status().describe()}")
    else:
        print(f"{_time(event.at)} note added by {event.author} ({event.id[:8]})")
    store.close()
    return exits.OK


def _list(args: argparse.Namespace) -> int:
    events, _ = _select(args)
    for event in events:
        if args.json:
            print(json.dumps(_as_dict(event), sort_keys=True))
        else:
            print(f"{_time(event.at)}  {_cell(event.severity):<8} {_cell(event.kind):<16} "
                  f"{_cell(event.author):<20} {_cell(event.message)}")
    return exits.OK


def _export(args: argparse.Namespace) -> int:
    events, config = _select(args)
    launch = config.launch if config is not None else "launch"
    if args.format == "json":
        text = json.dumps({"launch": launch, "exported_at": _iso(now()),
                           "events": [_as_dict(e) for e in events]}, indent=2) + "\n"
    else:
        text = markdown_timeline(launch, events)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {len(events)} events to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return exits.OK


def _handoff(args: argparse.Namespace) -> int:
    from cockpit import handoff
    from cockpit.checklist import ChecklistError, load_checklist

    try:
        since = now() - parse_duration(args.since)
    except ValueError as exc:
        raise Abort([f"--since: {exc}"]) from None
    if not args.config:
        raise Abort(["cockpit log handoff: needs the launch config (-c CONFIG)"])
    store, config = _store(args)
    try:
        checklist = load_checklist(config.checklist)
    except ChecklistError as exc:
        raise Abort(exc.problems) from None
    events = store.events()
    watchers = [f"{w.user}@{w.host} ({w.role}" + (f", from {w.ssh_client}" if w.ssh_client
                                                  else "") + f", since {_time(w.since)} UTC)"
                for w in (store.watchers() if hasattr(store, "watchers") else ())]
    status = getattr(store, "status", None)
    if status is not None and not status().online:
        print(f"cockpit log: {status().describe()}: from this host's copy", file=sys.stderr)
    glance = None if args.format == "json" else _at_a_glance(config, store, now() - since)
    store.close()
    h = handoff.build(config.launch, events, since, now(), checklist, watchers=watchers)
    if args.format == "json":
        sys.stdout.write(handoff.to_json(h))
    elif args.format == "text":
        sys.stdout.write(glance + "\n" + handoff.to_markdown(h))
    else:
        sys.stdout.write(handoff.to_markdown(h) + "\n## At a glance\n\n```\n" + glance
                         + "```\n")
    return exits.OK


def _at_a_glance(config: Any, store: Any, window: float) -> str:
    """The verdict band and one sparkline per Prometheus query over the shift, as
    `cockpit report --format text` prints them (its Prometheus asked for the charts; a
    failed query is one line saying so), for a hand-over read in a terminal."""
    import asyncio
    import shutil

    from cockpit.report.text import text_summary

    width = min(120, shutil.get_terminal_size((100, 24)).columns)
    return asyncio.run(text_summary(config, store, since=window, width=width))


def markdown_timeline(launch: str, events: list[Event]) -> str:
    """The post-mortem timeline: a summary, the verdict history, the milestones (detected,
    decided, mitigated, verified), each rollback's command, exit code and output tail,
    then every event."""
    lines = [f"# Timeline: {_md(launch)}", ""]
    if not events:
        return "\n".join([*lines, "No events.", ""])
    first, last = events[0].at, events[-1].at
    lines += [
        f"- Window: {_time(first)} to {_time(last)} UTC ({_span(last - first)})",
        f"- Exported: {_time(now())} UTC by {_md(whoami())}",
        "- Events: " + ", ".join(f"{n} {_md(k)}" for k, n in Counter(e.kind for e in events)
                                 .most_common()),
        f"- People: {', '.join(sorted({_md(e.author) for e in events}))}",
        "",
    ]
    verdicts = [e for e in events if e.kind == EventKind.VERDICT]
    if verdicts:
        lines += ["## Verdict history", "", "| From (UTC) | Verdict | For | Why |",
                  "| --- | --- | --- | --- |"]
        for i, event in enumerate(verdicts):
            end = verdicts[i + 1].at if i + 1 < len(verdicts) else last
            lines.append(f"| {_time(event.at)} | {_md(event.data.get('verdict', '?'))} | "
                         f"{_span(end - event.at)} | {_md(event.message)} |")
        lines.append("")
    from cockpit.report.data import rollbacks_of, scorecard_of
    from cockpit.report.markdown import milestone_lines, rollback_lines

    lines += ["## Milestones", "", *milestone_lines(scorecard_of(events)), ""]
    rollbacks = rollbacks_of(events)
    if rollbacks:  # the exact command, its exit code and output tail, who ran it
        lines += ["## Rollbacks", "", *rollback_lines(rollbacks)]
    lines += ["## Events", "", "| Time (UTC) | Kind | Severity | Who | What |",
              "| --- | --- | --- | --- | --- |"]
    for event in events:
        lines.append(f"| {_time(event.at)} | {_md(event.kind)} | {_md(event.severity)} | "
                     f"{_md(event.author)} | {_md(event.message)} |")
    return "\n".join(lines) + "\n"


def _as_dict(event: Event) -> dict:
    return {"id": event.id, "at": _iso(event.at), "author": event.author, "kind": event.kind,
            "severity": event.severity, "message": event.message, "data": dict(event.data)}


def _cell(text: object) -> str:
    """One column of `log list`, on one line: a newline shown as `\\n`, a tab as `\\t`,
    other control characters as their escape (so a name cannot break the listing)."""
    s = str(text).replace("\r\n", "\n")
    return one_line(s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines as <br>."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "")
    return one_line(text.replace("\n", "<br>"))  # and no raw escapes for whoever cats it


def _time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _span(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"
