"""What the Prometheus sim knows (a table of series, each a function of time) and how
it answers an expression from it: exact match, `offset`, selector, aggregation, number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Labels = dict[str, str]
Sample = tuple[Labels, float]
SeriesFn = Callable[[float], list[Sample]]


class QueryError(Exception):
    """A query the sim refuses, with Prometheus's errorType and HTTP status."""

    def __init__(self, message: str, error_type: str = "bad_data", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


@dataclass
class AlertRule:
    """An alerting rule: fires while any series of `expr` is above `above`."""

    name: str
    expr: str
    above: float
    severity: str = "warning"
    summary: str = ""
    group: str = "cockpit-demo"


@dataclass
class QueryTable:
    """What the sim knows: exact expressions and raw metrics, each a function of time."""

    exprs: dict[str, SeriesFn] = field(default_factory=dict)
    metrics: dict[str, SeriesFn] = field(default_factory=dict)
    alerts: list[AlertRule] = field(default_factory=list)

    def add_expr(self, expr: str, fn: SeriesFn) -> None:
        self.exprs[normalize(expr)] = fn

    def add_scalar_expr(self, expr: str, fn: Callable[[float], float | None]) -> None:
        """An expression whose answer is one series with no labels (an aggregate)."""

        def one(t: float) -> list[Sample]:
            v = fn(t)
            return [] if v is None else [({}, v)]

        self.add_expr(expr, one)


# ---------------------------------------------------------------- expression matching

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_OFFSET = re.compile(r"\s+offset\s+(-?\d+(?:ms|s|m|h|d|w|y))\b")
_METRIC = r"[A-Za-z_:][A-Za-z0-9_:]*"
_SELECTOR = re.compile(rf"^(?P<metric>{_METRIC})?(?:\{{(?P<matchers>.*)\}})?$", re.S)
_MATCHER = re.compile(
    r"\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(?:,|$)"
)
_AGG = re.compile(
    r"^(?P<op>sum|avg|min|max|count)\s*"
    r"(?:(?:by)\s*\((?P<by1>[^)]*)\)\s*)?"
    r"\((?P<inner>.*)\)\s*"
    r"(?:by\s*\((?P<by2>[^)]*)\))?$",
    re.S,
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DUR_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def normalize(expr: str) -> str:
    """The expression with whitespace outside string literals removed (for exact matching)."""
    out, pos = [], 0
    for m in _STRING.finditer(expr):
        out.append(re.sub(r"\s+", "", expr[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(re.sub(r"\s+", "", expr[pos:]))
    return "".join(out)


def _duration(text: str) -> float:
    m = re.fullmatch(r"(-?\d+)(ms|s|m|h|d|w|y)", text)
    if not m:
        raise QueryError(f'bad duration "{text}"')
    return int(m.group(1)) * _DUR_UNITS[m.group(2)]


def _unquote(raw: str) -> str:
    if raw.startswith("`"):
        return raw[1:-1]
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_matchers(text: str) -> list[tuple[str, str, str]]:
    """`a="x", b=~"y.*"` -> [(label, op, value)]; QueryError if it is not that."""
    matchers, pos, text = [], 0, text.strip()
    while pos < len(text):
        m = _MATCHER.match(text, pos)
        if not m:
            raise QueryError(f"1:{pos + 1}: parse error: unexpected character in label matchers")
        value = _unquote(m.group("value"))
        if m.group("op") in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise QueryError(f"invalid regular expression {value!r}: {exc}") from None
        matchers.append((m.group("label"), m.group("op"), value))
        pos = m.end()
    return matchers


def matches(matchers: list[tuple[str, str, str]], labels: Mapping[str, str]) -> bool:
    for label, op, value in matchers:
        have = labels.get(label, "")
        if op == "=" and have != value:
            return False
        if op == "!=" and have == value:
            return False
        if op in ("=~", "!~"):
            try:
                hit = re.fullmatch(value, have) is not None
            except re.error as exc:
                raise QueryError(f"invalid regular expression {value!r}: {exc}") from None
            if hit != (op == "=~"):
                return False
    return True


class Evaluator:
    """Answers one expression at one time from a QueryTable (see the module docstring)."""

    def __init__(self, table: QueryTable) -> None:
        self.table = table

    def instant(self, expr: str, t: float) -> tuple[str, Any]:
        """("vector", [(labels, value)]) or ("scalar", value)."""
        if not expr.strip():
            raise QueryError('invalid parameter "query": 1:1: parse error: no expression found '
                             "in input")
        if _NUMBER.match(expr.strip()):
            return "scalar", float(expr.strip())
        return "vector", self._vector(expr, t)

    def _vector(self, expr: str, t: float) -> list[Sample]:
        key = normalize(expr)
        fn = self.table.exprs.get(key)
        if fn is not None:
            return _clean(fn(t))
        offsets = set(_OFFSET.findall(_mask_strings(expr)))
        if offsets:
            if len(offsets) > 1:
                raise QueryError(
                    "the demo Prometheus simulator answers `offset` only when every selector "
                    f"has the same one (found {', '.join(sorted(offsets))})"
                )
            shift = _duration(offsets.pop())
            return self._vector(_strip_offsets(expr), t - shift)
        selector = self._selector(expr, t)
        if selector is not None:
            return selector
        agg = _AGG.match(expr.strip())
        if agg:
            inner = self._selector(agg.group("inner"), t)
            if inner is not None:
                by = agg.group("by1") or agg.group("by2") or ""
                return _aggregate(agg.group("op"), [b.strip() for b in by.split(",") if b.strip()],
                                  inner)
        raise QueryError(
            "the cockpit demo's Prometheus simulator has no scripted answer for this "
            f"expression (it knows the demo config's queries and the DCGM metrics): {expr}"
        )

    def _selector(self, expr: str, t: float) -> list[Sample] | None:
        m = _SELECTOR.match(expr.strip())
        if not m or (m.group("metric") is None and m.group("matchers") is None):
            return None
        matchers = parse_matchers(m.group("matchers") or "")
        name = m.group("metric")
        if name is None:
            name_eq = [v for lbl, op, v in matchers if lbl == "__name__" and op == "="]
            if name_eq:
                name = name_eq[0]
            elif not any(not matches([mt], {}) for mt in matchers):
                raise QueryError("vector selector must contain at least one non-empty matcher")
        # `{__name__=~"a|b"}` (one query for several metrics): every metric it matches.
        names = [name] if name is not None else list(self.table.metrics)
        out = []
        for metric in names:
            fn = self.table.metrics.get(metric)
            if fn is None:
                continue  # an unknown metric: Prometheus answers an empty vector
            for labels, value in fn(t):
                full = {"__name__": metric, **labels}
                if matches(matchers, full):
                    out.append((full, value))
        return _clean(out)


def _mask_strings(expr: str) -> str:
    return _STRING.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', expr)


def _strip_offsets(expr: str) -> str:
    masked = _mask_strings(expr)
    out, pos = [], 0
    for m in _OFFSET.finditer(masked):
        out.append(expr[pos : m.start()])
        pos = m.end()
    out.append(expr[pos:])
    return "".join(out)


def _clean(samples: list[Sample]) -> list[Sample]:
    return [(dict(labels), float(v)) for labels, v in samples if v is not None]


def _aggregate(op: str, by: list[str], samples: list[Sample]) -> list[Sample]:
    groups: dict[tuple[tuple[str, str], ...], list[float]] = {}
    for labels, v in samples:
        key = tuple((b, labels[b]) for b in by if b in labels)
        groups.setdefault(key, []).append(v)
    out: list[Sample] = []
    for key, values in sorted(groups.items()):
        if op == "sum":
            agg = math.fsum(values)
        elif op == "avg":
            agg = math.fsum(values) / len(values)
        elif op == "min":
            agg = min(values)
        elif op == "max":
            agg = max(values)
        else:
            agg = float(len(values))
        out.append((dict(key), agg))
    return out
