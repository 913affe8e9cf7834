"""`cockpit validate CONFIG [--online]`: check the config, the checklist and the layout
it names, list every problem (file:line:col, field, what), exit 3 if there is one.

`--online` also asks the configured servers (e.g. Prometheus parses every query).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from cockpit import exits
from cockpit.checklist import ChecklistError, load_checklist, unit_problems, unknown_signals
from cockpit.commands.common import EXIT_CONFIG, add_config_argument, config_from, run_command
from cockpit.config import ConfigError, LaunchConfig
from cockpit.safetext import one_line
from cockpit.units import unit_of_sources


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("validate", help="check a launch config, its checklist and layout",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(parser)
    parser.add_argument("--online", action="store_true",
                        help="also check against the live servers (e.g. PromQL syntax)")
    parser.set_defaults(handler=lambda args: run_command(_validate, args))


def problems_in(config: LaunchConfig, online: bool = False) -> tuple[list[str], list[str]]:
    """(problems, what was checked) for an already loaded config."""
    from cockpit.local_checks import local_problems
    from cockpit.sources import build_sources

    local = local_problems(config)
    problems: list[str] = [str(p) for p in local]
    try:  # the store's spec parses (no I/O): what `check` would refuse, validate names
        from cockpit.store import spec_of

        spec_of(config)
    except ValueError as exc:
        problems.append(str(config.problem(("store",), str(exc).removeprefix("store: "))))
    checked = [f"config {config.path}"]
    checklist = None
    try:
        if not any(p.field == "checklist" for p in local):  # said once, at the config
            checklist = load_checklist(config.checklist)
            checked.append(
                f"checklist {config.checklist} ({sum(1 for _ in checklist.items())} items)")
    except ChecklistError as exc:
        problems.extend(exc.problems)
    try:
        sources = build_sources(config)
    except ConfigError as exc:
        problems.extend(str(p) for p in exc.problems)
        sources = []
    if checklist is not None:
        def known(name: str) -> bool:
            import fnmatch

            return any(fnmatch.fnmatchcase(name, p) for s in sources for p in s.signal_patterns())

        problems.extend(unknown_signals(checklist, known))
        problems.extend(unit_problems(checklist, unit_of_sources(sources)))
    layout_problems, layout_checked = _layout_problems(config)
    problems.extend(layout_problems)
    checked.extend(layout_checked)
    if online:
        problems.extend(asyncio.run(_online_problems(config, checklist)))
        checked.append("online checks")
    return problems, checked


def _layout_problems(config: LaunchConfig) -> tuple[list[str], list[str]]:
    from cockpit.layout import LayoutError, load_layout, resolve_layout

    if config.layout is None:
        return [], []
    layout = config.layout
    if Path(layout).suffix in {".yaml", ".yml"} and not Path(layout).is_absolute():
        layout = str(config.base_dir / layout)  # a path in the config is relative to it
    try:
        path = resolve_layout(layout, config.base_dir / "layouts")
    except LayoutError as exc:  # no such name: say so at the config's `layout:`
        return [str(config.problem(("layout",), exc.message))], []
    try:
        load_layout(path)
    except LayoutError as exc:
        return [str(exc)], []
    return [], [f"layout {path}"]


async def _online_problems(config: LaunchConfig, checklist: object = None) -> list[str]:
    problems: list[str] = []
    if config.prometheus is not None:
        from cockpit.sources.prometheus import check_queries

        problems.extend(await check_queries(config))
    if config.kubernetes is not None and checklist is not None:
        problems.extend(await _deployment_problems(config, checklist))
    return problems


async def _deployment_problems(config: LaunchConfig, checklist) -> list[str]:  # noqa: ANN001
    """Per-deployment signals naming a deployment the cluster does not have (a typo)."""
    from cockpit.sources.kube.source import KubeSource

    source = KubeSource(config.kubernetes)
    try:
        await source.start()
        problems = []
        for item in checklist.items():
            names = set(item.gate.names() if item.gate else ()) | set(
                item.pending_gate.names() if item.pending_gate else ())
            for name in sorted(names):
                why = source.why_missing(name)
                if why:
                    problems.append(f"{item.position}: item {item.id!r}: {name}: {why}")
        return problems
    finally:
        await source.close()


def _validate(args: argparse.Namespace) -> int:
    config = config_from(args)
    problems, checked = problems_in(config, args.online)
    for problem in problems:
        print(one_line(problem))  # problems quote the files' text: no raw escapes
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_CONFIG
    for line in checked:
        print(f"ok: {line}")
    return exits.OK
