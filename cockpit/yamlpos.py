"""YAML loading that remembers where every value came from (file:line:col).

Errors in a launch config, a checklist or a layout must name the file, line and
column, so we compose the YAML node tree ourselves and keep a map from each value's
path (`("prometheus", "queries", "p95")`) to its position.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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

    def position(self, path: PathKey) -> Position:
        """Position of `path`, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get((), Position(self.file, 1, 1))


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Loader(yaml.SafeLoader):
    """SafeLoader: no Python objects, no tags beyond the YAML core."""


def _decode(raw: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise YamlError(Position(file, 1, 1), "not UTF-8 text; save the file as UTF-8")


def load_located(path: str | os.PathLike[str], *, interpolate_env: bool = False) -> Located:
    """Load a YAML mapping file with positions; `${VAR}` / `${VAR:-default}` if asked."""
    file = str(path)
    try:
        raw = Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise YamlError(None, f"{file}: file not found") from None
    except OSError as exc:
        raise YamlError(None, f"{file}: cannot read: {exc.strerror}") from None
    return loads_located(_decode(raw, file), file, interpolate_env=interpolate_env)


def loads_located(text: str, file: str, *, interpolate_env: bool = False) -> Located:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else None
        raise YamlError(pos, f"YAML syntax: {exc.problem or exc.context}") from None
    positions: dict[PathKey, Position] = {}
    if node is None:
        return Located({}, positions, file)
    data = _build(node, (), positions, file, interpolate_env)
    return Located(data, positions, file)


def _build(node: yaml.Node, path: PathKey, positions: dict, file: str, env: bool) -> Any:
    pos = Position(file, node.start_mark.line + 1, node.start_mark.column + 1)
    positions[path] = pos
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlError(pos, "mapping keys must be plain scalars")
            key = str(key)
            if key in out:
                kpos = Position(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise YamlError(kpos, f"duplicate key {key!r}")
            out[key] = _build(value_node, (*path, key), positions, file, env)
            # Point at the key (`  fail: abc` -> its line), which is what a person looks for.
            positions[(*path, key)] = Position(
                file, key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*path, i), positions, file, env) for i, v in enumerate(node.value)]
    value = _scalar(node)
    if env and isinstance(value, str):
        value = _interpolate(value, pos)
    return value


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    return _Loader(" ").construct_object(node)  # core schema only (SafeLoader)


def _interpolate(value: str, pos: Position) -> str:
    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise YamlError(pos, f"environment variable ${{{name}}} is not set")

    return _ENV.sub(sub, value)
