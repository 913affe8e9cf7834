"""Config sections of the bigger sources and the rollback: kubernetes, prometheus, gpu,
asr_probe, rollback and store.
"""

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from cockpit.config.fields import ConfigPath, Duration, HttpUrl, Offset, Section

# ---------------------------------------------------------------- sections


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
    def _one_way(self) -> Self:
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

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True,
                              populate_by_name=True)


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
    def _generic_needs_paths(self) -> Self:
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
    def _one_target(self) -> Self:
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
