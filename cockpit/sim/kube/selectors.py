"""Label and field selectors, as the API server parses and matches them.
"""

from __future__ import annotations

import re
from typing import Any

from cockpit.sim.kube.objects import Obj

# ---------------------------------------------------------------- label selectors

_REQ = re.compile(
    r"\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9_./-]+)\s*"
    r"(?:(?P<op>==|!=|=|\s+in\s+|\s+notin\s+)\s*(?P<val>\([^)]*\)|[A-Za-z0-9_.-]*))?\s*"
)


def parse_selector(selector: str | None) -> list[tuple[str, str, set[str]]]:
    """`a=b,c!=d,e in (x,y),!f` -> [(key, op, values)]; ops: eq, ne, in, notin, exists, absent."""
    if not selector:
        return []
    reqs: list[tuple[str, str, set[str]]] = []
    # Split on commas outside parentheses.
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in parts:
        m = _REQ.fullmatch(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part!r}")
        key, op, val = m.group("key"), (m.group("op") or "").strip(), m.group("val")
        if m.group("neg"):
            reqs.append((key, "absent", set()))
        elif not op:
            reqs.append((key, "exists", set()))
        elif op in ("=", "=="):
            reqs.append((key, "eq", {val or ""}))
        elif op == "!=":
            reqs.append((key, "ne", {val or ""}))
        else:
            vals = {v.strip() for v in (val or "").strip("()").split(",") if v.strip()}
            reqs.append((key, op, vals))
    return reqs


def parse_field_selector(selector: str | None) -> list[tuple[list[str], bool, str]]:
    """`type=Warning,involvedObject.kind!=Node` -> [(path, equal?, value)]."""
    out = []
    for part in (selector or "").split(","):
        if not part.strip():
            continue
        m = re.fullmatch(r"\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*", part)
        if not m:
            raise ValueError(f"invalid field selector: {part!r}")
        out.append((m.group(1).split("."), m.group(2) != "!=", m.group(3)))
    return out


def fields_match(reqs: list[tuple[list[str], bool, str]], obj: Obj) -> bool:
    for path, equal, value in reqs:
        cur: Any = obj
        for p in path:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if ((str(cur) if cur is not None else "") == value) != equal:
            return False
    return True


def selector_matches(reqs: list[tuple[str, str, set[str]]], labels: dict[str, str]) -> bool:
    for key, op, vals in reqs:
        present = key in labels
        value = labels.get(key)
        if op == "eq" and value not in vals:
            return False
        if op == "ne" and present and value in vals:
            return False
        if op == "in" and value not in vals:
            return False
        if op == "notin" and present and value in vals:
            return False
        if op == "exists" and not present:
            return False
        if op == "absent" and present:
            return False
    return True


