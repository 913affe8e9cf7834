"""The demo's options, constants and the SLO queries it serves; `--fault` parsing;
the clean-up of earlier demos' temp dirs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.sim.scenario import FAULTS

CHECKLISTS = ("launch-day.yaml", "asr-service.yaml")  # first that validates wins
# Manual items a rehearsal cannot practise (announcements, backups, on-call): ticked at
# start by the demo, so the team works through the ones of the launch window itself.
PRETICK_SECTIONS = ("Before the window opens", "Rollback readiness", "Model and accuracy")
DEMO_AUTHOR = "cockpit-demo@rehearsal"
CONTEXT = "demo"
TICK_EVERY = 0.25  # s of wall time between script steps
DEMO_ORIGIN = "https://app.example.com"  # the web app whose CORS origin the API allows

QUERIES: dict[str, dict[str, Any]] = {
    "error_rate": {
        "query": 'sum(rate(http_requests_total{job="asr",code=~"5.."}[5m])) / '
        'sum(rate(http_requests_total{job="asr"}[5m]))',
        "unit": "ratio", "warn": 0.01, "fail": 0.05, "for": "30s",
    },
    "p95_latency": {
        "query": "histogram_quantile(0.95, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{job="asr"}[5m])))',
        "unit": "seconds", "warn": 0.5, "fail": 1.0, "for": "30s",
    },
    "p99_latency": {
        "query": "histogram_quantile(0.99, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{job="asr"}[5m])))',
        "unit": "seconds", "warn": 1.0, "fail": 2.0, "for": "30s",
    },
    "request_rate": {"query": 'sum(rate(http_requests_total{job="asr"}[5m]))', "unit": "rate"},
    "active_streams": {"query": 'sum(asr_active_streams{job="asr"})', "unit": "count"},
}


class DemoError(RuntimeError):
    """The rehearsal cannot start (a missing part), with what to do about it."""


@dataclass
class DemoOptions:
    speed: float = 1.0
    store: str | None = None  # event log file; default: in the temp dir
    faults: list[tuple[str, float]] = field(default_factory=list)  # (name, scenario s)
    scripted_fault: bool = True
    layout: str | None = None  # None: the screen picks one by terminal size
    helm: str | None = None  # a helm binary; default tools/bin/helm, else helm on PATH
    workdir: str | None = None  # default: a fresh temp dir, removed on stop
    scenario: str = "launch"  # a shipped scenario's name (rehearsals/) or a scenario file


def parse_fault(text: str) -> tuple[str, float]:
    """`errors@120` (or `errors@2m`) -> ("errors", 120.0): fault NAME at that second.

    The time is the config's duration type, so `@nan`, `@inf` and `@-5` are refused
    here, at parse, not later inside the scenario."""
    from cockpit.config import parse_duration

    name, sep, at = text.partition("@")
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    try:
        seconds = parse_duration(at) if sep else 0.0
    except ValueError:
        raise ValueError(f"{text!r}: write NAME@SECONDS, e.g. errors@120 or errors@2m") from None
    return name, seconds



OWNER_FILE = "owner.pid"


def remove_stale_dirs() -> int:
    """Temp dirs of earlier demos whose process is gone (a hang-up's hard exit skips the
    clean-up); only dirs carrying our owner file are touched. How many were removed."""
    removed = 0
    for d in Path(tempfile.gettempdir()).glob("cockpit-demo-*"):
        try:
            pid = int((d / OWNER_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
            continue  # still running (or not ours to signal): leave it
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed


