"""The launch config: schema, loading and errors that name file:line:col and the field.

One YAML file per launch (see `examples/`). Each source has its own section model;
values are validated with pydantic, durations (`5s`, `2m`, `500ms`) become float
seconds, paths are resolved relative to the config file with `~` expanded, and
`${ENV_VAR}` / `${ENV_VAR:-default}` are interpolated in string values. Secrets never
sit in the file: a section names `*_env` or `*_file` and `read_secret` fetches them.

The package's modules: `fields` (durations, paths, names, `Section`, `read_secret`),
`checks` (http/tcp/tls/alerts/release sections), `sections` (kubernetes, prometheus,
gpu, asr_probe, rollback, store), `loading` (`LaunchConfig`, `load_config`) and
`errors` (`ConfigProblem`, `ConfigError`). Import from `cockpit.config` itself.
The modules of the sections do without `from __future__ import annotations`:
pydantic would evaluate each of their annotations from its string at start-up.
"""

from __future__ import annotations

from cockpit.config.checks import (
    MAX_BODY_FILE,
    AlertsConfig,
    HttpCheck,
    HttpJob,
    ReleaseConfig,
    TcpCheck,
    TlsConfig,
)
from cockpit.config.errors import ConfigError, ConfigProblem
from cockpit.config.fields import (
    ConfigPath,
    Duration,
    HttpUrl,
    Identifier,
    Offset,
    Section,
    format_duration,
    parse_duration,
    read_secret,
)
from cockpit.config.loading import LaunchConfig, load_config
from cockpit.config.sections import (
    AsrProbeConfig,
    EcsTarget,
    GenericAsrProtocol,
    GpuConfig,
    HelmTarget,
    KubernetesConfig,
    PrometheusConfig,
    QueryConfig,
    RollbackConfig,
    StoreConfig,
)

__all__ = [
    "MAX_BODY_FILE", "AlertsConfig", "AsrProbeConfig", "ConfigError", "ConfigPath",
    "ConfigProblem", "Duration", "EcsTarget", "GenericAsrProtocol", "GpuConfig",
    "HelmTarget", "HttpCheck", "HttpJob", "HttpUrl", "Identifier", "KubernetesConfig",
    "LaunchConfig", "Offset", "PrometheusConfig", "QueryConfig", "ReleaseConfig",
    "RollbackConfig", "Section", "StoreConfig", "TcpCheck", "TlsConfig",
    "format_duration", "load_config", "parse_duration", "read_secret",
]
