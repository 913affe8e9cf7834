"""The view of an HTTP check (`http.NAME`): up, status code, latency, why it failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.model import Reading
from cockpit.views import View, ViewContext


@dataclass(frozen=True)
class HttpView(View):
    """One check's latest readings (None until the first sample) and its failure reason."""

    up: Reading | None = None
    code: Reading | None = None
    latency: Reading | None = None
    reason: str = ""


@dataclass(frozen=True)
class HttpChecks:
    """Several checks, as the HTTP pane shows them (one row each)."""

    checks: tuple[HttpView, ...]


def http_view(ctx: ViewContext) -> HttpView:
    """An HTTP check's view from its readings (`NAME.up`, `.status`, `.latency`)."""
    up = ctx.readings.get(f"{ctx.source}.up")
    reason = ""
    if up is not None:
        detail: Any = up.detail
        reason = up.error or str((detail or {}).get("reason", "") or "")
    return HttpView(ctx.source, ctx.status, ctx.at, up=up,
                    code=ctx.readings.get(f"{ctx.source}.status"),
                    latency=ctx.readings.get(f"{ctx.source}.latency"), reason=reason)
