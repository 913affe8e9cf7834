"""`cockpit checklist import` keeps priorities and proposes gates (commented out) for items
that name a known measurable; on the three reference checklists, with counts taken by awk
over the Markdown (see the note of issue 16), and every proposal valid against the signals
of examples/reference.yaml."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
import yaml

from cockpit.checklist import load_checklist
from cockpit.checklist_import import import_markdown, proposals, summary, to_yaml
from cockpit.checklist_proposals import propose
from cockpit.commands import checklist as checklist_cmd
from cockpit.config import load_config
from cockpit.gates import parse
from cockpit.sources import build_sources
from cockpit.units import gate_problems, unit_of_sources

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "checklists"


def items_of(checklist: dict) -> list[dict]:
    def walk(items):
        for it in items:
            yield it
            yield from walk(it.get("items", []))

    return [i for s in checklist["sections"] for i in walk(s["items"])]


@pytest.mark.parametrize(
    ("name", "total", "required", "with_priority", "proposed"),
    [
        ("ai2text-asr.md", 185, 153, 137, 19),  # 25 items in Medium sections, 7 "(optional)"
        ("transcript-create.md", 197, 191, 0, 12),
        ("interview-assistant.md", 250, 242, 0, 13),
    ],
)
def test_reference_counts(name, total, required, with_priority, proposed):
    checklist = import_markdown((DATA / name).read_bytes(), name)
    items = items_of(checklist)
    assert len(items) == total
    assert sum(1 for i in items if i.get("required", True)) == required
    assert sum(1 for i in items if i.get("note", "").startswith("Priority: ")) == with_priority
    assert len(proposals(checklist)) == proposed
    assert summary(checklist) == f"{total} items, {proposed} with a proposed gate"


@pytest.fixture(scope="module")
def reference_sources(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    return build_sources(load_config(ROOT / "examples" / "reference.yaml")), home


@pytest.mark.parametrize("name", ["ai2text-asr.md", "transcript-create.md",
                                  "interview-assistant.md"])
def test_every_proposal_validates_against_the_signals_it_names(name, reference_sources):
    sources, _ = reference_sources
    unit_of = unit_of_sources(sources)
    checklist = import_markdown((DATA / name).read_bytes(), name)
    for item_id, gate in proposals(checklist).items():
        parsed = parse(gate)
        for signal in parsed.names():
            assert any(fnmatch.fnmatchcase(signal, p) for s in sources
                       for p in s.signal_patterns()), (item_id, gate, signal)
        assert gate_problems(parsed, unit_of) == [], (item_id, gate)


def test_priorities_and_proposals_of_the_launch_checklist():
    checklist = import_markdown((DATA / "ai2text-asr.md").read_bytes(), "ai2text-asr.md")
    by_text = {i["text"]: i for i in items_of(checklist)}
    proposed = proposals(checklist)
    high = by_text["High error rate (>5%)"]
    assert proposed[high["id"]] == "error_rate < 5%"
    assert proposed[by_text["High latency (p95 >1s)"]["id"]] == "p95_latency < 1s"
    assert proposed[by_text["SSL certificates valid"]["id"]] == (
        "tls.all_valid and tls.min_days_left > 14")
    assert proposed[by_text["Authentication working"]["id"]] == "http.noauth.up and http.auth.up"
    assert proposed[by_text["Deploy to production"]["id"]] == (
        'release.status == "deployed" and rollout.complete')
    tracing = by_text["Jaeger or similar deployed"]  # under "### 3. Tracing", Medium
    assert tracing["required"] is False and tracing["note"] == "Priority: 🟡 Medium"
    jwt = by_text["Dev token removed from code"]  # Critical: required, mark kept
    assert "required" not in jwt and jwt["note"] == "Priority: 🔴 Critical"
    assert "auto" not in high, "nothing proposed is switched on"


def test_yaml_has_proposals_commented_out_and_each_one_loads_when_uncommented(tmp_path):
    checklist = import_markdown((DATA / "ai2text-asr.md").read_bytes(), "ai2text-asr.md")
    text = to_yaml(checklist, "ai2text-asr.md")
    assert "# 185 items, 19 with a proposed gate." in text
    comments = re.findall(r"^ +# auto: (.*)$", text, re.MULTILINE)
    assert len(comments) == 19
    assert '"error_rate < 5%"' in comments
    assert "'release.status == \"deployed\" and rollout.complete'" in comments
    loaded = yaml.safe_load(text)
    assert not any("auto" in i for i in items_of(loaded)), "comments only"
    (tmp_path / "as-imported.yaml").write_text(text, encoding="utf-8")
    assert load_checklist(tmp_path / "as-imported.yaml")
    switched_on = re.sub(r"^( +)# auto: ", r"\1auto: ", text, flags=re.MULTILINE)
    (tmp_path / "all-on.yaml").write_text(switched_on, encoding="utf-8")
    on = load_checklist(tmp_path / "all-on.yaml")
    gates = {i.id: i.auto for i in on.items() if i.auto is not None}
    assert gates == proposals(checklist)


def test_command_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "out.yaml"
    assert checklist_cmd.main(["import", str(DATA / "interview-assistant.md"), "-o",
                               str(out)]) == 0
    err = capsys.readouterr().err
    assert err.strip().endswith("250 items, 13 with a proposed gate")
    assert checklist_cmd.main(["import", str(DATA / "transcript-create.md")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "transcript-create.md: 197 items, 12 with a proposed gate\n"
    assert "# auto: " in captured.out


@pytest.mark.parametrize(("text", "gate"), [
    ("Error rate below 1%", "error_rate < 1%"),
    ("error rate > 2.5 %", "error_rate < 2.5%"),
    ("High error rate alerts (>5%)", None),  # an alert to set up, not the rate
    ("p99 < 500ms", "p99_latency < 500ms"),
    ("Response times < 2 seconds", "p95_latency < 2s"),
    ("Transcription accuracy > 95%", "asr.wer < 5%"),
    ("All pods running", "pods.not_ready == 0 and pods.crashlooping == 0"),
    ("GPU detected", "gpu.count > 0"),
    ("No alerts firing", "alerts.severity.critical == 0"),
    ("Health checks configured", None),  # set-up, not a measurement
    ("Runbooks created", None),
    ("x" * 5000, None),
])
def test_propose(text, gate):
    assert propose(text) == gate
