"""Gates compare like with like: a duration with a duration, a ratio with a ratio."""

from __future__ import annotations

from pathlib import Path

from cockpit.checklist import load_checklist, unit_problems
from cockpit.cli import main
from cockpit.config import load_config
from cockpit.gates import parse
from cockpit.sources import build_sources
from cockpit.units import gate_problems, unit_of_sources
from tests.support.launch import write_launch

UNITS = {"p95_latency": "seconds", "error_rate": "ratio", "pods.crashlooping": "count",
         "gpu.temp_max": "°C", "rollout.complete": "bool", "mystery": None}


def problems(expr: str) -> list[str]:
    return gate_problems(parse(expr), UNITS.get)


def test_a_duration_against_a_ratio_names_both_units():
    [problem] = problems("p95_latency < 1%")
    assert "p95_latency is a duration (seconds)" in problem
    assert "1% is a ratio" in problem and "500ms" in problem


def test_like_with_like_and_bare_numbers_pass():
    assert problems("p95_latency < 500ms and error_rate < 1% and error_rate < 0.01") == []
    assert problems("pods.crashlooping == 0 and max(p95_latency) < 2s") == []
    assert problems("count(pods.crashlooping) < 3 and mystery < 5s") == []  # unknown: unchecked
    assert problems("rollout.complete == true and gpu.temp_max < 85") == []


def test_every_kind_of_mismatch_is_found():
    assert problems("pods.crashlooping < 5s")
    assert problems("error_rate > 2m")
    assert problems("p95_latency > error_rate")  # two signals
    assert problems("not (error_rate == true)")
    assert problems("rollout.complete < 1%")
    assert problems("count(p95_latency) < 2s")  # a count of series is a count
    assert problems("1% < p95_latency")  # either side


def _config(tmp_path: Path, gate: str) -> Path:
    checklist = f"""
title: t
sections:
  - title: s
    items:
      - {{id: fast, text: Fast, auto: "{gate}"}}
"""
    return write_launch(tmp_path, checklist, """
prometheus:
  url: http://127.0.0.1:9/
  queries:
    p95_latency: {query: 'vector(0.317)', unit: seconds}
http:
  health: {url: 'http://127.0.0.1:9/'}
""")


def test_validate_and_check_refuse_the_mismatch_with_file_and_line(tmp_path, capsys):
    config = _config(tmp_path, "p95_latency < 1%")
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert f"{tmp_path / 'checklist.yaml'}:6:9: auto: item 'fast': p95_latency is a duration" \
        in out and "1% is a ratio" in out
    assert main(["check", str(config)]) == 3  # before any source is asked
    assert "1% is a ratio" in capsys.readouterr().err


def test_http_signals_carry_units(tmp_path, capsys):
    config = _config(tmp_path, "http.health.latency < 1% or http.health.up == 200ms")
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert "http.health.latency is a duration" in out and "http.health.up is true/false" in out


def test_the_reference_config_and_shipped_checklists_have_no_unit_mismatch():
    root = Path(__file__).resolve().parents[2]
    unit_of = unit_of_sources(build_sources(load_config(root / "examples/reference.yaml")))
    assert unit_of("p95_latency") == "seconds"  # the reference's queries say their units
    for path in sorted((root / "checklists").glob("*.yaml")):
        assert unit_problems(load_checklist(path), unit_of) == [], path.name


def test_text_compares_with_text_only():
    units = {**UNITS, "release.app_version": "text", "release.revision": "count"}

    def found(expr: str) -> list[str]:
        return gate_problems(parse(expr), units.get)

    assert found('release.app_version == "2.4.0"') == []
    [problem] = found('release.revision == "5"')
    assert "release.revision is a count" in problem and '"5" is text' in problem
    [problem] = found("release.app_version == true")
    assert "release.app_version is text" in problem and '"2.4.0"' in problem


def test_built_in_signals_carry_their_units():
    root = Path(__file__).resolve().parents[2]
    unit_of = unit_of_sources(build_sources(load_config(root / "examples/reference.yaml")))
    assert unit_of("pods.crashlooping") == "count"
    assert unit_of("pods.not_ready.asr-worker") == "count"
    assert unit_of("rollout.complete.asr-gateway") == "bool"
    assert unit_of("asr.final_latency") == "seconds" and unit_of("asr.wer") == "ratio"
    assert unit_of("asr.ok") == "bool"
    assert gate_problems(parse("asr.wer < 500ms"), unit_of)
    assert gate_problems(parse("pods.crashlooping.asr-worker > 1%"), unit_of)
    assert gate_problems(parse("asr.final_latency < 2s and asr.wer < 20%"), unit_of) == []
