"""Text of a Markdown checklist as a person reads it: bytes decoded, inline marks cleaned.

Used by the Markdown parser (`checklist_markdown.py`) and the import
(`checklist_import.py`); decoding guesses the encoding editors save Markdown in.
"""

from __future__ import annotations

import re
import unicodedata

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
_SPACES = re.compile(r"\s+")


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
