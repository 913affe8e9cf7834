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
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["ChecklistImportError", "count_items", "decode", "import_markdown", "proposals",
           "slugify", "summary", "to_yaml"]

SECTION_SEP = " › "
_ID_MAX = 48


class ChecklistImportError(ValueError):
    """The input cannot be read as a Markdown checklist (one-line message)."""


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def decode(data: bytes | str) -> str:
    """Bytes to text, guessing the encoding the way editors save Markdown.

    BOM first; then BOM-less UTF-16 (every other byte NUL); then strict UTF-8; then
    cp1252, whose five unassigned bytes fall back to Latin-1. Anything else with NUL
    bytes is binary and refused.
    """
    if isinstance(data, str):
        text = data
    else:
        text = _decode_bytes(bytes(data))
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_bytes(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                msg = f"not valid {codec} after its byte-order mark: {exc.reason}"
                raise ChecklistImportError(msg) from None
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise ChecklistImportError("binary data, not a text file")
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return "".join(_cp1252_char(b) for b in data)


def _bomless_utf16(data: bytes) -> str | None:
    if len(data) < 2 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) >= 0.9 * half:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return None if "\x00" in text else text
    return None


def _cp1252_char(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)  # the five bytes cp1252 leaves unassigned: read them as Latin-1


# --------------------------------------------------------------------------- inline text

# Every pattern here runs on outside text: none may backtrack badly on a long line.
_TICKS = re.compile(r"`+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LABELLED_BLANK = re.compile(r"(?<!_)(_{3,}+)((?: [A-Za-z]\w{0,20}: ?_{3,}+)+)")
_BLANK = re.compile(r":? ?_{3,}+")
_NOT_REQUIRED = re.compile(r"\((?:optional|if\s[^)]{0,200})\)", re.IGNORECASE)
_PRIORITY = re.compile(r"^(?:\*\*)?priority(?:\*\*)?\s*:(?:\*\*)?\s*(?P<rest>.{1,80})$",
                       re.IGNORECASE)
_LEVEL = re.compile(r"\b(critical|high|medium|low)\b", re.IGNORECASE)
OPTIONAL_PRIORITIES = frozenset({"medium", "low"})
_SPACES = re.compile(r"\s+")
MAX_DEPTH = 8  # deeper Markdown nesting is kept at this depth


def clean_inline(text: str) -> str:
    """Item text as a person reads it: bold markers and fill-in blanks removed.

    Code spans are left exactly as written, so `**` or `___` inside them survive.
    """
    text = _SPACES.sub(" ", text).strip()
    out: list[str] = []
    pos = 0
    for start, end in _code_spans(text):
        out.append(_clean_prose(text[pos:start]))
        out.append(text[start:end])
        pos = end
    out.append(_clean_prose(text[pos:]))
    return _SPACES.sub(" ", "".join(out)).strip()


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span: a backtick run closed by the next run of equal length.

    Done over the list of runs (not with a backtracking regex) so a line of thousands
    of backticks stays linear.
    """
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    by_len: dict[int, list[int]] = {}
    for idx, (a, b) in enumerate(runs):
        by_len.setdefault(b - a, []).append(idx)
    cursor = dict.fromkeys(by_len, 0)
    spans: list[tuple[int, int]] = []
    idx = 0
    while idx < len(runs):
        a, b = runs[idx]
        same = by_len[b - a]
        k = cursor[b - a]
        while k < len(same) and same[k] <= idx:
            k += 1
        cursor[b - a] = k
        if k < len(same):
            close = same[k]
            spans.append((a, runs[close][1]))
            idx = close + 1
        else:
            idx += 1
    return spans


def _clean_prose(text: str) -> str:
    text = _BOLD.sub(lambda m: m.group(1), text)
    # "Name: ____ Date: ____": the labels after the first blank go with their blanks.
    text = _LABELLED_BLANK.sub(r"\1", text)
    return _BLANK.sub("", text)


def _is_decoration(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cf", "Mn") or ch in "\ufe0f\u200d" or ch.isspace()


def clean_heading(text: str) -> str:
    """Heading text without closing `#`s, emphasis or decorative emoji at either end."""
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        text = bare.strip()  # closing sequence of an ATX heading: "## Title ##"
    text = clean_inline(text)
    start, end = 0, len(text)
    while start < end and _is_decoration(text[start]):
        start += 1
    while end > start and _is_decoration(text[end - 1]):
        end -= 1
    return text[start:end]


def slugify(text: str) -> str:
    """An id from item text: ASCII, lower case, `-` separated, at most 48 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > _ID_MAX:
        cut = slug[:_ID_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or "item"


# --------------------------------------------------------------------------- parsing

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*))?$")
_ITEM = re.compile(
    r"^(?P<indent> *)(?:[-*+]|\d{1,9}[.)])[ \t]+\[(?P<mark>[ xX])\](?:[ \t]+(?P<text>.*))?$"
)
_BULLET = re.compile(r"^(?P<indent> *)(?:[-*+]|\d{1,9}[.)])[ \t]+(?P<text>.*)$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    line: int


@dataclass
class _Item:
    text: str
    indent: int
    note_lines: list[str] = field(default_factory=list)
    children: list[_Item] = field(default_factory=list)


@dataclass
class _Section:
    path: tuple[_Heading, ...]
    subhead: str | None
    items: list[_Item] = field(default_factory=list)
    pending_note: list[str] = field(default_factory=list)  # code seen before any item


class _Parser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.headings: list[_Heading] = []
        self.h1: list[_Heading] = []
        self.first_item_line: int | None = None
        self.sections: list[_Section] = []
        self.current: _Section | None = None
        self.stack: list[_Item] = []  # open items, outermost first
        self.subhead: str | None = None
        self.priority_of: dict[int, tuple[str, str]] = {}  # heading line -> (level, mark)

    # -- structure -----------------------------------------------------------------

    @property
    def doc_title(self) -> _Heading | None:
        """A single level-1 heading before the first item is the checklist's title."""
        if len(self.h1) != 1:
            return None
        first = self.first_item_line
        return self.h1[0] if first is None or self.h1[0].line < first else None

    def title_of(self, section: _Section) -> str:
        doc = self.doc_title
        parts = [h.text for h in section.path if h != doc and h.text]
        if section.subhead:
            parts.append(section.subhead)
        return SECTION_SEP.join(parts)

    def priority(self, section: _Section) -> tuple[str, str] | None:
        """(level, the line as written) of the nearest heading above with a priority."""
        for heading in reversed(section.path):
            if heading.line in self.priority_of:
                return self.priority_of[heading.line]
        return None

    def _open_heading(self, level: int, text: str, line: int) -> None:
        while self.headings and self.headings[-1].level >= level:
            self.headings.pop()
        heading = _Heading(level, text, line)
        self.headings.append(heading)
        if level == 1:
            self.h1.append(heading)
        self.subhead = None
        self._close_section()

    def _close_section(self) -> None:
        self.current = None
        self.stack = []

    def _section(self) -> _Section:
        if self.current is None:
            path = tuple(self.headings)
            last = self.sections[-1] if self.sections else None
            if last is not None and (last.path, last.subhead) == (path, self.subhead):
                self.current = last
            else:
                self.current = _Section(path, self.subhead)
                self.sections.append(self.current)
        return self.current

    # -- lines -----------------------------------------------------------------------

    def parse(self) -> None:
        i, n = self._front_matter_end(), len(self.lines)
        while i < n:
            raw = self.lines[i]
            line = raw.expandtabs(4)
            fence = _FENCE.match(line)
            if fence:
                i = self._code_block(i, fence)
                continue
            if not line.strip():
                i += 1
                continue
            if line.lstrip().startswith("<!--"):
                i = self._skip_comment(i)
                continue
            atx = _ATX.match(line)
            if atx:
                level = len(atx.group("hashes"))
                self._open_heading(level, clean_heading(atx.group("text") or ""), i)
                i += 1
                continue
            item = _ITEM.match(line)
            if item:
                self._item(len(item.group("indent")), item.group("text") or "", i)
                i += 1
                continue
            nxt = self.lines[i + 1].expandtabs(4) if i + 1 < n else ""
            if _SETEXT.match(nxt) and not _BULLET.match(line) and not line.startswith(" " * 4):
                level = 1 if nxt.strip().startswith("=") else 2
                self._open_heading(level, clean_heading(line), i)
                i += 2
                continue
            self._other(line, nxt)
            i += 1

    def _front_matter_end(self) -> int:
        """Index after a YAML front-matter block (`---` ... `---`) at the top, else 0."""
        if not self.lines or self.lines[0].strip() != "---":
            return 0
        for idx in range(1, len(self.lines)):
            if self.lines[idx].strip() in ("---", "..."):
                return idx + 1
        return 0

    def _skip_comment(self, start: int) -> int:
        """Index after an HTML comment: commented-out items are not items."""
        first = self.lines[start]
        if "-->" in first[first.index("<!--") + 4 :]:
            return start + 1
        for idx in range(start + 1, len(self.lines)):
            if "-->" in self.lines[idx]:
                return idx + 1
        return len(self.lines)

    def _item(self, indent: int, text: str, line: int) -> None:
        if self.first_item_line is None:
            self.first_item_line = line
        section = self._section()
        while self.stack and self.stack[-1].indent >= indent:
            self.stack.pop()
        if len(self.stack) == MAX_DEPTH:
            self.stack.pop()  # too deep: a sibling of the deepest item kept
        node = _Item(clean_inline(text), indent)
        if section.pending_note and not self.stack:
            node.note_lines.extend(section.pending_note)
            section.pending_note = []
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            section.items.append(node)
        self.stack.append(node)

    def _other(self, line: str, nxt: str) -> None:
        indent = len(line) - len(line.lstrip(" "))
        if _RULE.match(line):
            self._close_items()
            return
        if self.stack and indent > self.stack[0].indent:
            while len(self.stack) > 1 and self.stack[-1].indent >= indent:
                self.stack.pop()
            self.stack[-1].note_lines.append(clean_inline(line.strip()))
            return
        stripped = line.strip()
        prio = _PRIORITY.match(stripped) if indent < 4 else None
        level = _LEVEL.search(prio.group("rest")) if prio else None
        if level is not None and self.headings:
            mark = clean_inline(stripped)
            self.priority_of[self.headings[-1].line] = (level.group(1).lower(), mark)
            self._close_items()
            return
        bullet = _BULLET.match(line)
        if not bullet and indent < 4 and stripped.endswith(":") and _ITEM.match(nxt):
            self.subhead = clean_heading(stripped[:-1])
            self._close_section()
            return
        self._close_items()

    def _close_items(self) -> None:
        """Prose at the left margin ends the open items: what follows is not nested."""
        self.stack = []

    def _code_block(self, start: int, fence: re.Match[str]) -> int:
        mark = fence.group("fence")
        indent = len(fence.group("indent"))
        body: list[str] = []
        i = start + 1
        while i < len(self.lines):
            line = self.lines[i].expandtabs(4)
            close = re.match(r"^ *(`{3,}|~{3,})[ \t]*$", line)
            if close and close.group(1)[0] == mark[0] and len(close.group(1)) >= len(mark):
                i += 1
                break
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip(" "))
            i += 1
        while body and not body[-1].strip():
            body.pop()
        if body:
            self._attach_code(body)
        return i

    def _attach_code(self, body: list[str]) -> None:
        if self.stack:
            self.stack[-1].note_lines.extend(body)
            return
        section = self.current
        if section is not None and section.items:
            section.items[-1].note_lines.extend(body)
            return
        self._section().pending_note.extend(body)


# --------------------------------------------------------------------------- output


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
