"""Config problems: each names file:line:col, the field, and what is wrong.
"""

from __future__ import annotations

from cockpit.redact import redact
from cockpit.yamlpos import Position

# ---------------------------------------------------------------- errors


class ConfigProblem:
    """One problem: where (file:line:col), which field, what."""

    def __init__(self, position: Position | None, field: str | None, message: str) -> None:
        self.position = position
        self.field = field
        self.message = redact(message)

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"


class ConfigError(Exception):
    """Every problem found in a config, one readable line each."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
