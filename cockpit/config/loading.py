"""The whole launch file (`LaunchConfig`) and `load_config`, which validates it and turns
every pydantic error into a `ConfigProblem` at its file:line:col.
"""

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from cockpit.config.checks import AlertsConfig, HttpCheck, ReleaseConfig, TcpCheck, TlsConfig
from cockpit.config.errors import ConfigError, ConfigProblem
from cockpit.config.fields import ConfigPath, Section
from cockpit.config.sections import (
    AsrProbeConfig,
    GpuConfig,
    KubernetesConfig,
    PrometheusConfig,
    RollbackConfig,
    StoreConfig,
)
from cockpit.yamlpos import Located, Position, YamlError, load_located

# ---------------------------------------------------------------- the file


def _store_section(value: Any) -> Any:
    return {"url": value} if isinstance(value, str) else value


class LaunchConfig(Section):
    """The whole launch config file."""

    launch: str
    window_opens: datetime | None = None
    checklist: ConfigPath
    layout: str | None = None
    store: Annotated[StoreConfig | None, BeforeValidator(_store_section)] = None
    bus: str | None = None
    captains: list[str] = Field(default_factory=list)
    watchers: list[str] = Field(default_factory=list)  # read-only screens for these people
    read_only: bool = False  # a stakeholder's config: no actions for anyone using it
    bell_on_nogo: bool = True
    http: dict[str, HttpCheck] = Field(default_factory=dict)
    kubernetes: KubernetesConfig | None = None
    prometheus: PrometheusConfig | None = None
    gpu: GpuConfig | None = None
    asr_probe: AsrProbeConfig | None = None
    rollback: RollbackConfig | None = None
    tcp: dict[str, TcpCheck] = Field(default_factory=dict)
    tls: TlsConfig | None = None  # absent: on, with defaults
    alerts: AlertsConfig | None = None
    release: ReleaseConfig | None = None

    # Set by load_config, not by the file.
    path: Path | None = Field(default=None, exclude=True)
    _located: Located | None = PrivateAttr(default=None)

    def problem(self, field_path: tuple[str | int, ...], message: str) -> ConfigProblem:
        """A problem with one of this config's values, found after loading (a missing
        audio file, an unknown layout name), at that value's file:line:col."""
        located = self._located
        position = located.position(field_path) if located is not None else (
            Position(str(self.path), 1, 1) if self.path else None)
        if located is not None:
            message = located.unquote(message)
        return ConfigProblem(position, ".".join(str(p) for p in field_path), message)

    @field_validator("http", "tcp")
    @classmethod
    def _check_names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not re.match(r"^[a-z][a-z0-9_-]*$", name):
                raise ValueError(f"check name {name!r}: use lower-case letters, digits, _ or -")
        return v

    @model_validator(mode="after")
    def _dcgm_needs_prometheus(self) -> Self:
        if self.gpu is not None and self.gpu.source == "dcgm" and self.prometheus is None:
            raise ValueError("gpu.source dcgm reads DCGM metrics through Prometheus: add a "
                             "`prometheus:` section, or use gpu.source: nvml on a GPU host")
        if self.alerts is not None and self.prometheus is None:
            raise ValueError("alerts are read from Prometheus: add a `prometheus:` section")
        if self.release is not None and self.rollback is None:
            raise ValueError("the release is read from the rollback target: add a `rollback:` "
                             "section (helm or ecs)")
        return self

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def store_url(self) -> str | None:
        return self.store.url if self.store is not None else None

    def store_path(self) -> Path:
        """The local SQLite file of this launch: its event log for a sqlite store, the
        offline journal's default place (beside the rollback state) for a shared one."""
        from cockpit.store.spec import default_local_path, sqlite_path

        path = sqlite_path(self.store_url, self.base_dir)
        if path is None and self.store is not None and self.store.journal is not None:
            path = self.store.journal
        return path if path is not None else default_local_path(self.launch)


def _problems_from(exc: ValidationError, located: Located) -> list[ConfigProblem]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        # pydantic reports union members (`str`, `QueryConfig`) as loc parts: drop them.
        loc = tuple(p for p in loc if p not in ("str", "QueryConfig", "function-after"))
        dotted = ".".join(str(p) for p in loc) or "(top)"
        message = located.unquote(err["msg"].removeprefix("Value error, "))
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see examples/reference.yaml)"
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(ConfigProblem(located.position(loc), dotted, message))
    return sorted(problems, key=lambda p: (p.position.line, p.position.column)
                  if p.position else (0, 0))


def load_config(path: str | os.PathLike[str]) -> LaunchConfig:
    """Load and validate a launch config; raises ConfigError listing every problem."""
    file = Path(path)
    try:
        located = load_located(file, interpolate_env=True)
    except YamlError as exc:
        raise ConfigError([ConfigProblem(exc.position, None, exc.message)]) from None
    if not isinstance(located.data, dict):
        raise ConfigError([ConfigProblem(located.position(()), None, "expected a mapping")])
    try:
        config = LaunchConfig.model_validate(
            located.data, context={"base_dir": file.resolve().parent}
        )
    except ValidationError as exc:
        raise ConfigError(_problems_from(exc, located)) from None
    config = config.model_copy(update={"path": file.resolve()})
    config._located = located
    return config
