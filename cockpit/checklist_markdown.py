"""Markdown checklist lines -> sections of nested items (the parser of the import).

Headings, sub-heads ending in ":", checkbox items, fenced code, priority lines and the
prose around them; what each becomes is described in `checklist_import.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cockpit.checklist_text import clean_heading, clean_inline

SECTION_SEP = " › "
_PRIORITY = re.compile(r"^(?:\*\*)?priority(?:\*\*)?\s*:(?:\*\*)?\s*(?P<rest>.{1,80})$",
                       re.IGNORECASE)
_LEVEL = re.compile(r"\b(critical|high|medium|low)\b", re.IGNORECASE)
MAX_DEPTH = 8  # deeper Markdown nesting is kept at this depth

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
