"""Config sections of the built-in checks: http, tcp, tls, alerts and release.
"""

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
    model_validator,
)

from cockpit.config.fields import ConfigPath, Duration, HttpUrl, Section

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
    def _id_for_template(self) -> Self:
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
    def _one_body(self) -> Self:
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
