"""The launch config: schema, loading and errors that name file:line:col and the field.

One YAML file per launch (see `examples/`). Each source has its own section model;
values are validated with pydantic, durations (`5s`, `2m`, `500ms`) become float
seconds, paths are resolved relative to the config file with `~` expanded, and
`${ENV_VAR}` / `${ENV_VAR:-default}` are interpolated in string values. Secrets never
sit in the file: a section names `*_env` or `*_file` and `read_secret` fetches them.
"""

from __future__ import annotations

import math
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cockpit.redact import redact, register_secret
from cockpit.yamlpos import Located, Position, YamlError, load_located

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
    """Base of every config section: unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


# ---------------------------------------------------------------- sections


_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
MAX_BODY_FILE = 10 << 20  # bytes: a small upload, not a load test


def _header_names(v: dict[str, Any]) -> dict[str, Any]:
    for name, value in v.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not an HTTP header name")
        if isinstance(value, str) and any(c in value for c in "\r\n\x00"):
            raise ValueError(f"header {name}: the value may not contain line breaks")
    return v


class HttpJob(Section):
    """A job-style check: the request submits a job, then `status_url` is polled until
    the field at `done_path` says `done_value` (or a `failed_values` one), within `deadline`."""

    status_url: str | None = None  # may hold {id}: the value at `id_path` of the answer
    id_path: str | None = None  # dotted JSON path, e.g. `id` or `job.id`
    done_path: str = "status"
    done_value: Any = "done"
    failed_values: list[Any] = Field(default_factory=lambda: ["failed", "error"])
    poll: Duration = 1.0
    deadline: Duration = 60.0

    @model_validator(mode="after")
    def _id_for_template(self) -> HttpJob:
        if self.status_url and "{id}" in self.status_url and not self.id_path:
            raise ValueError("status_url has {id}: say where it is with id_path")
        if self.poll <= 0 or self.deadline <= 0:
            raise ValueError("poll and deadline must be positive")
        return self


class HttpCheck(Section):
    """A built-in HTTP check of one URL: status code and latency, and what else is asked.

    Beyond GET-and-200: `method`, `headers` (plain), `headers_env` / `headers_file`
    (secret values, redacted everywhere), `body` or `body_file` (a small upload) with
    `content_type`, `expect_status` (a list), `expect_body` (a substring),
    `expect_json` (dotted path -> value), `read_headers` (response headers as
    `http.NAME.header.H` signals, "" when absent), `cors_origin` (sent as Origin;
    `http.NAME.cors_allowed`), and `job` (submit, then poll until done).
    """

    url: HttpUrl
    every: Duration = 10.0
    timeout: Duration = 5.0
    stale_after: Duration | None = None
    expect_status: list[int] = Field(default_factory=lambda: [200])
    verify: bool = True
    ca_file: ConfigPath | None = None
    token_env: str | None = None
    token_file: ConfigPath | None = None
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: Annotated[dict[str, str], AfterValidator(_header_names)] = Field(
        default_factory=dict)
    headers_env: Annotated[dict[str, str], AfterValidator(_header_names)] = Field(
        default_factory=dict)
    headers_file: Annotated[dict[str, ConfigPath], AfterValidator(_header_names)] = Field(
        default_factory=dict)
    body: str | None = None
    body_file: ConfigPath | None = None
    content_type: str | None = None
    expect_body: str | None = None
    expect_json: dict[str, Any] = Field(default_factory=dict)
    read_headers: list[str] = Field(default_factory=list)
    cors_origin: str | None = None
    job: HttpJob | None = None

    @field_validator("read_headers")
    @classmethod
    def _lower_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not re.match(r"^[a-z0-9][a-z0-9-]{0,99}$", name):
                raise ValueError(f"{name!r}: write response header names in lower case "
                                 "(letters, digits, '-')")
        return v

    @model_validator(mode="after")
    def _one_body(self) -> HttpCheck:
        if self.body is not None and self.body_file is not None:
            raise ValueError("give `body` or `body_file`, not both")
        return self



class TcpCheck(Section):
    """Is a dependency's port reachable (PostgreSQL, Redis, NATS, Qdrant...), and how fast."""

    address: str  # host:port
    every: Duration = 10.0
    timeout: Duration = 3.0
    stale_after: Duration | None = None

    @field_validator("address")
    @classmethod
    def _host_port(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("write host:port, e.g. db.internal:5432")
        return v

    @property
    def host(self) -> str:
        return self.address.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])


class TlsConfig(Section):
    """Certificates of every https:// and wss:// endpoint in the config (handshake only)."""

    enabled: bool = True
    every: Duration = 300.0
    timeout: Duration = 5.0
    stale_after: Duration | None = None
    endpoints: list[str] = Field(default_factory=list)  # more: https://host[:port] or host:port
    ca_file: ConfigPath | None = None  # for `endpoints` (the others use their own ca_file)


class AlertsConfig(Section):
    """Prometheus alerts (/api/v1/alerts) and rules (/api/v1/rules), via `prometheus:`."""

    every: Duration = 15.0
    stale_after: Duration | None = None
    severity_label: str = "severity"


class ReleaseConfig(Section):
    """The deployed release, read from the rollback target (helm status, or ECS)."""

    every: Duration = 30.0
    timeout: Duration = 20.0
    stale_after: Duration | None = None


class KubernetesConfig(Section):
    """Which clusters, namespaces and pods the kube source lists and watches.

    Like kubectl: `kubeconfig` (else $KUBECONFIG, else ~/.kube/config) and `context`
    (else the current one); `contexts: [a, b]` watches several clusters side by side.
    `namespace`/`namespaces` default to the context's namespace; `"*"` means all.
    In a pod with no kubeconfig (or `in_cluster: true`) the service account is used.
    """

    context: str | None = None
    contexts: list[str] = Field(default_factory=list)
    kubeconfig: ConfigPath | None = None
    namespace: str | None = None
    namespaces: list[str] = Field(default_factory=list)
    selector: str | None = None
    every: Duration = 2.0
    stale_after: Duration = 30.0
    in_cluster: bool = False
    warning_events: bool = True  # also watch Warning events (shown in pod detail)
    watch_timeout: Duration = 300.0  # server-side timeout of one watch request
    reconnect_min: Duration = 0.5  # backoff after a dropped connection, doubling...
    reconnect_max: Duration = 30.0  # ...up to this

    @model_validator(mode="after")
    def _one_way(self) -> KubernetesConfig:
        if self.context and self.contexts:
            raise ValueError("give `context` or `contexts`, not both")
        if self.namespace and self.namespaces:
            raise ValueError("give `namespace` or `namespaces`, not both")
        if self.reconnect_min <= 0 or self.reconnect_max < self.reconnect_min:
            raise ValueError("need 0 < reconnect_min <= reconnect_max")
        return self


class QueryConfig(Section):
    """One named Prometheus query, with how to show it and when it breaches."""

    query: str
    unit: Literal["ratio", "seconds", "count", "rate"] | None = None
    warn: float | None = None
    fail: float | None = None
    direction: Literal["above", "below"] = "above"
    for_: Duration = Field(default=0.0, alias="for")
    compare: Offset | None = None  # e.g. "1d" or "7d": the same query that long ago

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


    @field_validator("query")
    @classmethod
    def _nonempty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty PromQL expression")
        return v


class PrometheusConfig(Section):
    url: HttpUrl
    token_env: str | None = None
    token_file: ConfigPath | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: ConfigPath | None = None
    ca_file: ConfigPath | None = None
    verify: bool = True
    timeout: Duration = 10.0
    every: Duration = 5.0
    stale_after: Duration | None = None
    history: Duration = 1800.0
    retries: int = Field(default=1, ge=0, le=5)  # per query per cycle, for network trouble
    compare: Offset | None = None
    queries: dict[str, str | QueryConfig] = Field(default_factory=dict)



    @field_validator("queries")
    @classmethod
    def _names(cls, v: dict[str, str | QueryConfig]) -> dict[str, str | QueryConfig]:
        for name, q in v.items():
            if not re.match(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)*$", name):
                raise ValueError(
                    f"query name {name!r}: use lower-case letters, digits and _ (dots for groups)"
                )
            if isinstance(q, str) and not q.strip():
                raise ValueError(f"query {name!r} is empty")
        return v

    def query(self, name: str) -> QueryConfig:
        q = self.queries[name]
        return QueryConfig(query=q) if isinstance(q, str) else q


class GpuConfig(Section):
    """GPU pane: `dcgm` (cluster GPUs, via the `prometheus` section) or `nvml` (this host)."""

    source: Literal["dcgm", "nvml"] = "dcgm"
    every: Duration = 5.0
    stale_after: Duration | None = None
    idle_below: float = Field(default=0.05, ge=0.0, le=1.0)  # util at or below: idle
    saturated_above: float = Field(default=0.95, ge=0.0, le=1.0)  # util at or above: saturated
    mem_saturated_above: float = Field(default=0.95, ge=0.0, le=1.0)  # FB used / total
    selector: str = ""  # DCGM: extra PromQL label matchers, e.g. Hostname=~"gpu-.*"
    node_label: str = "Hostname"  # DCGM: the label naming the node (node, kubernetes_node...)
    history_points: int = Field(default=60, ge=2, le=1000)  # sparkline length

    @field_validator("selector")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v or "{" in v.strip().removeprefix("{") or "}" in v.strip().removesuffix("}"):
            raise ValueError('label matchers only, on one line, e.g. Hostname=~"gpu-.*"')
        return v.strip()


class GenericAsrProtocol(Section):
    """How to speak to a service that is neither vosk nor deepgram, without code.

    Paths are dotted JSON paths into each server message (`result.text`,
    `channel.alternatives.0.transcript`). With `final_flag_path`, the text at
    `final_path` is final when that flag is true and partial otherwise.
    """

    final_path: str
    partial_path: str | None = None
    final_flag_path: str | None = None
    start_message: dict[str, Any] | str | None = None
    end_message: dict[str, Any] | str | None = None


class AsrProbeConfig(Section):
    """The streaming ASR smoke probe: where, how, and what counts as passing."""

    url: str
    protocol: Literal["vosk", "deepgram", "generic"] = "vosk"
    generic: GenericAsrProtocol | None = None
    audio: ConfigPath
    expect: str | None = None  # default: the text file beside the audio (smoke-en.txt)
    every: Duration = 60.0
    stale_after: Duration | None = None
    # deadlines: every phase has one, and `timeout` bounds the whole probe
    timeout: Duration = 30.0
    connect_timeout: Duration = 5.0
    final_timeout: Duration = 10.0
    # streaming: 100 ms chunks at real-time pace; speed > 1 streams faster (load checks)
    chunk: Duration = 0.1
    speed: float = Field(default=1.0, gt=0, le=100)
    sample_rate: int = Field(default=16000, ge=8000, le=48000)
    # auth: a token from env or file, sent as `auth_header: auth_scheme token`
    token_env: str | None = None
    token_file: ConfigPath | None = None
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"  # "Token" for deepgram; "" sends the bare token
    headers: dict[str, str] = Field(default_factory=dict)  # extra, non-secret
    ca_file: ConfigPath | None = None
    verify: bool = True  # false only for a rehearsal: the probe warns on every run
    max_frame: int = Field(default=1 << 20, ge=1024)  # bytes; a larger server frame fails
    # pass thresholds
    max_wer: float = Field(default=0.2, ge=0, le=1)
    max_connect: Duration = 2.0
    max_first_partial: Duration = 2.0
    max_final_latency: Duration = 2.0

    @field_validator("url")
    @classmethod
    def _ws_url(cls, v: str) -> str:
        if not re.match(r"^wss?://", v):
            raise ValueError("must start with ws:// or wss://")
        return v

    @model_validator(mode="after")
    def _generic_needs_paths(self) -> AsrProbeConfig:
        if self.protocol == "generic" and self.generic is None:
            raise ValueError("protocol generic needs a `generic:` section (final_path at least)")
        return self


def _rollback_name(field: str) -> Any:
    """Release/namespace/context/cluster/service checks of cockpit.rollback.validate."""

    def check(value: str) -> str:
        from cockpit.rollback.validate import InvalidIdentifier, check  # noqa: PLC0415

        try:
            return check(field, value)
        except InvalidIdentifier as exc:
            raise ValueError(exc.why) from None

    return AfterValidator(check)


class HelmTarget(Section):
    release: Annotated[str, _rollback_name("release")]
    namespace: Annotated[str, _rollback_name("namespace")]
    # Context names are free-form in kubeconfigs (EKS: arn:aws:eks:...:cluster/prod).
    kube_context: Annotated[str, _rollback_name("context")] | None = None
    timeout: Duration = 300.0
    helm: str | None = None  # the helm binary; default $COCKPIT_HELM, else helm on PATH


class EcsTarget(Section):
    cluster: Annotated[str, _rollback_name("cluster")]
    service: Annotated[str, _rollback_name("service")]
    region: str | None = None
    endpoint_url: str | None = None
    timeout: Duration = 600.0  # follow the deployment this long to COMPLETED/FAILED


class RollbackConfig(Section):
    helm: HelmTarget | None = None
    ecs: EcsTarget | None = None
    lock_ttl: Duration = 1800.0  # a lock older than this is stale whoever holds it
    verify_within: Duration = 600.0  # not verified by then: "rollback NOT verified"
    # A second rollback within this long of the last one is refused without --again.
    quiet_time: Duration = 900.0
    state_dir: ConfigPath | None = None  # lock and journals; default beside the store

    @model_validator(mode="after")
    def _one_target(self) -> RollbackConfig:
        if (self.helm is None) == (self.ecs is None):
            raise ValueError("give exactly one rollback target: helm or ecs")
        return self


def _store_url(value: str) -> str:
    if "://" in value and not re.match(r"^(sqlite:///|postgres(ql)?://)", value):
        scheme = value.split("://", 1)[0]
        raise ValueError(f"{scheme}:// is not a store: use sqlite:///PATH or postgresql://...")
    return value


class StoreConfig(Section):
    """`store:` as a mapping: the URL and where its password comes from (never the file).

    Without password_env/password_file, libpq's own ways apply (PGPASSWORD, PGPASSFILE,
    ~/.pgpass). `journal` is the local file events wait in while the shared log is away.
    """

    url: Annotated[str, AfterValidator(_store_url)]
    password_env: str | None = None
    password_file: ConfigPath | None = None
    journal: ConfigPath | None = None


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
    def _dcgm_needs_prometheus(self) -> LaunchConfig:
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
