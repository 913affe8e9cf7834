"""Field types of the launch config: durations, paths, plain names, URLs, and secrets.

Durations (`5s`, `2m`, `500ms`) become float seconds; paths resolve relative to the
config file with `~` expanded; `Section` forbids unknown keys so typos never pass.
"""

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
)

from cockpit.config.errors import ConfigError, ConfigProblem
from cockpit.redact import register_secret

# ---------------------------------------------------------------- field types

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """`5s`, `2m`, `500ms`, `1h`, `1d` or a bare number of seconds -> float seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 5s, 2m or 500ms")
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):  # `.nan`: `age > nan` is never true, so never stale
            raise ValueError(f"{value!r} is not a duration; write e.g. 5s, 2m, 500ms or 1h")
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; write e.g. 5s, 2m, 500ms or 1h")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < 0 or seconds > 366 * 86400:
        raise ValueError(f"duration {value!r} is out of range")
    return seconds


def format_duration(seconds: float) -> str:
    """Inverse of parse_duration for display: 300 -> '5m', 0.5 -> '500ms'."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[float, BeforeValidator(parse_duration)]


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    path = Path(os.path.expanduser(str(value)))
    if not path.is_absolute() and base is not None:
        path = Path(os.path.normpath(Path(base) / path))
    return path


ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]

_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


def _identifier(value: str) -> str:
    """Names that reach command lines (releases, namespaces, contexts) must be plain."""
    if not _IDENT.match(value):
        raise ValueError(
            f"{value!r} is not a plain name (letters, digits, '.', '_', '-'; not starting with '-')"
        )
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


def _http_url(value: str) -> str:
    if not re.match(r"^https?://", value):
        raise ValueError("must start with http:// or https://")
    return value


def _positive_offset(value: str) -> str:
    if parse_duration(value) <= 0:
        raise ValueError("compare needs a positive offset such as 1d or 7d")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Offset = Annotated[str, AfterValidator(_positive_offset)]  # `compare: 1d`: that long ago


class Section(BaseModel):
    """Base of every config section: unknown keys are errors (typos must not pass).

    Each section's validator is built when it is first needed (`defer_build`), not when
    its class is made: `LaunchConfig` builds one validator holding every section when
    a file is first loaded, and a section used on its own (`QueryConfig(query=...)`)
    builds its own then. Built at class creation, each of the 17 classes made a
    validator and a serializer that loading a config never used (issue 14: first frame).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def read_secret(env: str | None = None, file: Path | None = None) -> str | None:
    """The secret from `$env` or from `file` (first line), registered for redaction."""
    value: str | None = None
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError([ConfigProblem(None, env, f"environment variable {env} is not set")])
    elif file:
        try:
            value = Path(file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                [ConfigProblem(None, str(file), f"cannot read secret file: {exc.strerror}")]
            ) from None
    register_secret(value)
    return value
