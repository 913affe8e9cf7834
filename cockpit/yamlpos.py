"""YAML loading that remembers where every value came from (file:line:col), and
that holds against hostile files.

Errors in a launch config, a checklist or a layout must name the file, line and
column, so we compose the YAML node tree ourselves and keep a map from each value's
path (`("prometheus", "queries", "p95")`) to its position.

Every file is untrusted input: a bad one must give one `file:line:col: what` line,
quickly, never a traceback or a hang. So reading is bounded (`MAX_BYTES`, regular
files only: not `/dev/zero`), control characters are refused with their place (the
usual sign of a UTF-16 file without a byte-order mark), nesting is bounded before
the recursive composer runs (`MAX_DEPTH`), aliases may not expand past `MAX_VALUES`
values (the "billion laughs") nor refer to themselves, and only the plain YAML core
tags are accepted (no `!foo`, no `!!python/...`, no merge keys `<<:`); a scalar that
its tag cannot construct (`!!float abc`) is an error at its place.

The parser is PyYAML's own, in Python, not libyaml's (CParser, ~15x faster): on 3,000
random edits of the shipped files libyaml accepted 141 that PyYAML refuses (tabs) and,
of those both accept, gave other events for 11 (tags' implicit flags, an empty scalar's
mark a column off), so errors and positions would not be the same (issue 14).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cockpit.redact import register_secret

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlError(ValueError):
    """A YAML problem with its place: `str()` is one readable line."""

    def __init__(self, position: Position | None, message: str) -> None:
        self.position = position
        self.message = message
        super().__init__(f"{position}: {message}" if position else message)


@dataclass
class Located:
    """Plain data loaded from YAML, plus the position of every value in it."""

    data: Any
    positions: dict[PathKey, Position]
    file: str
    # (value, "${NAME}") for every interpolated environment value, so error messages
    # can name the variable instead of quoting a value that may be a secret.
    substitutions: list[tuple[str, str]] = field(default_factory=list)

    def position(self, path: PathKey) -> Position:
        """Position of `path`, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get((), Position(self.file, 1, 1))

    def unquote(self, text: str) -> str:
        """`text` with interpolated values put back as `${NAME}` (never quote them)."""
        for value, raw in sorted(self.substitutions, key=lambda s: len(s[0]), reverse=True):
            if len(value) >= 4:
                text = text.replace(value, raw)
        return text


MAX_BYTES = 4 << 20  # a config, checklist or layout is a few KB; this is not one
MAX_DEPTH = 100  # mappings/sequences inside each other
MAX_VALUES = 50_000  # values after expanding aliases

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# Names of variables whose values are secrets whatever field they land in.
_SECRET_NAME = re.compile(r"(?i)(pass|secret|token|key|cred|auth|dsn|private)")
# What the YAML reader refuses (its NON_PRINTABLE set), found first so we can say where.
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class _Loader(yaml.SafeLoader):
    """SafeLoader: no Python objects, no tags beyond the YAML core."""


class _Replay(_Loader):
    """`_Loader`'s composer and resolver over events already parsed (and checked) by
    `compose`, in place of its parser: `yaml.compose` would scan and parse the text a
    second time, about half the CPU of loading a file (the config, checklist and three
    layouts: ~14 ms of `cockpit run`'s start). Same events, same nodes and marks."""

    def __init__(self, events: list[yaml.Event]) -> None:  # no reader, scanner, parser
        self._events, self._next = events, 0
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def check_event(self, *choices: type) -> bool:
        if self._next >= len(self._events):
            return False
        return not choices or isinstance(self._events[self._next], choices)

    def peek_event(self) -> yaml.Event | None:
        return self._events[self._next] if self._next < len(self._events) else None

    def get_event(self) -> yaml.Event | None:
        event = self.peek_event()
        self._next += 1
        return event


def _decode(raw: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(Position(file, line, col),
                        f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8"
                        ) from None
    raise YamlError(Position(file, 1, 1), "not UTF-8 text; save the file as UTF-8")


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a YAML file: a regular file, at most MAX_BYTES, UTF-8 (or UTF-16
    with a byte-order mark). Problems are YamlError at `file:1:1`."""
    file = str(path)
    where = Position(file, 1, 1)
    try:
        mode = os.stat(Path(path).expanduser()).st_mode  # before open(): a FIFO would block
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise YamlError(where, f"cannot read: {what}")
        with open(Path(path).expanduser(), "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise YamlError(where, "file not found") from None
    except IsADirectoryError:
        raise YamlError(where, "cannot read: a directory") from None
    except OSError as exc:
        raise YamlError(where, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise YamlError(where, f"file is larger than {MAX_BYTES >> 20} MiB: not a YAML "
                        "config, checklist or layout")
    return _decode(raw, file)


def compose(text: str, file: str) -> yaml.Node | None:
    """The node tree of one YAML document, checked so composing it cannot crash or
    blow up: characters, nesting depth, then the composer (errors as YamlError)."""
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        char = f"\\x{ord(bad.group()):02x}" if ord(bad.group()) < 0x100 else (
            f"U+{ord(bad.group()):04X}")
        hint = " (is the file UTF-16 without a byte-order mark?)" if bad.group() == "\0" else ""
        raise YamlError(Position(file, line, col),
                        f"control character {char} is not allowed in YAML{hint}")
    try:
        events, depth = [], 0
        for event in yaml.parse(text, Loader=_Loader):  # iterative: safe at any depth
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlError(Position(file, mark.line + 1, mark.column + 1),
                                    f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            events.append(event)
        return _Replay(events).get_single_node()  # the same events, not parsed again
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        raise YamlError(pos, f"YAML syntax: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # ReaderError and the like: no mark
        raise YamlError(Position(file, 1, 1), f"YAML: {exc}".splitlines()[0]) from None
    except RecursionError:
        raise YamlError(Position(file, 1, 1), "nested too deeply") from None


def load_located(path: str | os.PathLike[str], *, interpolate_env: bool = False) -> Located:
    """Load a YAML mapping file with positions; `${VAR}` / `${VAR:-default}` if asked."""
    return loads_located(read_text(path), str(path), interpolate_env=interpolate_env)


def loads_located(text: str, file: str, *, interpolate_env: bool = False) -> Located:
    node = compose(text, file)
    located = Located({}, {}, file)
    if node is None:
        return located
    builder = _Builder(located, interpolate_env)
    located.data = builder.build(node, ())
    return located


def plain_data(node: yaml.Node, file: str) -> Any:
    """Plain data of a composed node, with the same checks as `loads_located`
    (tags, alias budget, recursion): for callers that walk nodes themselves."""
    return _Builder(Located({}, {}, file), False).build(node, ())


def _pos(node: yaml.Node, file: str) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Node tree -> plain data, counting values (aliases share nodes: a bomb expands
    them again at every use) and refusing a node inside itself."""

    def __init__(self, located: Located, env: bool) -> None:
        self.located, self.env = located, env
        self.file = located.file
        self.count = 0
        self.active: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()  # core schema only

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        pos = _pos(node, self.file)
        self.count += 1
        if self.count > MAX_VALUES:
            raise YamlError(pos, f"more than {MAX_VALUES} values once aliases are expanded "
                            "(an alias bomb?)")
        self.located.positions[path] = pos
        if isinstance(node, yaml.ScalarNode):
            value = self.scalar(node)
            if self.env and isinstance(value, str):
                value = self.interpolate(value, pos)
            return value
        if id(node) in self.active:
            raise YamlError(pos, "an alias refers to a value that contains it (recursive)")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                if node.tag != f"{_CORE}map":
                    raise YamlError(pos, f"unsupported tag {_tag(node.tag)}")
                return self.mapping(node, path, pos)
            if node.tag != f"{_CORE}seq":
                raise YamlError(pos, f"unsupported tag {_tag(node.tag)}")
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: PathKey, pos: Position) -> dict:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kpos = _pos(key_node, self.file)
            if key_node.tag == f"{_CORE}merge":
                raise YamlError(kpos, "merge keys (<<) are not supported: write the keys out")
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | float | bool):
                raise YamlError(kpos, "mapping keys must be plain scalars")
            key = str(key)
            if key in out:
                raise YamlError(kpos, f"duplicate key {_short(key)}")
            out[key] = self.build(value_node, (*path, key))
            # Point at the key (`  fail: abc` -> its line), which is what a person looks for.
            self.located.positions[(*path, key)] = kpos
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        pos = _pos(node, self.file)
        if node.tag not in _SCALAR_TAGS:
            raise YamlError(pos, f"unsupported tag {_tag(node.tag)}")
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, AttributeError):
            raise YamlError(pos, f"{_short(node.value)} is not a valid {_tag(node.tag)}"
                            ) from None

    def interpolate(self, value: str, pos: Position) -> str:
        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in os.environ:
                got = os.environ[name]
            elif default is not None:
                got = default
            else:
                raise YamlError(pos, f"environment variable ${{{name}}} is not set")
            self.located.substitutions.append((got, match.group(0)))
            if _SECRET_NAME.search(name):
                register_secret(got)
            return got

        return _ENV.sub(sub, value)


def _tag(tag: str) -> str:
    return _short("!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag)


def _short(text: str) -> str:
    """A value quoted for one line (repr: control characters escaped), at most 40."""
    text = str(text)
    return repr(text if len(text) <= 40 else text[:40] + "...")
