"""The headless parts never import Textual: `cockpit check` in CI must not load the screen."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "cockpit.engine", "cockpit.config", "cockpit.checklist", "cockpit.gates", "cockpit.model",
    "cockpit.store", "cockpit.store.sqlite", "cockpit.sources", "cockpit.sources.http",
    "cockpit.sources.prometheus", "cockpit.sources.kube.source", "cockpit.sources.gpu",
    "cockpit.sources.asr.source", "cockpit.rollback", "cockpit.cli",
    "cockpit.commands.check", "cockpit.commands.validate", "cockpit.commands.log",
    "cockpit.commands.probe", "cockpit.commands.rollback", "cockpit.commands.checklist",
    "cockpit.commands.report", "cockpit.report", "cockpit.report.data", "cockpit.report.html",
    "cockpit.report.markdown", "cockpit.report.text", "cockpit.drill", "cockpit.scorecard",
    "cockpit.sim.rehearsal",
]


def test_headless_modules_do_not_import_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {HEADLESS!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != name: raise\n"
        "from cockpit.cli import build_parser\n"
        "build_parser()\n"  # registering every subcommand, `run` included, stays light
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"textual imported by a headless module: {out.stdout}"
