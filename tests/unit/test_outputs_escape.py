"""Outside text never reaches the terminal raw: `check`, `log list`, `log export`.

A Prometheus error body, a note and a launch name carry `\\x1b[2J\\x1b]0;pwned\\x07`;
every text output shows them as visible escapes (as the screen does), never raw.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.hostile_http import HostileHttp
from tests.support.launch import write_launch

RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CHECKLIST = """
title: t
sections:
  - title: "SLO \\e[31m"
    items:
      - {id: errors, text: "Errors \\e]0;pwned\\a", auto: "error_rate < 1%"}
"""


def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400"}  # no wrapping: the whole detail on its line
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], capture_output=True,
                          text=True, timeout=60, check=False, env=env)


def no_raw(text: str) -> None:
    assert RAW.search(text) is None, repr(RAW.search(text))


def test_check_text_output_shows_escapes_visibly(tmp_path: Path):
    with HostileHttp() as server:
        config = write_launch(tmp_path, CHECKLIST, f"""\
            prometheus:
              url: {server.url}/escape
              retries: 0
              queries: {{error_rate: {{query: up, unit: ratio}}}}
            """, name='"asr \\e[2J launch"')
        done = cockpit("check", str(config))
    assert done.returncode == 2, done.stderr  # HOLD: Prometheus answers 500
    for stream in (done.stdout, done.stderr):
        no_raw(stream.replace("\n", ""))
    assert "\\x1b[2J" in done.stdout  # the body's escape, shown
    assert "asr \\x1b[2J launch" in done.stdout
    assert "[red]markup[/red]" in done.stdout  # markup shown as text, not applied


def test_log_list_and_markdown_export_show_escapes_visibly(tmp_path: Path):
    store = str(tmp_path / "e.db")
    note = "deploy \x1b[2J\x1b]0;pwned\x07 [bold]done[/bold]\r\nsecond line"
    assert cockpit("log", "add", "--store", store, note, "--create").returncode == 0
    listed = cockpit("log", "list", "--store", store)
    exported = cockpit("log", "export", "--store", store, "--format", "md")
    as_json = cockpit("log", "export", "--store", store, "--format", "json")
    for done in (listed, exported, as_json):
        assert done.returncode == 0, done.stderr
        no_raw(done.stdout.replace("\n", ""))
    assert "deploy \\x1b[2J\\x1b]0;pwned\\x07 [bold]done[/bold]" in listed.stdout
    assert "\\x1b]0;pwned\\x07" in exported.stdout and "<br>second line" in exported.stdout
    assert "\\u001b[2J" in as_json.stdout  # JSON's own escape: machine-readable, exact
