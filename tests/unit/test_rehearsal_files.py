"""Scenario files (rehearsals/*.yaml): every shipped one loads, and a broken one is one
line `file:line:col: field: what` from the loader and exit 3 from `cockpit demo`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.config import ConfigError
from cockpit.sim.rehearsal import load_rehearsal, parse_clock, shipped
from cockpit.sim.scenario import FAULTS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"launch", "blind", "asr-regression", "gpu-saturation", "stalled-rollout", "flapping"}


def test_every_named_scenario_ships_and_loads():
    assert SHIPPED <= set(shipped())
    for name in SHIPPED:
        r = load_rehearsal(name)
        assert r.name == name and r.title and r.expect, name
        assert all(f in FAULTS for f, _, _ in r.faults())


def test_launch_file_is_the_old_script():
    r = load_rehearsal("launch")
    assert r.first("upgrade").at == 30 and r.first("upgrade").upgrade == "2.4.0"
    assert (r.first("traffic").at, r.first("traffic").traffic) == (90, 180)
    assert r.faults() == [("launch", 300.0, 240.0)]


@pytest.mark.parametrize("text", ["5:00", "300", "5m", "300s"])
def test_clock_forms(text):
    assert parse_clock(text) == 300.0


def problem(tmp_path: Path, body: str) -> str:
    path = tmp_path / "drill.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_rehearsal(path)
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 1, lines
    return lines[0]


HEAD = "name: x\ntitle: t\nduration: '3:00'\n"


def test_unknown_fault_names_its_line(tmp_path):
    line = problem(tmp_path, HEAD + "steps:\n  - {at: '0:30', upgrade: 2.4.0}\n"
                   "  - {at: '1:00', fault: meteor}\n")
    assert line.startswith(f"{tmp_path / 'drill.yaml'}:6:")
    assert "steps.1" in line and "unknown fault 'meteor'" in line


def test_two_actions_in_one_step(tmp_path):
    line = problem(tmp_path, HEAD + "steps:\n  - at: 10\n    upgrade: 2.4.0\n    fault: xid\n")
    assert ":5:" in line and "exactly one of" in line and "upgrade, fault" in line


def test_unknown_field_and_bad_time(tmp_path):
    line = problem(tmp_path, HEAD + "steps:\n  - {at: 10, upgrade: 2.4.0, colour: red}\n")
    assert ":5:" in line and "steps.0.colour: unknown field" in line
    line = problem(tmp_path, HEAD + "steps:\n  - {at: soon, upgrade: 2.4.0}\n")
    assert ":5:" in line and "steps.0.at" in line and "not a duration" in line


def test_phase_checks(tmp_path):
    body = HEAD + "steps:\n  - {at: 10, upgrade: 2.4.0}\nexpect:\n"
    line = problem(tmp_path, body + "  - {name: p, from: '1:00', to: '0:30', verdict: GO}\n")
    assert ":7:" in line and "`to` must be after `from`" in line
    line = problem(tmp_path, body + "  - {name: p, from: 0, to: 10, verdict: MAYBE}\n")
    assert ":7:" in line and "expect.0.verdict" in line
    line = problem(tmp_path, body + "  - {name: p, from: 0, to: '9:00', reach: GO}\n")
    assert "after the scenario's duration" in line


def test_yaml_syntax_error_has_its_place(tmp_path):
    line = problem(tmp_path, HEAD + "steps: [\n")
    assert line.startswith(f"{tmp_path / 'drill.yaml'}:") and "YAML syntax" in line


def test_cockpit_demo_with_a_broken_scenario_exits_3_with_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "steps:\n  - {at: '1:00', fault: meteor}\n")
    out = subprocess.run([sys.executable, "-m", "cockpit", "demo", str(path), "--headless"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 3
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"{path}:5:") and "unknown fault 'meteor'" in out.stderr
    missing = subprocess.run([sys.executable, "-m", "cockpit", "demo", "nosuch", "--headless"],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert missing.returncode == 3 and "no scenario named 'nosuch'" in missing.stderr


def test_demo_list_names_every_shipped_scenario():
    out = subprocess.run([sys.executable, "-m", "cockpit", "demo", "--list"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0
    assert {line.split()[0] for line in out.stdout.splitlines()} >= SHIPPED
