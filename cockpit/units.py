"""What a gate compares must be the same kind of quantity.

`p95_latency < 1%` parses, but compares seconds with a ratio: it would fail for ever and
show `31.72%` for 0.317 s. Signals carry a unit (a Prometheus query's `unit:`, the
built-in signals' own); a gate's literals carry the suffix the author wrote. Each unit
belongs to a dimension, and a comparison across two known dimensions is a validation
error naming both. A literal without a suffix (or with `k`/`M`) is a bare number and
goes with anything; a signal whose unit is not known is not checked.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.gates import Comparison, Gate, Operand

# A signal's unit (as sources write it) -> its dimension.
_SIGNAL_DIMENSION: dict[str, str] = {
    "seconds": "duration",
    "s": "duration",
    "ratio": "ratio",
    "%": "ratio",
    "count": "count",
    "GPUs": "count",
    "rate": "rate",
    "bool": "bool",
    "°C": "temperature",
    "W": "power",
    "code": "status code",
    "text": "text",  # versions, statuses, image tags: compared with "..." only
}
# A gate literal's suffix -> its dimension (`k`, `M` and none: a bare number).
_LITERAL_DIMENSION: dict[str, str] = {"ms": "duration", "s": "duration", "m": "duration",
                                      "h": "duration", "%": "ratio"}
_EXAMPLE = {"duration": "500ms or 2s", "ratio": "1% or 0.01", "count": "3", "rate": "100",
            "bool": "true", "text": '"2.4.0"', "temperature": "85", "power": "300",
            "status code": "200"}


def dimension(unit: str | None) -> str | None:
    """The dimension of a signal's unit; None when the unit is not known."""
    return _SIGNAL_DIMENSION.get(unit) if unit else None


def _describe(dim: str, unit: str | None) -> str:
    article = "an" if dim[0] in "aeiou" else "a"
    if dim == "bool":
        return "true/false"
    if dim == "text":
        return "text"
    return f"{article} {dim}" + (f" ({unit})" if unit and unit != dim else "")


def _side(op: Operand, unit_of: Callable[[str], str | None]) -> tuple[str | None, str]:
    """(dimension, description) of one operand."""
    if op.kind == "signal" and op.name is not None:
        if op.fn == "count":
            return "count", f"{op.text} is a count"
        unit = unit_of(op.name)
        dim = dimension(unit)
        return dim, f"{op.text} is {_describe(dim, unit)}" if dim else op.text
    if op.kind == "number":
        dim = _LITERAL_DIMENSION.get(op.unit or "")
        return dim, f"{op.text} is {_describe(dim, op.unit)}" if dim else op.text
    if op.kind == "bool":
        return "bool", f"{op.text} is true/false"
    if op.kind == "text":
        return "text", f"{op.text} is text"
    return None, op.text


def comparison_problem(cmp: Comparison, unit_of: Callable[[str], str | None]) -> str | None:
    """Why `cmp` compares two different kinds of quantity, or None."""
    (ld, ltext), (rd, rtext) = _side(cmp.left, unit_of), _side(cmp.right, unit_of)
    if ld is None or rd is None or ld == rd:
        return None
    if "signal" not in (cmp.left.kind, cmp.right.kind):
        return None  # two literals: a constant, shown as such
    signal_dim = ld if cmp.left.kind == "signal" else rd
    hint = f" (write it as {_EXAMPLE[signal_dim]})" if signal_dim in _EXAMPLE else ""
    return f"{ltext} but {rtext}: they cannot be compared{hint}"


def gate_problems(gate: Gate, unit_of: Callable[[str], str | None]) -> list[str]:
    """One message per comparison of mismatched units in `gate`."""
    found = []
    for cmp in gate.comparisons():
        problem = comparison_problem(cmp, unit_of)
        if problem is not None and problem not in found:
            found.append(problem)
    return found


def unit_of_sources(sources: list) -> Callable[[str], str | None]:  # list[Source]
    """`unit_of(name)` over configured sources: the first that produces `name` and says
    its unit (a source's optional `signal_unit(name)`)."""
    import fnmatch

    def unit_of(name: str) -> str | None:
        for source in sources:
            says = getattr(source, "signal_unit", None)
            if says is None:
                continue
            if any(fnmatch.fnmatchcase(name, p) for p in source.signal_patterns()):
                unit = says(name)
                if unit is not None:
                    return unit
        return None

    return unit_of
