"""Markdown checklist import, and the three checklists the cockpit ships.

Expected counts for the reference fixtures were taken with grep (see
tests/data/checklists/README.md), not from the importer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cockpit.checklist import load_checklist
from cockpit.checklist_import import (
    ChecklistImportError,
    decode,
    import_markdown,
    slugify,
    to_yaml,
)
from cockpit.commands import checklist as checklist_cmd
from cockpit.gates import parse

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "checklists"
SHIPPED = ROOT / "checklists"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

# The signal names the cockpit measures (brief for checklists; see DESIGN.md).
KNOWN_SIGNALS = {
    "error_rate", "p95_latency", "p99_latency", "request_rate", "active_streams",
    "pods.not_ready", "pods.crashlooping", "pods.restarts_10m",
    "rollout.complete", "rollout.stalled",
    "gpu.util_max", "gpu.util_avg", "gpu.mem_used_max", "gpu.xid_errors", "gpu.count",
    "asr.ok", "asr.wer", "asr.first_partial", "asr.final_latency", "asr.connect",
    "http.health.up", "http.health.status", "http.health.latency",
    "http.noauth.up", "http.auth.up", "http.job.done",
    "tcp.postgres.up", "tcp.redis.up", "tls.all_valid", "tls.min_days_left",
    "alerts.rules_loaded", "alerts.severity.critical",
    "release.app_version", "release.status",
}  # fmt: skip


def walk(items: list[dict], depth: int = 0):
    for item in items:
        yield item, depth
        yield from walk(item.get("items", []), depth + 1)


def all_items(checklist: dict) -> list[tuple[dict, int]]:
    return [pair for sec in checklist["sections"] for pair in walk(sec["items"])]


def load(name: str) -> dict:
    return import_markdown((DATA / name).read_bytes(), name)


def section(checklist: dict, title: str) -> dict:
    matches = [s for s in checklist["sections"] if s["title"] == title]
    assert len(matches) == 1, [s["title"] for s in checklist["sections"]]
    return matches[0]


# ------------------------------------------------------------------ the three references


@pytest.mark.parametrize(
    ("name", "total", "top", "nested", "sections"),
    [
        ("ai2text-asr.md", 185, 185, 0, 34),
        ("transcript-create.md", 197, 197, 0, 33),
        ("interview-assistant.md", 250, 51, 199, 22),
    ],
)
def test_reference_item_counts(name: str, total: int, top: int, nested: int, sections: int):
    result = load(name)
    items = all_items(result)
    assert len(items) == total
    assert sum(1 for _, d in items if d == 0) == top
    assert sum(1 for _, d in items if d > 0) == nested
    assert max(d for _, d in items) == (1 if nested else 0)
    assert len(result["sections"]) == sections
    assert sum(len(s["items"]) for s in result["sections"]) == top


def test_ai2text_titles_sections_and_launch_day_items():
    result = load("ai2text-asr.md")
    assert result["title"] == "AI2Text ASR - Deployment Checklist"
    titles = [s["title"] for s in result["sections"]]
    # Emoji and ✅ are dropped; parent heading is part of the title; doc title is not.
    assert titles[:3] == [
        "Pre-Deployment Checklist › Development Environment",
        "Pre-Deployment Checklist › Infrastructure Requirements",
        "Security Configuration › 1. JWT Authentication",
    ]
    assert titles[-4:] == [
        "Pre-Launch Verification › Final Checks (24 hours before launch)",
        "Pre-Launch Verification › Launch Day Checklist",
        "Post-Launch › First Week",
        "Post-Launch › First Month",
    ]
    # Sections with only code or a table have no items and are skipped.
    assert not any("Object Storage Structure" in t for t in titles)
    assert not any("Rollback Procedure" in t or "Emergency Contacts" in t for t in titles)
    launch = section(result, "Pre-Launch Verification › Launch Day Checklist")
    assert [i["text"] for i in launch["items"]] == [
        "Announce maintenance window",
        "Deploy to production",
        "Run smoke tests",
        "Monitor metrics for 2 hours",
        "Check error logs",
        "Verify all services healthy",
        "Announce launch complete",
        "Continue monitoring",
    ]
    assert len(section(result, "Alerting › 2. Key Alerts")["items"]) == 7
    assert "High latency (p95 >1s)" in [
        i["text"] for i in section(result, "Alerting › 2. Key Alerts")["items"]
    ]


def test_code_blocks_are_notes_never_items_or_headings():
    result = load("ai2text-asr.md")
    texts = [i["text"] for i, _ in all_items(result)]
    titles = [s["title"] for s in result["sections"]]
    # `# Generate RSA key pair` is a shell comment inside ```bash, not a heading;
    # `- hosts:` / `- alert: HighErrorRate` are YAML inside ```yaml, not items.
    assert not any("Generate" in t or "Run post-deployment" in t for t in titles)
    assert not any(t.startswith(("hosts", "alert:", "port:", "uses:", "name:")) for t in texts)
    assert not any("openssl" in t or "kubectl" in t for t in texts)
    jwt = section(result, "Security Configuration › 1. JWT Authentication")["items"]
    # The code block precedes the boxes of its section: it belongs to the first one.
    assert jwt[0]["text"] == "Generated RSA key pair"
    assert jwt[0]["note"].splitlines()[0] == "Priority: 🔴 Critical"  # the section's mark
    assert jwt[0]["note"].splitlines()[1:4] == [
        "# Generate RSA key pair",
        "openssl genrsa -out jwt-private.pem 2048",
        "openssl rsa -in jwt-private.pem -pubout -out jwt-public.pem",
    ]
    assert jwt[1]["note"] == "Priority: 🔴 Critical"  # no code of its own: only the mark
    smoke = section(result, "Testing in Production › 1. Smoke Tests")["items"]
    assert smoke[0]["text"] == "Health endpoints responding"
    assert 'r = requests.get("https://api.ai2text.com/health")' in smoke[0]["note"]
    assert smoke[0]["note"].endswith("EOF")


def test_transcript_create_bold_titles_and_pseudo_headings():
    result = load("transcript-create.md")
    assert result["title"] == "Production Deployment Checklist"
    signoff = section(result, "Sign-Off")["items"]
    assert signoff[0]["text"] == "Infrastructure Team: Infrastructure provisioned and secured"
    assert signoff[-1]["text"] == "Management: Go-live approval obtained"
    assert not any("*" in i["text"] for i in signoff)
    # "After 24 hours:" directly followed by items opens a sub-section.
    assert [
        len(section(result, f"Post-Launch › {t}")["items"])
        for t in ("After 24 hours", "After 1 week", "After 1 month")
    ] == [5, 4, 4]
    # Inline code is kept as written.
    secrets = section(result, "Pre-Deployment › Secrets Management")["items"]
    assert secrets[0]["text"] == "`SESSION_SECRET` generated with `openssl rand -hex 32`"
    # Quick Reference Commands has code only: no section, and its code is nowhere.
    assert not any("Quick Reference" in s["title"] for s in result["sections"])
    assert not any("rollout restart" in i.get("note", "") for i, _ in all_items(result))


def test_interview_assistant_nesting_and_signoff_blanks():
    result = load("interview-assistant.md")
    infra = section(result, "Pre-Deployment Checklist › Infrastructure Preparation")["items"]
    assert [i["text"] for i in infra] == ["Server Resources", "Security Setup", "DNS Configuration"]
    assert [len(i["items"]) for i in infra] == [4, 5, 3]
    assert infra[0]["items"][0]["text"] == "Minimum 8GB RAM, 4 CPU cores allocated"
    assert infra[2]["items"][2] == {
        "id": "cdn-configured-for-static-assets-optional",
        "text": "CDN configured for static assets (optional)",
        "required": False,
    }
    tech = section(result, "Sign-off › Technical Sign-off")["items"]
    assert [i["text"] for i in tech] == [
        "Development Team Lead", "DevOps Engineer", "Security Engineer", "QA Lead",
    ]  # fmt: skip
    assert [s["title"] for s in result["sections"]][-3:] == [
        "Sign-off › Technical Sign-off",
        "Sign-off › Business Sign-off",
        "Sign-off › Final Approval",
    ]


@pytest.mark.parametrize(
    "name", ["ai2text-asr.md", "transcript-create.md", "interview-assistant.md"]
)
def test_ids_unique_slugs_with_suffixes(name: str):
    items = [i for i, _ in all_items(load(name))]
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids))
    assert all(ID_RE.match(i) and len(i) <= 52 for i in ids)
    if name == "ai2text-asr.md":
        # "Monitoring enabled" appears under PostgreSQL and under NATS.
        assert [i["id"] for i in items if i["text"] == "Monitoring enabled"] == [
            "monitoring-enabled", "monitoring-enabled-2",
        ]  # fmt: skip


@pytest.mark.parametrize(
    "name", ["ai2text-asr.md", "transcript-create.md", "interview-assistant.md"]
)
def test_yaml_round_trips_and_loads_as_a_checklist(name: str, tmp_path: Path):
    result = load(name)
    text = to_yaml(result, name)
    assert text.startswith(f"# Imported from {name} by `cockpit checklist import`.")
    assert "auto:" in text.split("title:")[0]  # the header says auto items are added by hand
    assert yaml.safe_load(text) == result
    out = tmp_path / "imported.yaml"
    out.write_text(text, encoding="utf-8")
    loaded = load_checklist(out)  # the cockpit's own loader accepts what the import wrote
    assert len(list(loaded.items())) == len(all_items(result))
    assert all(item.manual for item in loaded.items())


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda t: b"\xfe\xff" + t.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(lambda t: t.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda t: t.encode("utf-32"), id="utf-32-bom"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r").encode("utf-8"), id="cr"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n"), id="str-bom-crlf"),
    ],
)
@pytest.mark.parametrize("name", ["ai2text-asr.md", "interview-assistant.md"])
def test_encodings_give_the_same_result(name: str, encode):
    text = (DATA / name).read_text(encoding="utf-8")
    assert import_markdown(encode(text), name) == load(name)


def test_latin1_and_cp1252_fallback():
    text = (DATA / "interview-assistant.md").read_text(encoding="utf-8")
    extra = "\n## Réseau\n- [ ] Vérifier les règles – “pare-feu”\n"
    as_utf8 = import_markdown((text + extra).encode("utf-8"), "x.md")
    assert import_markdown((text + extra).encode("cp1252"), "x.md") == as_utf8
    assert as_utf8["sections"][-1] == {
        "title": "Réseau",
        "items": [
            {"id": "verifier-les-regles-pare-feu", "text": "Vérifier les règles – “pare-feu”"}
        ],
    }
    latin1 = "# Liste\n## Données\n- [ ] Sauvegarde vérifiée\n".encode("latin-1")
    assert all_items(import_markdown(latin1, "x.md"))[0][0]["text"] == "Sauvegarde vérifiée"
    assert decode(b"- [ ] \x81odd\x9d") == "- [ ] \x81odd\x9d"  # unassigned in cp1252: Latin-1


def test_tabs_indent_like_four_spaces():
    spaces = "# T\n## S\n- [ ] Parent\n    - [ ] Child\n        - [ ] Grandchild\n- [ ] Next\n"
    tabs = spaces.replace("    ", "\t")
    assert import_markdown(tabs, "t.md") == import_markdown(spaces, "t.md")
    parent = import_markdown(tabs, "t.md")["sections"][0]["items"][0]
    assert parent["items"][0]["items"][0]["text"] == "Grandchild"


def test_binary_and_empty_inputs_are_refused():
    with pytest.raises(ChecklistImportError, match="binary"):
        import_markdown(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "x.png")
    with pytest.raises(ChecklistImportError, match="no checklist items"):
        import_markdown("# Title\n\nJust prose.\n- a plain bullet\n", "notes.md")
    with pytest.raises(ChecklistImportError):
        import_markdown(b"\xef\xbb\xbf\xff\xfe bad", "x.md")


# ------------------------------------------------------------------ Markdown details


SAMPLE = """\
Launch plan
===========

- [ ] Before any heading

Deployment
----------

### Smoke tests ###
- [x] **Health**: `/health` answers 200 (`curl -s **not bold**`)
  - [ ] Nested *under* health
    - detail one
    - detail two
  - [X] Second nested
* [ ] Star item
+ [ ] Plus item
1. [ ] Numbered item

~~~text
- [ ] not an item
## not a heading
~~~

- [ ] After tilde code

````markdown
```
- [ ] still code
```
````

## Empty section

Some prose only.

- a plain bullet outside any item is ignored

## Sign-off
- [ ] **Captain**: ______ Date: ______
- [ ] Optional thing (optional)
- [ ] Replica set (if needed)
- [ ] Same text
- [ ] Same text
- [ ] Same text
"""


def test_sample_structure():
    result = import_markdown(SAMPLE, "plan.md")
    assert result["title"] == "Launch plan"
    assert [s["title"] for s in result["sections"]] == [
        "Launch plan",
        "Deployment › Smoke tests",
        "Sign-off",  # a `##` heading is a sibling of the setext `---` (level 2) one
    ]
    first, smoke, signoff = (s["items"] for s in result["sections"])
    assert first == [{"id": "before-any-heading", "text": "Before any heading"}]
    health = smoke[0]
    assert health["text"] == "Health: `/health` answers 200 (`curl -s **not bold**`)"
    assert [c["text"] for c in health["items"]] == ["Nested *under* health", "Second nested"]
    assert health["items"][0]["note"] == "- detail one\n- detail two"
    assert [i["text"] for i in smoke[1:]] == [
        "Star item", "Plus item", "Numbered item", "After tilde code",
    ]  # fmt: skip
    assert smoke[3]["note"] == "- [ ] not an item\n## not a heading"
    assert smoke[4]["note"] == "```\n- [ ] still code\n```"
    assert [i["text"] for i in signoff[:3]] == [
        "Captain", "Optional thing (optional)", "Replica set (if needed)",
    ]  # fmt: skip
    assert [i.get("required", True) for i in signoff[:3]] == [True, False, False]
    assert [i["id"] for i in signoff[3:]] == ["same-text", "same-text-2", "same-text-3"]


def test_front_matter_and_html_comments_are_not_content():
    text = (
        "---\ntitle: x\nowner: y\n---\n# Plan\n## Go\n- [ ] Real\n"
        "<!-- - [ ] commented out -->\n<!--\n- [ ] also hidden\n-->\n- [ ] Real too\n"
    )
    result = import_markdown(text, "f.md")
    assert result["title"] == "Plan"
    assert [s["title"] for s in result["sections"]] == ["Go"]
    assert [i["text"] for i, _ in all_items(result)] == ["Real", "Real too"]


def test_multi_h1_document_uses_file_name_as_title():
    text = "# Part one\n- [ ] A\n# Part two\n## Deep\n- [ ] B\n"
    result = import_markdown(text, "docs/release-plan.md")
    assert result["title"] == "release-plan"
    assert [s["title"] for s in result["sections"]] == ["Part one", "Part two › Deep"]


def test_hostile_markdown_stays_bounded():
    # A line of 20,000 backticks took minutes with a backtracking code-span regex.
    ticks = import_markdown("- [ ] " + "`" * 20000 + " x", "t.md")
    assert all_items(ticks)[0][0]["text"].endswith(" x")
    deep = "- [ ] top\n" + "".join(" " * (2 * i) + f"- [ ] level {i}\n" for i in range(1, 40))
    result = import_markdown(deep, "d.md")
    items = all_items(result)
    assert len(items) == 40
    assert max(d for _, d in items) == 7  # kept at 8 levels; nothing lost
    heading = import_markdown("## a" + " " * 50000 + "b ##\n- [ ] x\n", "h.md")
    assert heading["sections"][0]["title"] == "a b"
    blanks = import_markdown("- [ ] Lead: " + "_" * 30000 + " Date: ____\n", "b.md")
    assert all_items(blanks)[0][0]["text"] == "Lead"


def test_slugify():
    assert slugify("Error rate (>5%)") == "error-rate-5"
    assert slugify("Überprüfung der GPU-Treiber") == "uberprufung-der-gpu-treiber"
    assert slugify("🚀🚀") == "item"
    long = slugify("word " * 30)
    assert len(long) <= 48 and not long.endswith("-")


def test_to_yaml_multiline_notes_are_literal_blocks():
    data = {
        "title": "T",
        "sections": [{"title": "S", "items": [{"id": "a", "text": "A: b", "note": "x: 1\n  y\n"}]}],
    }
    text = to_yaml(data, "evil\nname.md")
    assert "# Imported from evil name.md" in text
    assert "note: |" in text
    assert yaml.safe_load(text) == data


# ------------------------------------------------------------------ the command


def test_command_prints_yaml(capsys):
    assert checklist_cmd.main(["import", str(DATA / "transcript-create.md")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Imported from transcript-create.md")
    assert yaml.safe_load(out) == load("transcript-create.md")


def test_registered_in_the_cockpit_cli(tmp_path: Path, capsys):
    from cockpit import cli

    out = tmp_path / "launch.yaml"
    src = str(DATA / "ai2text-asr.md")
    assert cli.main(["checklist", "import", src, "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert len(list(load_checklist(out).items())) == 185
    assert cli.main(["checklist", "import", str(tmp_path / "absent.md")]) == 3


def test_command_writes_file(tmp_path: Path, capsys):
    out = tmp_path / "imported.yaml"
    src = DATA / "interview-assistant.md"
    assert checklist_cmd.main(["import", str(src), "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == load("interview-assistant.md")
    assert capsys.readouterr().out == ""
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize("kind", ["missing", "binary", "directory", "no-items", "bad-output"])
def test_command_errors_are_one_line_and_exit_3(kind: str, tmp_path: Path, capsys):
    src = tmp_path / "in.md"
    args = ["import", str(src)]
    if kind == "binary":
        src.write_bytes(b"\x00\x01\x02\x03\xff\x00\x10")
    elif kind == "directory":
        src.mkdir()
    elif kind == "no-items":
        src.write_text("# Nothing to tick\n", encoding="utf-8")
    elif kind == "bad-output":
        src.write_text("- [ ] a\n", encoding="utf-8")
        args += ["-o", str(tmp_path / "no" / "such" / "dir" / "out.yaml")]
    assert checklist_cmd.main(args) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cockpit checklist import: ")
    assert "Traceback" not in captured.err


# ------------------------------------------------------------------ shipped checklists


@pytest.mark.parametrize("name", ["launch-day", "asr-service", "post-launch-watch"])
def test_shipped_checklists(name: str):
    path = SHIPPED / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [i for i, _ in all_items(raw)]
    assert raw["title"] and 15 <= len(items) <= 30
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) and all(ID_RE.match(i) for i in ids)
    for item in items:
        assert set(item) <= {"id", "text", "auto", "owner", "required", "note", "items",
                             "pending_while"}
        assert isinstance(item.get("required", True), bool)
        if "auto" in item:
            names = parse(item["auto"]).names()
            if "pending_while" in item:
                names |= parse(item["pending_while"]).names()
            assert names and names <= KNOWN_SIGNALS, (item["id"], names - KNOWN_SIGNALS)
        else:
            assert item.get("owner"), f"manual item {item['id']} needs an owner"
    autos = [i for i in items if "auto" in i]
    assert len(autos) >= 10
    assert any(not i.get("required", True) for i in items)
    loaded = load_checklist(path)  # the cockpit's loader: gates parse, ids valid
    assert len(list(loaded.items())) == len(items)
