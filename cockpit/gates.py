"""The small, safe expression language of checklist auto items and thresholds.

A gate such as ``max(error_rate) < 1% and http.health.latency < 500ms`` is read by
a hand-written tokenizer and recursive-descent parser into a tiny tree; nothing is
ever handed to ``eval``/``ast``, so a gate can only read signals and compare them.
Input is bounded (length, nesting depth) so hostile text fails with a clean
`GateError` naming the column, never with another exception.

Evaluation is three-valued (Kleene): a stale, failed or empty reading makes the
terms that read it UNKNOWN, ``FAIL and UNKNOWN`` is FAIL, ``PASS or UNKNOWN`` is
PASS. Every result carries a short detail in operator terms
(``error_rate = 2.1% (needs < 1%)``) and the values it read.

Grammar (lowest precedence first)::

    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := primary (("<" | "<=" | ">" | ">=" | "==" | "!=") primary)?
    primary := "(" or ")" | NUMBER | "-" NUMBER | "true" | "false" | STRING
             | AGG "(" NAME ")" | NAME

A STRING is `"..."` or `'...'` (no escapes, no control characters) and compares
only with `==`/`!=` against a text signal: ``release.app_version == "2.4.0"``.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cockpit.model import Reading, Status

MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_DETAIL = 240
MAX_PARTS = 3
MAX_STRING = 200

# Unit suffix -> factor to the base unit (seconds, ratio, count).
UNITS: dict[str, str] = {
    "ms": "0.001",
    "s": "1",
    "m": "60",
    "h": "3600",
    "%": "0.01",
    "k": "1000",
    "M": "1000000",
}
# How a value is shown in a unit the author wrote: (display suffix, space before it).
_UNIT_SHOW: dict[str, tuple[str, bool]] = {
    "ms": ("ms", True),
    "s": ("s", True),
    "m": ("min", True),
    "h": ("h", True),
    "%": ("%", False),
    "k": ("k", False),
    "M": ("M", False),
}
AGGREGATES = ("max", "min", "sum", "avg", "count")
# Reading units whose values are never negative: a negative one is a broken query or
# exporter (a counter reset through `delta`, a bad division), not a healthy reading.
NON_NEGATIVE_UNITS = frozenset({"ratio", "seconds", "count", "rate", "GPUs", "W", "bytes"})
KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
_NEGATE = {"<": ">=", ">=": "<", "<=": ">", ">": "<=", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SPACE = frozenset(" \t\r\n")
_HINTS = {
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' (or '!=' to compare)",
    "=": "use '==' to compare",
    "+": "arithmetic is not supported",
    "*": "arithmetic is not supported",
    "/": "arithmetic is not supported",
    "_": "names may not start with '_'",
}


class GateError(ValueError):
    """A gate expression that does not parse; `column` is 1-based into `expr`."""

    def __init__(self, message: str, column: int, expr: str) -> None:
        super().__init__(f"col {column}: {message}")
        self.message = message
        self.column = column
        self.expr = expr


@dataclass(frozen=True)
class GateResult:
    status: Status
    detail: str
    values: dict[str, float | bool | str | None] = field(default_factory=dict)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Tok:
    kind: str  # NAME, NUM, STR, OP, LP, RP, MINUS, KW, END
    text: str
    col: int  # 1-based
    value: float = 0.0
    unit: str | None = None
    error: GateError | None = None


def _show(text: str) -> str:
    """An offending character or word, quoted and safe for one line."""
    if text == "":
        return "the end"
    return repr(text if len(text) <= 20 else text[:20] + "...")


def _tokenize(expr: str) -> list[_Tok]:
    """All tokens; a lexing error becomes a last ERR token, raised when the parser
    reaches it, so the error reported is always the leftmost one."""
    toks: list[_Tok] = []
    try:
        _lex(expr, toks)
    except GateError as err:
        toks.append(_Tok("ERR", "", err.column, error=err))
    else:
        toks.append(_Tok("END", "", len(expr) + 1))
    return toks


def _lex(expr: str, toks: list[_Tok]) -> None:
    i, n = 0, len(expr)

    def fail(message: str, at: int) -> GateError:
        return GateError(message, at + 1, expr)

    while i < n:
        c = expr[i]
        if c in _SPACE:
            i += 1
        elif c in _LETTERS:
            i = _name(expr, i, toks, fail)
        elif c in _DIGITS:
            i = _number(expr, i, toks, fail)
        elif c in "\"'":
            i = _string(expr, i, toks, fail)
        elif c == "(":
            toks.append(_Tok("LP", c, i + 1))
            i += 1
        elif c == ")":
            toks.append(_Tok("RP", c, i + 1))
            i += 1
        elif c == "-":
            toks.append(_Tok("MINUS", c, i + 1))
            i += 1
        elif expr.startswith(("<=", ">=", "==", "!="), i):
            toks.append(_Tok("OP", expr[i : i + 2], i + 1))
            i += 2
        elif c in "<>":
            toks.append(_Tok("OP", c, i + 1))
            i += 1
        elif c in _HINTS:
            raise fail(f"unexpected {_show(c)}: {_HINTS[c]}", i)
        else:
            raise fail(f"unexpected character {_show(c)}", i)


def _name(expr: str, i: int, toks: list[_Tok], fail: Callable[[str, int], GateError]) -> int:
    """A dotted signal name; `-` belongs to it only between two name characters."""
    start, n = i, len(expr)
    while True:
        seg = i
        if i < n and expr[i] == "_":
            raise fail("name segments may not start with '_'", i)
        while i < n:
            if expr[i] in _NAME_CHARS:
                i += 1
            elif expr[i] == "-" and i > seg and i + 1 < n and expr[i + 1] in _NAME_CHARS:
                i += 1
            else:
                break
        if i == seg:
            raise fail("expected a name segment after '.'", i)
        if i < n and expr[i] == ".":
            i += 1
            continue
        break
    text = expr[start:i]
    toks.append(_Tok("KW" if text in KEYWORDS else "NAME", text, start + 1))
    return i


def _string(expr: str, i: int, toks: list[_Tok], fail: Callable[[str, int], GateError]) -> int:
    """A quoted text literal; no escapes, so what is written is what is compared."""
    quote, j, n = expr[i], i + 1, len(expr)
    while j < n and expr[j] != quote:
        if expr[j] == "\\":
            raise fail("escapes are not supported in strings", j)
        if ord(expr[j]) < 32 or ord(expr[j]) == 127:
            raise fail("control characters are not allowed in strings", j)
        j += 1
    if j >= n:
        raise fail(f"string opened with {quote} is not closed", i)
    if j - i - 1 > MAX_STRING:
        raise fail(f"string is too long (more than {MAX_STRING} characters)", i)
    toks.append(_Tok("STR", expr[i + 1 : j], i + 1))
    return j + 1


def _number(expr: str, i: int, toks: list[_Tok], fail: Callable[[str, int], GateError]) -> int:
    start, n = i, len(expr)
    while i < n and expr[i] in _DIGITS:
        i += 1
    if i < n and expr[i] == ".":
        i += 1
        if i >= n or expr[i] not in _DIGITS:
            raise fail("expected a digit after '.'", i - 1)
        while i < n and expr[i] in _DIGITS:
            i += 1
    if i < n and expr[i] in "eE":
        j = i + 1
        if j < n and expr[j] in "+-":
            j += 1
        if j < n and expr[j] in _DIGITS:
            i = j
            while i < n and expr[i] in _DIGITS:
                i += 1
    digits = expr[start:i]
    u = i
    while i < n and (expr[i] in _NAME_CHARS or expr[i] == "%"):
        i += 1
    unit = expr[u:i] or None
    if unit is not None and unit not in UNITS:
        known = ", ".join(UNITS)
        raise fail(f"unknown unit {_show(unit)} (known: {known})", u)
    try:
        scaled = decimal.Decimal(digits) * decimal.Decimal(UNITS[unit] if unit else "1")
        value = float(scaled)
    except (decimal.DecimalException, OverflowError, ValueError):
        value = math.inf
    if not math.isfinite(value):
        raise fail(f"number {_show(expr[start:i])} is too large", start)
    toks.append(_Tok("NUM", expr[start:i], start + 1, value, unit))
    return i


# --------------------------------------------------------------------------- tree


@dataclass
class _Ctx:
    """One evaluation: each signal is resolved once; values seen are collected."""

    resolve: Callable[[str], Reading | str]
    readings: dict[str, Reading | str] = field(default_factory=dict)
    values: dict[str, float | bool | str | None] = field(default_factory=dict)

    def get(self, name: str) -> Reading | str:
        if name not in self.readings:
            got = self.resolve(name)
            self.readings[name] = got if isinstance(got, Reading | str) else "no reading yet"
        return self.readings[name]


@dataclass(frozen=True)
class _Term:
    """The value of one operand, or why there is none."""

    value: float | bool | str | None
    unknown: str | None = None
    unit: str | None = None  # the reading's own unit, for display


def _usable(reading: Reading | str, name: str) -> str | None:
    """Why `reading` cannot be used, or None when it can."""
    if isinstance(reading, str):
        return f"{name}: {reading}"
    if reading.error is not None:
        return f"{name}: error: {reading.error}"
    if not reading.has_data:
        return f"{name}: no data"
    return None


def _plain(v: object) -> float | bool | str | None:
    if isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return float(v)
    return None


class _Num:
    kind = "num"

    def __init__(self, value: float, text: str, unit: str | None, col: int) -> None:
        self.value, self.text, self.unit, self.col = value, text, unit, col

    def names(self) -> Iterable[str]:
        return ()

    def term(self, ctx: _Ctx) -> _Term:
        return _Term(self.value)

    def show(self, t: _Term, hint: str | None) -> str:
        return self.text


class _Bool:
    kind = "bool"

    def __init__(self, value: bool, col: int) -> None:
        self.value, self.col, self.unit = value, col, None

    def names(self) -> Iterable[str]:
        return ()

    def term(self, ctx: _Ctx) -> _Term:
        return _Term(self.value)

    def show(self, t: _Term, hint: str | None) -> str:
        return "true" if self.value else "false"


class _Sig:
    kind = "sig"
    unit = None

    def __init__(self, name: str, col: int) -> None:
        self.name, self.col = name, col

    @property
    def label(self) -> str:
        return self.name

    def names(self) -> Iterable[str]:
        return (self.name,)

    def term(self, ctx: _Ctx) -> _Term:
        reading = ctx.get(self.name)
        why = _usable(reading, self.name)
        if why is None and isinstance(reading, Reading):
            value, why = self._value(reading)
            if why is None and value is None:
                why = f"{self.name}: not a number"
            if why is None:
                why = _implausible(self.label, value, reading.unit)
            if why is None:
                ctx.values[self.label] = value
                return _Term(value, unit=reading.unit)
        ctx.values.setdefault(self.label, None)
        return _Term(None, unknown=why)

    def _value(self, reading: Reading) -> tuple[float | bool | str | None, str | None]:
        """The bare signal's value, or why a bare use cannot have one."""
        if len(reading.series) > 1:
            return None, f"{self.name} has {len(reading.series)} series: use max()/min()/sum()"
        return _plain(reading.series[0].value if reading.series else reading.value), None

    def show(self, t: _Term, hint: str | None) -> str:
        return f"{self.label} = {_display(t, hint)}"


class _Agg(_Sig):
    kind = "num"

    def __init__(self, fn: str, name: str, col: int) -> None:
        super().__init__(name, col)
        self.fn = fn

    @property
    def label(self) -> str:
        return f"{self.fn}({self.name})"

    def _value(self, reading: Reading) -> tuple[float | bool | str | None, str | None]:
        if not reading.series:
            if isinstance(reading.value, str):
                return None, f"{self.name} is text: {self.fn}() needs numbers"
            value = _plain(reading.value)
            return (1.0 if self.fn == "count" and value is not None else value), None
        # One blind series makes the aggregate unknown: max() over the series that
        # still answer would read a healthy value while the worst one is unseen.
        blind = [s for s in reading.series
                 if not isinstance(s.value, int | float) or math.isnan(s.value)]
        if blind:
            return None, (f"{self.label}: {len(blind)} of {len(reading.series)} series "
                          f"have no value ({blind[0].label_text[:60]})")
        for s in reading.series:
            why = _implausible(self.label, s.value, reading.unit)
            if why is not None:
                return None, f"{why} in series {s.label_text[:60]}"
        return self._aggregate([float(s.value) for s in reading.series]), None

    def _aggregate(self, vals: list[float]) -> float:
        if self.fn == "max":
            return max(vals)
        if self.fn == "min":
            return min(vals)
        if self.fn == "sum":
            return math.fsum(vals)
        if self.fn == "avg":
            return math.fsum(vals) / len(vals)
        return float(len(vals))


class _Str:
    kind = "str"
    unit = None

    def __init__(self, value: str, col: int) -> None:
        self.value, self.col = value, col

    def names(self) -> Iterable[str]:
        return ()

    def term(self, ctx: _Ctx) -> _Term:
        return _Term(self.value)

    def show(self, t: _Term, hint: str | None) -> str:
        return _quote(self.value)


_TermNode = _Num | _Bool | _Str | _Sig | _Agg
_Const = _Num | _Bool | _Str


def _quote(text: str) -> str:
    """A text value in a detail: quoted, cut short (details are one line)."""
    return '"' + (text if len(text) <= 60 else text[:57] + "...") + '"'


def _implausible(label: str, value: object, unit: str | None) -> str | None:
    """Why a value read from outside cannot be trusted, or None.

    -Inf is never a measurement (a broken division or an empty quantile); a negative
    value in a unit that cannot be negative (a ratio, seconds, a count) is a broken
    query. Either must make its gates UNKNOWN, not pass `error_rate < 1%`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value == -math.inf:
        return f"{label} = -inf (implausible)"
    if value < 0 and unit in NON_NEGATIVE_UNITS:
        return f"{label} = {_num(float(value))} (implausible: a {unit} value is never negative)"
    return None


def _display(t: _Term, hint: str | None) -> str:
    if isinstance(t.value, str):
        return _quote(t.value)
    if hint is not None:
        return format_value(t.value, hint)
    text = format_value(t.value, None)
    if t.unit and not isinstance(t.value, bool):
        return text + t.unit if t.unit == "%" else f"{text} {t.unit}"
    return text


def _num(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1e15 or a < 1e-4:
        return f"{x:.3g}"
    decimals = min(6, max(0, 3 - math.floor(math.log10(a))))
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def format_value(v: float | bool | str | None, unit_hint: str | None) -> str:
    """`v` (in base units: seconds, ratio) shown in the unit the author wrote.

    ``format_value(0.021, "%") == "2.1%"``, ``format_value(0.34, "ms") == "340 ms"``.
    A hint that is not a gate unit is appended as it is (``"3 pods"``).
    """
    if v is None:
        return "no data"
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if unit_hint in UNITS:
        suffix, space = _UNIT_SHOW[unit_hint]
        scaled = float(v)
        if math.isfinite(scaled):  # Decimal: 0.021 / 0.01 is 2.1, not 2.0999999999999996
            scaled = float(decimal.Decimal(repr(scaled)) / decimal.Decimal(UNITS[unit_hint]))
        return f"{_num(scaled)}{' ' if space else ''}{suffix}"
    text = _num(float(v))
    return f"{text} {unit_hint}" if unit_hint else text


@dataclass(frozen=True)
class _Out:
    status: Status
    parts: tuple[str, ...]


class _Truthy:
    """A bare signal or boolean used as a condition."""

    def __init__(self, inner: _Sig | _Bool) -> None:
        self.inner = inner

    def names(self) -> Iterable[str]:
        return self.inner.names()

    def cond(self, ctx: _Ctx, negated: bool) -> _Out:
        t = self.inner.term(ctx)
        if t.unknown is not None or t.value is None:
            return _Out(Status.UNKNOWN, (t.unknown or "no data",))
        if isinstance(t.value, str):
            shown = self.inner.show(t, None)
            return _Out(Status.UNKNOWN, (f"{shown} is text: compare it with == or !=",))
        ok = bool(t.value)
        status = Status.PASS if ok else Status.FAIL
        if isinstance(self.inner, _Bool):
            return _Out(status, (f"{self.inner.show(t, None)} (constant)",))
        need = "false" if negated else "true"
        return _Out(status, (f"{self.inner.show(t, None)} (needs {need})",))


class _Cmp:
    def __init__(self, op: str, left: _TermNode, right: _TermNode) -> None:
        self.op, self.left, self.right = op, left, right

    def names(self) -> Iterable[str]:
        return (*self.left.names(), *self.right.names())

    def cond(self, ctx: _Ctx, negated: bool) -> _Out:
        lt, rt = self.left.term(ctx), self.right.term(ctx)
        unknown = tuple(t.unknown or "no data" for t in (lt, rt) if t.value is None)
        if unknown:
            return _Out(Status.UNKNOWN, unknown)
        assert lt.value is not None and rt.value is not None
        texts = isinstance(lt.value, str), isinstance(rt.value, str)
        if any(texts):
            mismatch = self._text_mismatch(lt, rt, texts)
            if mismatch is not None:
                return _Out(Status.UNKNOWN, (mismatch,))
            ok = (lt.value == rt.value) == (self.op == "==")
        else:
            why = _negative_against_unit(self.left, lt, self.right) or _negative_against_unit(
                self.right, rt, self.left)
            if why is not None:
                return _Out(Status.UNKNOWN, (why,))
            ok = _compare(self.op, float(lt.value), float(rt.value))
        status = Status.PASS if ok else Status.FAIL
        left, right, op = self.left, self.right, self.op
        if isinstance(left, _Const) and not isinstance(right, _Const):
            left, right, lt, rt, op = right, left, rt, lt, _FLIP[op]
        if negated:
            op = _NEGATE[op]
        if isinstance(left, _Const) and isinstance(right, _Const):
            return _Out(status, (f"{left.show(lt, None)} {op} {right.show(rt, None)} (constant)",))
        hint = right.unit if isinstance(right, _Num) else None
        return _Out(status, (f"{left.show(lt, hint)} (needs {op} {right.show(rt, None)})",))


    def _text_mismatch(self, lt: _Term, rt: _Term, texts: tuple[bool, bool]) -> str | None:
        """Why text cannot be compared here (a number against text, or an order), or None."""
        shown = [n.show(t, None) for n, t in ((self.left, lt), (self.right, rt))]
        if not all(texts):
            return f"{shown[texts.index(True)]} is text, {shown[texts.index(False)]} is not"
        if self.op not in ("==", "!="):
            return f"{shown[0]} {self.op} {shown[1]}: text compares only with == or !="
        return None


def _negative_against_unit(side: _TermNode, t: _Term, other: _TermNode) -> str | None:
    """A signal compared with `1%`, `500ms` or `3k` is a ratio, duration or count:
    negative, it is implausible whatever unit its source gave (often none)."""
    if not isinstance(side, _Sig) or not isinstance(other, _Num) or other.unit is None:
        return None
    if isinstance(t.value, bool) or t.value is None or t.value >= 0:
        return None
    return f"{side.label} = {_num(float(t.value))} (implausible: compared with {other.text})"


def _compare(op: str, a: float, b: float) -> bool:
    if op in ("==", "!="):
        same = a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
        return same if op == "==" else not same
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


class _Not:
    def __init__(self, inner: _CondNode) -> None:
        self.inner = inner

    def names(self) -> Iterable[str]:
        return self.inner.names()

    def cond(self, ctx: _Ctx, negated: bool) -> _Out:
        out = self.inner.cond(ctx, not negated)
        flipped = {Status.PASS: Status.FAIL, Status.FAIL: Status.PASS}
        return _Out(flipped.get(out.status, Status.UNKNOWN), out.parts)


class _Logic:
    """`and`/`or` over two or more conditions (n-ary, so long chains do not recurse)."""

    def __init__(self, op: str, items: list[_CondNode]) -> None:
        self.op, self.items = op, items

    def names(self) -> Iterable[str]:
        for item in self.items:
            yield from item.names()

    def cond(self, ctx: _Ctx, negated: bool) -> _Out:
        outs = [item.cond(ctx, negated) for item in self.items]  # all: values are complete
        decisive = Status.FAIL if self.op == "and" else Status.PASS
        if any(o.status == decisive for o in outs):
            status = decisive
        elif any(o.status == Status.UNKNOWN for o in outs):
            status = Status.UNKNOWN
        else:
            status = Status.PASS if self.op == "and" else Status.FAIL
        if status == Status.PASS and self.op == "and" or status == Status.FAIL and self.op == "or":
            picked = outs
        else:
            picked = [o for o in outs if o.status == status]
        parts: list[str] = []
        for o in picked:
            parts.extend(p for p in o.parts if p not in parts)
        return _Out(status, tuple(parts))


_CondNode = _Truthy | _Cmp | _Not | _Logic


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, expr: str, toks: list[_Tok]) -> None:
        self.expr, self.toks, self.i, self.depth = expr, toks, 0, 0

    @property
    def tok(self) -> _Tok:
        return self.peek(0)

    def peek(self, ahead: int) -> _Tok:
        tok = self.toks[min(self.i + ahead, len(self.toks) - 1)]
        if tok.error is not None:
            raise tok.error
        return tok

    def fail(self, message: str, tok: _Tok | None = None) -> GateError:
        return GateError(message, (tok or self.tok).col, self.expr)

    def at_kw(self, word: str) -> bool:
        return self.tok.kind == "KW" and self.tok.text == word

    def deeper(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested too deeply (more than {MAX_DEPTH} levels)", tok)

    def top(self) -> _CondNode:
        node = self.or_()
        if self.tok.kind == "MINUS":
            raise self.fail("'-' only negates a number (arithmetic is not supported)")
        if self.tok.kind != "END":
            raise self.fail(f"expected 'and', 'or' or a comparison, found {_show(self.tok.text)}")
        return self.as_cond(node, top=True)

    def as_cond(self, node: object, top: bool = False, tok: _Tok | None = None) -> _CondNode:
        if isinstance(node, _Sig | _Bool) and not isinstance(node, _Agg):
            return _Truthy(node)
        if isinstance(node, _Str):
            raise GateError("a string is not a condition: compare a signal with it using ==",
                            node.col, self.expr)
        if isinstance(node, _Num | _Agg):
            if top:
                raise GateError("expression is a number, not a condition", node.col, self.expr)
            raise GateError("a number is not a condition: compare it", node.col, self.expr)
        assert isinstance(node, _Truthy | _Cmp | _Not | _Logic)
        return node

    def or_(self) -> object:
        return self.logic("or", self.and_)

    def and_(self) -> object:
        return self.logic("and", self.not_)

    def logic(self, word: str, sub: Callable[[], object]) -> object:
        first = sub()
        if not self.at_kw(word):
            return first
        items = [self.as_cond(first)]
        while self.at_kw(word):
            self.i += 1
            items.append(self.as_cond(sub()))
        return _Logic(word, items)

    def not_(self) -> object:
        if not self.at_kw("not"):
            return self.compare()
        tok = self.tok
        self.i += 1
        self.deeper(tok)
        inner = self.as_cond(self.not_())
        self.depth -= 1
        return _Not(inner)

    def compare(self) -> object:
        left = self.primary()
        if self.tok.kind != "OP":
            return left
        op = self.tok
        self.i += 1
        right = self.primary()
        for side in (left, right):
            if not isinstance(side, _Num | _Bool | _Str | _Sig):
                raise self.fail("a condition cannot be compared: use 'and'/'or'", op)
        if self.tok.kind == "OP":
            raise self.fail("comparisons cannot be chained: use 'and'")
        assert isinstance(left, _TermNode) and isinstance(right, _TermNode)
        self.check_text(op, left, right)
        return _Cmp(op.text, left, right)

    def check_text(self, op: _Tok, left: _TermNode, right: _TermNode) -> None:
        """A string literal compares with `==`/`!=` against a signal, nothing else."""
        strs = [side for side in (left, right) if isinstance(side, _Str)]
        if not strs:
            return
        if op.text not in ("==", "!="):
            raise self.fail(f"strings compare only with == or !=, not {op.text!r}", op)
        other = right if isinstance(left, _Str) else left
        if not isinstance(other, _Sig) or isinstance(other, _Agg):
            raise GateError("a string compares only with a signal", strs[0].col, self.expr)

    def primary(self) -> object:
        tok = self.tok
        if tok.kind == "LP":
            self.i += 1
            self.deeper(tok)
            inner = self.or_()
            if self.tok.kind != "RP":
                raise self.fail(
                    f"expected ')' to close '(' at col {tok.col}, found {_show(self.tok.text)}"
                )
            self.i += 1
            self.depth -= 1
            return inner
        if tok.kind == "NUM":
            self.i += 1
            return _Num(tok.value, tok.text, tok.unit, tok.col)
        if tok.kind == "MINUS":
            nxt = self.peek(1)
            if nxt.kind != "NUM":
                raise self.fail("'-' only negates a number (arithmetic is not supported)")
            self.i += 2
            return _Num(-nxt.value, "-" + nxt.text, nxt.unit, tok.col)
        if tok.kind == "KW" and tok.text in ("true", "false"):
            self.i += 1
            return _Bool(tok.text == "true", tok.col)
        if tok.kind == "STR":
            self.i += 1
            return _Str(tok.text, tok.col)
        if tok.kind == "NAME":
            self.i += 1
            if self.tok.kind != "LP":
                return _Sig(tok.text, tok.col)
            if tok.text not in AGGREGATES:
                raise self.fail(
                    f"unknown function {_show(tok.text)}: use {', '.join(AGGREGATES)}", tok
                )
            self.i += 1
            arg = self.tok
            if arg.kind != "NAME":
                raise self.fail(f"{tok.text}() takes one signal name, found {_show(arg.text)}")
            self.i += 1
            if self.tok.kind != "RP":
                raise self.fail(
                    f"expected ')' after {tok.text}({arg.text}, found {_show(self.tok.text)}"
                )
            self.i += 1
            return _Agg(tok.text, arg.text, tok.col)
        if tok.kind == "END":
            raise self.fail("expression ends too early: expected a signal, number or '('")
        raise self.fail(f"expected a signal, number or '(', found {_show(tok.text)}")


# --------------------------------------------------------------------------- API


class Gate:
    """A parsed gate; immutable and reusable across evaluations."""

    def __init__(self, expr: str, root: _CondNode) -> None:
        self.expr = expr
        self._root = root
        self._names = frozenset(root.names())

    def __repr__(self) -> str:
        return f"Gate({self.expr!r})"

    def names(self) -> frozenset[str]:
        """Every signal name the gate reads (callers check them against source patterns)."""
        return self._names

    def comparisons(self) -> list[Comparison]:
        """Every comparison in the gate, its operands described (for unit checks)."""
        return list(_comparisons(self._root))

    def evaluate(self, resolve: Callable[[str], Reading | str]) -> GateResult:
        """PASS/FAIL/UNKNOWN with why; `resolve` gives a fresh Reading or why there is none."""
        ctx = _Ctx(resolve)
        out = self._root.cond(ctx, False)
        return GateResult(out.status, _join(out.parts), dict(ctx.values))


@dataclass(frozen=True)
class Operand:
    """One side of a comparison: a signal (maybe aggregated) or a literal as written."""

    kind: str  # "signal" | "number" | "bool" | "text" | "other"
    text: str  # the signal's name (or `max(name)`), or the literal as written
    name: str | None = None  # the signal read
    fn: str | None = None  # the aggregate applied to it
    unit: str | None = None  # a number's suffix as written (ms, %, k, ...)


@dataclass(frozen=True)
class Comparison:
    op: str
    left: Operand
    right: Operand


def _operand(node: object) -> Operand:
    if isinstance(node, _Agg):
        return Operand("signal", node.label, node.name, node.fn)
    if isinstance(node, _Sig):
        return Operand("signal", node.name, node.name)
    if isinstance(node, _Num):
        return Operand("number", node.text, unit=node.unit)
    if isinstance(node, _Bool):
        return Operand("bool", "true" if node.value else "false")
    if isinstance(node, _Str):
        return Operand("text", _quote(node.value))
    return Operand("other", str(getattr(node, "text", "?")))


def _comparisons(node: object) -> Iterable[Comparison]:
    if isinstance(node, _Cmp):
        yield Comparison(node.op, _operand(node.left), _operand(node.right))
    elif isinstance(node, _Not | _Truthy):
        yield from _comparisons(node.inner)
    elif isinstance(node, _Logic):
        for item in node.items:
            yield from _comparisons(item)


def _join(parts: tuple[str, ...]) -> str:
    shown = list(parts[:MAX_PARTS])
    if len(parts) > MAX_PARTS:
        shown.append(f"+{len(parts) - MAX_PARTS} more")
    text = "; ".join(shown)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


def parse(expr: str) -> Gate:
    """Parse a gate expression; raises `GateError` (with a column) for anything else."""
    if not isinstance(expr, str):
        raise GateError("a gate must be a string", 1, repr(expr)[:MAX_LENGTH])
    if len(expr) > MAX_LENGTH:
        raise GateError(
            f"expression is too long ({len(expr)} characters, at most {MAX_LENGTH})",
            MAX_LENGTH + 1,
            expr,
        )
    toks = _tokenize(expr)
    if toks[0].kind == "END":
        raise GateError("empty expression", 1, expr)
    try:
        return Gate(expr, _Parser(expr, toks).top())
    except RecursionError:  # MAX_DEPTH keeps this out of reach; a caller's deep stack may not
        raise GateError("nested too deeply", 1, expr) from None
