"""No module in cockpit/ is over 550 lines: small modules with one job (issue #11 item 4).

A module that grows past the limit is split into modules whose names say their job
(as checklist_import.py and sim/prometheus.py were), not added to the exceptions.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "cockpit"
LIMIT = 550

# gates.py: the issue allows keeping the gate expression language whole (one cohesive job).
ALLOWED = {"gates.py"}
# Over the limit today and not yet split; each is to be split and then removed from here.
# They are named one by one so that any NEW large module still fails this test.
NOT_YET_SPLIT: set[str] = set()  # demo.py and sim/scenario.py were split into packages


def line_counts() -> dict[str, int]:
    """Lines of every module under cockpit/, keyed by its path relative to cockpit/."""
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(ROOT.rglob("*.py"))
    }


def test_no_module_over_the_limit() -> None:
    counts = line_counts()
    assert "checklist_import.py" in counts and "sim/prometheus/__init__.py" in counts
    too_long = {
        name: n for name, n in counts.items()
        if n > LIMIT and name not in ALLOWED | NOT_YET_SPLIT
    }
    assert not too_long, f"modules over {LIMIT} lines (split them): {too_long}"


def test_exceptions_name_existing_modules() -> None:
    """An exception naming no module (nor the package it was split into) is taken out."""
    counts = line_counts()
    missing = sorted(
        name for name in ALLOWED | NOT_YET_SPLIT
        if name not in counts and f"{name.removesuffix('.py')}/__init__.py" not in counts
    )
    assert not missing, f"exceptions naming no module: {missing}"
