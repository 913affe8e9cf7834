"""Checklists: files to items, and each item's state folded from the event log.

A checklist is YAML: sections of items (`id`, `text`, optional `auto`, `owner`,
`required` (default true), `note`, `pending_while`, nested `items`). An item with
`auto` is judged by its gate over live readings; while its optional `pending_while`
gate passes (e.g. a rollout in progress), a failing `auto` reads UNKNOWN ("not yet"),
not FAIL, so a normal rolling update holds the verdict instead of calling NO-GO. The
others are ticked by a person, and a tick is an event (who, when, comment): the state
is never stored, only derived.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.gates import Gate, GateError, parse
from cockpit.model import Event, EventKind, ItemState, Reading, Status
from cockpit.yamlpos import Located, Position, YamlError, load_located

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_ITEM_KEYS = {"id", "text", "auto", "owner", "required", "note", "pending_while", "items"}


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    section: str
    auto: str | None = None
    gate: Gate | None = None
    owner: str | None = None
    required: bool = True
    note: str | None = None
    depth: int = 0
    position: Position | None = None
    pending_while: str | None = None
    pending_gate: Gate | None = None

    @property
    def manual(self) -> bool:
        return self.auto is None


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass
class Checklist:
    title: str
    sections: list[Section]
    path: Path | None = None
    _by_id: dict[str, Item] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {item.id: item for item in self.items()}

    def items(self) -> Iterable[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id


class ChecklistError(ValueError):
    """Every problem in a checklist file, one `file:line:col: ...` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_checklist(path: str | Path) -> Checklist:
    try:
        located = load_located(path)
    except YamlError as exc:
        raise ChecklistError([str(exc)]) from None
    return checklist_from(located, Path(path))


def checklist_from(located: Located, path: Path | None = None) -> Checklist:
    problems: list[str] = []
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise ChecklistError([f"{located.position(())}: expected `title:` and a list `sections:`"])
    seen: dict[str, Position] = {}
    sections: list[Section] = []
    for s_index, raw in enumerate(data["sections"]):
        where = located.position(("sections", s_index))
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            problems.append(f"{where}: a section needs `title:` and a list `items:`")
            continue
        title = str(raw.get("title") or f"Section {s_index + 1}")
        items: list[Item] = []
        _collect(raw["items"], ("sections", s_index, "items"), title, 0, located, seen, items,
                 problems)
        sections.append(Section(title, tuple(items)))
    if problems:
        raise ChecklistError(problems)
    return Checklist(str(data.get("title") or (path.stem if path else "checklist")), sections,
                     path)


def _collect(raw_items: list, path: tuple, section: str, depth: int, located: Located,
             seen: dict[str, Position], out: list[Item], problems: list[str]) -> None:
    for index, raw in enumerate(raw_items):
        ipath = (*path, index)
        where = located.position(ipath)
        if not isinstance(raw, dict):
            problems.append(f"{where}: an item is a mapping with `id:` and `text:`")
            continue
        for key in raw:
            if key not in _ITEM_KEYS:
                problems.append(f"{located.position((*ipath, key))}: unknown item field {key!r}")
        item_id, text = raw.get("id"), raw.get("text")
        if not isinstance(item_id, str) or not _ID.match(item_id):
            problems.append(f"{where}: item id {item_id!r} must match [a-z0-9][a-z0-9_.-]*")
            continue
        if item_id in seen:
            problems.append(f"{where}: duplicate item id {item_id!r} (first at {seen[item_id]})")
            continue
        seen[item_id] = where
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: item {item_id!r} needs a `text:`")
            continue
        auto, gate = raw.get("auto"), None
        if auto is not None:
            try:
                gate = parse(str(auto))
            except GateError as exc:
                problems.append(f"{located.position((*ipath, 'auto'))}: item {item_id!r}: {exc}")
                continue
        pending, pending_gate = raw.get("pending_while"), None
        if pending is not None:
            if gate is None:
                problems.append(f"{located.position((*ipath, 'pending_while'))}: item "
                                f"{item_id!r}: pending_while needs an `auto:` gate to hold back")
                continue
            try:
                pending_gate = parse(str(pending))
            except GateError as exc:
                problems.append(f"{located.position((*ipath, 'pending_while'))}: item "
                                f"{item_id!r}: {exc}")
                continue
        required = raw.get("required", True)
        if not isinstance(required, bool):
            problems.append(f"{located.position((*ipath, 'required'))}: required is true/false")
            continue
        out.append(Item(item_id, text.strip(), section, str(auto) if auto is not None else None,
                        gate, raw.get("owner"), required, raw.get("note"), depth, where,
                        str(pending) if pending is not None else None, pending_gate))
        children = raw.get("items")
        if isinstance(children, list):
            _collect(children, (*ipath, "items"), section, depth + 1, located, seen, out,
                     problems)


def unknown_signals(checklist: Checklist, known: Callable[[str], bool]) -> list[str]:
    """Problems for auto items that read a signal no configured source produces."""
    problems = []
    for item in checklist.items():
        if item.gate is None:
            continue
        names = item.gate.names() | (item.pending_gate.names() if item.pending_gate else set())
        for name in sorted(names):
            if not known(name):
                problems.append(
                    f"{item.position}: item {item.id!r} reads unknown signal {name!r} "
                    "(no configured source produces it)"
                )
    return problems


def unit_problems(checklist: Checklist, unit_of: Callable[[str], str | None]) -> list[str]:
    """Problems for auto items comparing two kinds of quantity (seconds with a ratio...)."""
    from cockpit.units import gate_problems

    problems = []
    for item in checklist.items():
        for field_, gate in (("auto", item.gate), ("pending_while", item.pending_gate)):
            if gate is None:
                continue
            for problem in gate_problems(gate, unit_of):
                problems.append(f"{item.position}: {field_}: item {item.id!r}: {problem}")
    return problems


@dataclass
class Tick:
    by: str
    at: float
    comment: str | None


def fold_ticks(events: Iterable[Event]) -> dict[str, Tick]:
    """Current manual ticks from tick/untick events, in time order (the log is the truth)."""
    ticks: dict[str, Tick] = {}
    for event in sorted(events, key=lambda e: e.at):  # stable: log order breaks ties
        item_id = event.data.get("item")
        if not isinstance(item_id, str):
            continue
        if event.kind == EventKind.TICK:
            ticks[item_id] = Tick(event.author, event.at, event.data.get("comment"))
        elif event.kind == EventKind.UNTICK:
            ticks.pop(item_id, None)
    return ticks


def item_state(item: Item, ticks: dict[str, Tick],
               resolve: Callable[[str], Reading | str]) -> ItemState:
    if item.gate is None:
        tick = ticks.get(item.id)
        if tick is None:
            return ItemState(item.id, Status.UNTICKED, item.required, detail="not ticked")
        return ItemState(item.id, Status.PASS, item.required, True, f"ticked by {tick.by}",
                         tick.by, tick.at, tick.comment)
    result = item.gate.evaluate(resolve)
    value = next(iter(result.values.values()), None) if len(result.values) == 1 else None
    if result.status == Status.FAIL and item.pending_gate is not None:
        if item.pending_gate.evaluate(resolve).status == Status.PASS:
            return ItemState(item.id, Status.UNKNOWN, item.required, value,
                             f"not yet ({item.pending_while}): {result.detail}")
    return ItemState(item.id, result.status, item.required, value, result.detail)
