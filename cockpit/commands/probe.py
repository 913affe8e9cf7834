"""`cockpit probe CONFIG [--concurrency N] [--json]`: run the ASR smoke probe headless.

Streams the config's reference clip to the ASR service once (or N times at once
with --concurrency, reporting p50/p95 of each measurement: a quick capacity
check before opening traffic), prints the measurements against their limits,
and exits 0 when every probe passed, 1 when any failed, 3 on a config error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from cockpit import exits
from cockpit.commands.common import (
    EXIT_CONFIG,
    Abort,
    add_config_argument,
    config_from,
    run_command,
)
from cockpit.config import AsrProbeConfig, ConfigError
from cockpit.sources.asr.clip import AudioFormatError
from cockpit.sources.asr.probe import percentile, run_many, run_probe
from cockpit.sources.asr.result import ProbeResult
from cockpit.ui.text import visible

EXIT_PASS, EXIT_FAIL = exits.OK, exits.FAILED
MEASURES = ("connect", "first_partial", "final_latency", "total", "wer")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "probe",
        help="stream the reference clip to the ASR service and check the transcript "
        "(exit 0 pass, 1 fail, 3 config error)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_argument(parser)
    parser.add_argument("--concurrency", "-n", type=int, default=1, metavar="N",
                        help="open N streams at once and report the spread (default 1)")
    parser.add_argument("--speed", type=float, default=None,
                        help="stream this many times faster than real time (load checks)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(handler=lambda args: run_command(_probe, args))


def _probe(args: argparse.Namespace) -> int:
    if args.concurrency < 1 or args.concurrency > 1000:
        raise Abort(["cockpit probe: --concurrency must be between 1 and 1000"])
    config = config_from(args)
    if config.asr_probe is None:
        raise Abort([f"{config.path}: no asr_probe section: nothing to probe"])
    probe = config.asr_probe
    if args.speed is not None:
        if args.speed <= 0:
            raise Abort(["cockpit probe: --speed must be positive"])
        probe = probe.model_copy(update={"speed": args.speed})
    try:
        if args.concurrency == 1:
            results = [asyncio.run(run_probe(probe))]
        else:
            results = asyncio.run(run_many(probe, args.concurrency))
    except (AudioFormatError, ConfigError) as exc:  # run_many loads the clip up front
        raise Abort([str(exc)], EXIT_CONFIG) from None
    if len(results) == 1 and results[0].phase == "setup":
        raise Abort([results[0].reason or "setup failed"], EXIT_CONFIG)
    for warning in sorted({w for r in results for w in r.warnings}):
        print(f"warning: {warning}", file=sys.stderr)
    logged = _log(config, args, results)
    report = _report(probe, results)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif len(results) == 1:
        _print_one(probe, results[0])
    else:
        _print_many(report)
    if logged:
        print(f"logged: {visible(logged)}", file=sys.stderr)
    return EXIT_PASS if all(r.ok for r in results) else EXIT_FAIL


def _log(config: Any, args: argparse.Namespace, results: list[ProbeResult]) -> str | None:
    """Write the probe result as the screen would (a first failure, a pass <-> fail change
    against the log's last probe event); the message logged, or None."""
    from cockpit.model import EventKind
    from cockpit.sources.asr.source import probe_event
    from cockpit.store import open_store

    try:
        store = open_store(config, getattr(args, "store", None))
    except ConfigError as exc:
        raise Abort([str(p) for p in exc.problems]) from None
    try:
        last = store.events(kinds=[EventKind.PROBE], limit=1)
        before = bool(last[-1].data.get("ok")) if last else None
        worst = next((r for r in results if not r.ok), results[0])
        event = probe_event(worst, before)
        if event is None:
            return None
        store.append(event)
        return event.message
    finally:
        store.close()


def spread(results: list[ProbeResult]) -> dict[str, dict[str, float | None]]:
    """p50/p95/max of each measurement over the probes that measured it."""
    out: dict[str, dict[str, float | None]] = {}
    for name in MEASURES:
        values = [v for r in results if (v := getattr(r, name)) is not None]
        out[name] = {
            "n": len(values),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": max(values) if values else None,
        }
    return out


def _report(probe: AsrProbeConfig, results: list[ProbeResult]) -> dict[str, Any]:
    limits = {
        "connect": probe.max_connect,
        "first_partial": probe.max_first_partial,
        "final_latency": probe.max_final_latency,
        "wer": probe.max_wer,
    }
    reasons: dict[str, int] = {}
    for r in results:
        if r.reason:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    report: dict[str, Any] = {
        "ok": all(r.ok for r in results),
        "passed": sum(r.ok for r in results),
        "probes": len(results),
        "limits": limits,
        "failures": reasons,
    }
    if len(results) == 1:
        report["result"] = results[0].to_dict()
    else:
        report["spread"] = spread(results)
        report["results"] = [r.to_dict() for r in results]
    return report


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if name == "wer":
        return f"{value:.2f}"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _print_one(probe: AsrProbeConfig, r: ProbeResult) -> None:
    limits = {"connect": probe.max_connect, "first_partial": probe.max_first_partial,
              "final_latency": probe.max_final_latency, "wer": probe.max_wer}
    print(f"ASR probe {visible(r.url)} ({r.protocol}, {probe.audio.name} "
          f"{r.audio_seconds:.2f} s at {r.speed:g}x)")
    print(f"  result         {'PASS' if r.ok else 'FAIL'}")
    for reason in r.reasons:
        print(f"  why            {visible(reason)}")
    for name, label in (("connect", "connect"), ("first_partial", "first partial"),
                        ("final_latency", "final latency"), ("total", "total"), ("wer", "WER")):
        limit = f"   (limit {_fmt(name, limits[name])})" if name in limits else ""
        print(f"  {label:<14} {_fmt(name, getattr(r, name)):<10}{limit}")
    print(f"  transcript     {visible(repr(r.transcript))}")
    print(f"  expected       {visible(repr(r.expected))}")
    if r.close_code is not None:
        reason = f" {visible(repr(r.close_reason))}" if r.close_reason else ""
        print(f"  close          {r.close_code}{reason}")


def _print_many(report: dict[str, Any]) -> None:
    print(f"ASR probe x{report['probes']}: {report['passed']}/{report['probes']} passed")
    print(f"  {'':<14} {'p50':>9} {'p95':>9} {'max':>9}   limit")
    for name in MEASURES:
        s = report["spread"][name]
        limit = _fmt(name, report["limits"].get(name)) if name in report["limits"] else ""
        print(f"  {name:<14} {_fmt(name, s['p50']):>9} {_fmt(name, s['p95']):>9} "
              f"{_fmt(name, s['max']):>9}   {limit}")
    for reason, count in sorted(report["failures"].items(), key=lambda kv: -kv[1]):
        print(f"  {count} x {visible(reason)}")
