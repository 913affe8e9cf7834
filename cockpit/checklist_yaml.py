"""Checklist structure -> readable YAML, proposed gates commented out beside their items."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as `|` literals, keys in the order given."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def proposals(checklist: dict[str, Any]) -> dict[str, str]:
    """Item id -> the gate proposed for its text (items naming a known measurable)."""
    from cockpit.checklist_proposals import propose  # noqa: PLC0415

    found: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for it in items:
            gate = None if "auto" in it else propose(it["text"])
            if gate is not None:
                found[it["id"]] = gate
            walk(it.get("items", []))

    for sec in checklist["sections"]:
        walk(sec["items"])
    return found


def count_items(checklist: dict[str, Any]) -> int:
    def walk(items: list[dict[str, Any]]) -> int:
        return sum(1 + walk(it.get("items", [])) for it in items)

    return sum(walk(sec["items"]) for sec in checklist["sections"])


def summary(checklist: dict[str, Any]) -> str:
    """"N items, M with a proposed gate" (and how many are required)."""
    n, m = count_items(checklist), len(proposals(checklist))
    return f"{n} items, {m} with a proposed gate"


def _yaml_scalar(text: str) -> str:
    """`text` as a one-line YAML scalar a person can uncomment as it is."""
    if '"' in text:
        return "'" + text.replace("'", "''") + "'"
    return '"' + text + '"'


def to_yaml(checklist: dict[str, Any], source_name: str | None = None) -> str:
    """Readable checklist YAML with a header saying where it came from, and each
    proposed gate commented out beside its item."""
    origin = _one_line(source_name) if source_name else "a Markdown checklist"
    proposed = proposals(checklist)
    header = (
        f"# Imported from {origin} by `cockpit checklist import`.\n"
        f"# {summary(checklist)}.\n"
        "# Review before use: items, sections and ids were derived mechanically.\n"
        "# Proposed gates are commented out beside their items (`# auto: ...`): none is\n"
        "# switched on. Uncomment those that fit, renaming signals to your config's\n"
        "# (http.NAME, tcp.NAME as in examples/reference.yaml); add others by hand, e.g.\n"
        '#   auto: "error_rate < 1%"   or   auto: "asr.ok and asr.wer < 20%"\n'
        "# and set `owner:` on the items people tick.\n\n"
    )
    body = yaml.dump(
        checklist,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    out: list[str] = []
    for line in body.split("\n"):
        out.append(line)
        m = re.match(r"^(?P<indent> *)- id: (?P<id>\S+)$", line)
        if m and m.group("id") in proposed:
            pad = " " * (len(m.group("indent")) + 2)
            out.append(f"{pad}# auto: {_yaml_scalar(proposed[m.group('id')])}")
    return header + "\n".join(out)


def _one_line(s: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", s).strip()
