"""Markdown checklist -> checklist YAML, for `cockpit checklist import`.

Release captains keep their go/no-go lists in Markdown documents. This turns such a
document into the cockpit's checklist structure (see `cockpit/checklist.py`) so a person
can then edit it and bind items to live signals with `auto:` gates.

What is read, and how:

- `#`..`######` headings (and setext `===`/`---` underlines) open sections. A section's
  title is its heading path joined with " › ", e.g. "Deployment › Smoke tests". A lone
  level-1 heading at the top is the checklist's title and is left out of the paths.
  Decorative emoji at the start or end of a heading are dropped. Sections without items
  are skipped.
- A plain line ending in ":" that is directly followed by a checkbox item ("After 24
  hours:") opens a sub-section of the current heading.
- `- [ ]`, `- [x]`, `* [ ]`, `+ [ ]` and `1. [ ]` are items (the tick mark is not kept:
  state lives in the event log). Deeper indentation nests items (`items:`). Tabs count
  as four columns.
- `**Title**: rest` becomes `Title: rest`. Inline code is kept as
  written, backticks included. Fill-in blanks (`Name: ______ Date: ____`) are dropped.
- Items whose text says "(optional)" or "(if ...)" get `required: false`.
- A `**Priority**: 🔴 Critical` line under a heading sets the priority of that
  heading's items (and of its sub-headings'): Critical and High stay required, Medium
  and Low become `required: false`; the mark is kept in each item's `note:`.
- `to_yaml` writes, beside each item whose text names a known measurable ("error
  rate > 5%", "health checks passing", "SSL certificates valid"...), a proposed gate
  as a comment (`# auto: "error_rate < 5%"`, see `checklist_proposals.py`), and a
  summary line "N items, M with a proposed gate". Nothing proposed is switched on.
- Fenced code blocks (``` and ~~~) never produce items or headings. The code is kept as
  the `note:` of the item it belongs to: the preceding item of the same section, or
  else the section's next item (references often show the commands first, then the
  boxes to tick). Code in a section without items is dropped with the section.
- Plain bullets (no checkbox) and plain text indented under an item are details of that
  item and go into its `note:`. Plain bullets anywhere else (links, contacts) are prose
  and are ignored, as are tables, quotes, rules, HTML comments (commented-out items
  too) and YAML front matter.
- Ids are slugs of the text, unique in the file (`-2`, `-3` on repeats).

Bytes may be UTF-8 (with or without BOM), UTF-16/32 with BOM, BOM-less UTF-16, or
Latin-1/cp1252; CRLF and CR line ends are accepted.
"""

from __future__ import annotations

import re
from typing import Any

# The import is three modules (text, Markdown parser, YAML writer); this one applies
# the required/priority rules and is the public path: the names are re-exported here.
from cockpit.checklist_markdown import _Item, _Parser
from cockpit.checklist_text import ChecklistImportError, decode, slugify
from cockpit.checklist_yaml import count_items, proposals, summary, to_yaml

__all__ = ["ChecklistImportError", "count_items", "decode", "import_markdown", "proposals",
           "slugify", "summary", "to_yaml"]

_NOT_REQUIRED = re.compile(r"\((?:optional|if\s[^)]{0,200})\)", re.IGNORECASE)
OPTIONAL_PRIORITIES = frozenset({"medium", "low"})


def import_markdown(text_or_bytes: str | bytes, source_name: str) -> dict[str, Any]:
    """Parse a Markdown checklist into the checklist YAML structure (a plain dict)."""
    text = decode(text_or_bytes)
    parser = _Parser(text.split("\n"))
    parser.parse()
    doc = parser.doc_title
    title = doc.text if doc is not None and doc.text else _stem(source_name)
    used: dict[str, int] = {}
    sections: list[dict[str, Any]] = []
    for sec in parser.sections:
        priority = parser.priority(sec)
        items = [_to_dict(it, used, priority) for it in sec.items if _keep(it)]
        if items:
            sections.append({"title": parser.title_of(sec) or title, "items": items})
    if not sections:
        raise ChecklistImportError(f"{source_name}: no checklist items (`- [ ] ...`) found")
    return {"title": title, "sections": sections}


def _keep(item: _Item) -> bool:
    return bool(item.text) or any(_keep(c) for c in item.children)


def _unique(base: str, used: dict[str, int]) -> str:
    if base not in used:
        used[base] = 1
        return base
    n = used[base]
    while True:
        n += 1
        candidate = f"{base}-{n}"
        if candidate not in used:
            used[base] = n
            used[candidate] = 1
            return candidate


def _to_dict(item: _Item, used: dict[str, int],
             priority: tuple[str, str] | None = None) -> dict[str, Any]:
    text = item.text or "(untitled)"
    out: dict[str, Any] = {"id": _unique(slugify(text), used), "text": text}
    if _NOT_REQUIRED.search(text) or (priority and priority[0] in OPTIONAL_PRIORITIES):
        out["required"] = False
    lines = ([priority[1]] if priority else []) + item.note_lines
    note = _note(lines)
    if note:
        out["note"] = note
    children = [_to_dict(c, used, priority) for c in item.children if _keep(c)]
    if children:
        out["items"] = children
    return out


def _note(lines: list[str]) -> str:
    cleaned = [ln.rstrip().expandtabs(4) for ln in lines]
    while cleaned and not cleaned[0]:
        cleaned.pop(0)
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return "\n".join(cleaned)


def _stem(source_name: str) -> str:
    name = re.split(r"[\\/]", source_name)[-1]
    name = re.sub(r"\.(md|markdown|txt)$", "", name, flags=re.IGNORECASE)
    return name or "Imported checklist"
