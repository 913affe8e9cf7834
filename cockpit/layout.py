"""Layouts: which panes go where on the screen, as a grid, loaded from YAML.

A layout file::

    name: compact                   # optional; default: the file's stem
    description: usable at 80x24
    columns: [2fr, 1fr]             # an int (that many equal columns) or a list of sizes
    rows: [5, 1fr, 1fr]             # sizes: N (cells), Nfr, N%, auto
    panes:
      - {type: verdict, row: 0, col: 0, col_span: 2}
      - {type: checklist, row: 1, col: 0, row_span: 2}
      - {type: log, row: 1, col: 1, height: 12, title: Incident log}
      - {type: http, row: 2, col: 1, options: {check: api}}

Rows and columns count from 0. Per pane: `type` (a registered pane type), `row`,
`col`, `row_span`, `col_span`, optional `height`/`width` (a size within its cell),
`title`, `source` (the engine source whose state it shows) and `options` (free, for
the pane). Errors name the file and line (`layouts/x.yaml:7: unknown pane type 'slo'`).

No Textual here: `cockpit validate` uses `load_layout` headless.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cockpit.shipped import shipped_dir
from cockpit.yamlpos import YamlError, compose, plain_data, read_text

_SIZE = re.compile(r"^(auto|\d+(\.\d+)?(fr|%|w|h|vw|vh)?)$")
_PANE_KEYS = {"type", "row", "col", "row_span", "col_span", "height", "width", "title", "source",
              "options"}
_TOP_KEYS = {"name", "description", "columns", "rows", "panes"}
LAYOUT_DIR = shipped_dir("layouts")

# Pane type name -> the UI module defining its widget (one line per pane; sorted by name).
# Here, as data, so a layout validates headless; `cockpit.ui.panes` imports the modules.
PANE_MODULES: dict[str, str] = {
    "asr": "cockpit.ui.panes.asr",
    "checklist": "cockpit.ui.panes.checklist",
    "gpu": "cockpit.ui.panes.gpu",
    "http": "cockpit.ui.panes.http",
    "log": "cockpit.ui.panes.log",
    "pods": "cockpit.ui.panes.pods",
    "signals": "cockpit.ui.panes.signals",
    "slo": "cockpit.ui.panes.slo",
    "verdict": "cockpit.ui.panes.verdict",
}


def pane_types() -> frozenset[str]:
    """Every type name a layout may use (no import of Textual)."""
    return frozenset(PANE_MODULES)


class LayoutError(ValueError):
    """A layout file is invalid; `str()` is `path:line:col: message`.

    `where` is the YAML node at fault (its line and column), a line number, or None
    (the file as a whole: `path:1:1`).
    """

    def __init__(self, path: Path | str, where: int | yaml.Node | None, message: str,
                 column: int = 1) -> None:
        self.path = str(path)
        if isinstance(where, yaml.Node):
            self.line: int | None = where.start_mark.line + 1
            self.column = where.start_mark.column + 1
        else:
            self.line, self.column = where, column
        self.message = message
        super().__init__(f"{self.path}:{self.line or 1}:{self.column}: {message}")


class NoSuchLayout(ValueError):
    """The layout asked for (--layout, or the config's `layout:`) is not on offer; `str()`
    names where it was asked for."""


@dataclass(frozen=True)
class PaneSpec:
    """One pane of a layout: its type and grid cell, plus free options for the pane."""

    type: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    height: str | None = None
    width: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0

    def cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.row, self.row + self.row_span):
            for c in range(self.col, self.col + self.col_span):
                yield r, c


@dataclass(frozen=True)
class Layout:
    name: str
    path: Path
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    panes: tuple[PaneSpec, ...]
    description: str = ""

    def placement(self) -> list[PaneSpec | None]:
        """Panes in the grid's row-major auto-flow order, `None` for an empty cell.

        Textual's grid places children in order into the next free cell, so
        emitting each pane at its top-left cell and a filler for each uncovered
        cell reproduces the explicit row/col placement.
        """
        top_left = {(p.row, p.col): p for p in self.panes}
        covered = {cell for p in self.panes for cell in p.cells()}
        order: list[PaneSpec | None] = []
        for r in range(len(self.rows)):
            for c in range(len(self.columns)):
                if (r, c) in top_left:
                    order.append(top_left[(r, c)])
                elif (r, c) not in covered:
                    order.append(None)
        return order


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _sizes(value: Any, node: yaml.Node, what: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 12:
            raise LayoutError(path, node, f"{what}: between 1 and 12, got {value}")
        return ("1fr",) * value
    if not isinstance(value, list) or not value:
        raise LayoutError(path, node, f"{what}: an int or a non-empty list of sizes")
    out = []
    for item, item_node in zip(value, node.value, strict=True):
        s = str(item).strip()
        if isinstance(item, bool) or not _SIZE.match(s):
            raise LayoutError(path, item_node,
                              f"{what}: size {s!r} is not N, Nfr, N% or auto")
        out.append(s)
    return tuple(out)


def _int(value: Any, node: yaml.Node, key: str, path: Path, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise LayoutError(path, node, f"{key}: an integer >= {minimum}, got {value!r}")
    return value


def _pairs(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {str(k.value): (k, v) for k, v in node.value}


def parse_layout(text: str, path: Path | str = "<layout>") -> Layout:
    """Parse and validate layout YAML; raises `LayoutError` naming `path` and the line."""
    path = Path(path)
    try:  # the hardened loader: bounded aliases and depth, core tags only
        root = compose(text, str(path))
        if root is None:
            raise LayoutError(path, 1, "empty layout")
        data = plain_data(root, str(path))
    except YamlError as exc:
        at = exc.position
        raise LayoutError(path, at.line if at else None, f"not valid YAML: {exc.message}",
                          at.column if at else 1) from None
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise LayoutError(path, root, "a layout is a mapping with columns, rows, panes")
    nodes = _pairs(root)
    for key, (knode, _) in nodes.items():
        if key not in _TOP_KEYS:
            raise LayoutError(path, knode,
                              f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    for key in ("columns", "rows", "panes"):
        if key not in data:
            raise LayoutError(path, root, f"missing {key!r}")
    columns = _sizes(data["columns"], nodes["columns"][1], "columns", path)
    rows = _sizes(data["rows"], nodes["rows"][1], "rows", path)
    panes_node = nodes["panes"][1]
    if not isinstance(data["panes"], list) or not data["panes"]:
        raise LayoutError(path, panes_node, "panes: a non-empty list")
    known = pane_types()
    specs: list[PaneSpec] = []
    taken: dict[tuple[int, int], PaneSpec] = {}
    for entry, enode in zip(data["panes"], panes_node.value, strict=True):
        line = _line(enode)
        if not isinstance(entry, dict) or not isinstance(enode, yaml.MappingNode):
            raise LayoutError(path, enode, "a pane is a mapping with type, row, col")
        pnodes = _pairs(enode)
        for key, (knode, _) in pnodes.items():
            if key not in _PANE_KEYS:
                raise LayoutError(path, knode, f"pane: unknown key {key!r} "
                                  f"(known: {', '.join(sorted(_PANE_KEYS))})")
        ptype = entry.get("type")
        if ptype is None:
            raise LayoutError(path, enode, "pane: missing 'type'")
        if not isinstance(ptype, str):
            raise LayoutError(path, pnodes["type"][1], "type: a pane type name, "
                              f"not {type(ptype).__name__} (known: {', '.join(sorted(known))})")
        if ptype not in known:
            raise LayoutError(path, pnodes["type"][1],
                              f"unknown pane type {ptype!r} (known: {', '.join(sorted(known))})")

        def num(key: str, default: int | None, minimum: int, pn=pnodes, e=entry, ln=line,
                pt=ptype) -> int:
            if key not in e:
                if default is None:
                    raise LayoutError(path, ln, f"pane {pt!r}: missing {key!r}")
                return default
            return _int(e[key], pn[key][1], key, path, minimum)

        spec_kwargs: dict[str, Any] = {}
        for key in ("height", "width"):
            if key in entry:
                s = str(entry[key]).strip()
                if not _SIZE.match(s):
                    raise LayoutError(path, pnodes[key][1],
                                      f"{key}: size {s!r} is not valid")
                spec_kwargs[key] = s
        options = entry.get("options") or {}
        if not isinstance(options, dict):
            raise LayoutError(path, pnodes["options"][1], "options: a mapping")
        options = dict(options)
        for key in ("title", "source"):
            if key in entry:
                options[key] = str(entry[key])
        spec = PaneSpec(type=ptype, row=num("row", None, 0), col=num("col", None, 0),
                        row_span=num("row_span", 1, 1), col_span=num("col_span", 1, 1),
                        options=options, line=line, **spec_kwargs)
        if spec.row + spec.row_span > len(rows) or spec.col + spec.col_span > len(columns):
            raise LayoutError(path, enode, f"pane {ptype!r} at row {spec.row} col {spec.col} "
                              f"(span {spec.row_span}x{spec.col_span}) is outside the "
                              f"{len(rows)}x{len(columns)} grid")
        for cell in spec.cells():
            if cell in taken:
                other = taken[cell]
                raise LayoutError(path, enode, f"pane {ptype!r} overlaps pane {other.type!r} "
                                  f"(line {other.line}) at row {cell[0]} col {cell[1]}")
            taken[cell] = spec
        specs.append(spec)
    name = str(data.get("name") or path.stem)
    return Layout(name=name, path=path, columns=columns, rows=rows, panes=tuple(specs),
                  description=str(data.get("description") or ""))


def load_layout(path: Path | str) -> Layout:
    """Load and validate one layout file (bounded, UTF-8: see cockpit.yamlpos)."""
    path = Path(path)
    try:
        text = read_text(path)
    except YamlError as exc:
        at = exc.position
        raise LayoutError(path, at.line if at else None, exc.message,
                          at.column if at else 1) from None
    return parse_layout(text, path)


def layout_files(*dirs: Path) -> dict[str, Path]:
    """Layout name (file stem) -> path, first directory wins; the bundled dir last."""
    found: dict[str, Path] = {}
    for d in (*dirs, LAYOUT_DIR):
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                found.setdefault(p.stem, p)
    return found


def resolve_layout(name_or_path: str, *dirs: Path) -> Path:
    """A layout given as a path (`x/y.yaml`) or a name (`compact`) -> its file."""
    p = Path(name_or_path).expanduser()
    if p.suffix in {".yaml", ".yml"} or p.exists():
        return p
    files = layout_files(*dirs)
    if name_or_path not in files:
        raise LayoutError(name_or_path, None,
                          f"no layout named {name_or_path!r} (have: {', '.join(sorted(files))})")
    return files[name_or_path]


def layouts_for(config: Any, wanted: str | None) -> tuple[list[Layout], str | None]:
    """Every layout on offer (the config dir's `layouts/`, then the shipped ones) and the
    one to open: `wanted` (--layout), else the config's `layout:`, else None (the screen
    picks by terminal size). NoSuchLayout names the flag or the config's place;
    LayoutError a bad file."""
    base = Path(getattr(config, "base_dir", Path.cwd()))
    dirs = [base / "layouts"]
    choice = wanted or getattr(config, "layout", None)
    files = layout_files(*dirs)
    layouts: dict[str, Layout] = {}
    first: str | None = None
    if choice is not None:
        try:
            path = resolve_layout(choice, *dirs)
        except LayoutError as exc:  # no such name: at the config's `layout:`, or the flag
            where = (str(config.problem(("layout",), exc.message)) if wanted is None
                     and hasattr(config, "problem") else f"--layout: {exc.message}")
            raise NoSuchLayout(where) from None
        if not path.is_absolute() and (wanted is None or not path.exists()):
            # The config's `layout:` is relative to the config file; --layout to the cwd.
            path = base / path if (base / path).exists() or not path.exists() else path
        chosen = load_layout(path)
        layouts[chosen.name], first = chosen, chosen.name
        files = {n: p for n, p in files.items() if p.resolve() != path.resolve()}
    for name, p in files.items():
        if name not in layouts:
            layouts[name] = load_layout(p)
    return sorted(layouts.values(), key=lambda lay: lay.name), first
