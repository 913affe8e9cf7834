"""The GPUs of the cluster, from NVIDIA DCGM exporter metrics in Prometheus.

One instant query for all the DCGM fields (`{__name__=~"DCGM_FI_DEV_GPU_UTIL|..."}`: one
request every sample instead of six), split by metric name and joined per (node, GPU).
The node comes from the configured label (`Hostname` as dcgm-exporter sets it, or
`node`/`kubernetes_node` where the scrape config relabels), the pod holding a GPU from
the exporter's `pod`/`namespace`/`container` labels. Units as DCGM gives them: utilization in %,
framebuffer in MiB (total = used + free), temperature in °C, power in W, and
`DCGM_FI_DEV_XID_ERRORS` the last XID code seen (0: none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cockpit.model import Series
from cockpit.sources.gpu_model import GpuReadError, GpuStat

if TYPE_CHECKING:
    from cockpit.config import LaunchConfig
    from cockpit.sources.prom_api import PromClient

MIB = 1024.0 * 1024.0

# Our field -> the DCGM exporter metric.
FIELDS: Mapping[str, str] = {
    "util": "DCGM_FI_DEV_GPU_UTIL",
    "fb_used": "DCGM_FI_DEV_FB_USED",
    "fb_free": "DCGM_FI_DEV_FB_FREE",
    "temp": "DCGM_FI_DEV_GPU_TEMP",
    "power": "DCGM_FI_DEV_POWER_USAGE",
    "xid": "DCGM_FI_DEV_XID_ERRORS",
}

# Where the node name may be, after the configured label.
NODE_FALLBACKS = ("Hostname", "node", "kubernetes_node", "instance")

Key = tuple[str, str]


def selector_expr(metric: str, selector: str) -> str:
    """`metric{selector}`; the selector is extra label matchers, e.g. `Hostname=~"gpu-.*"`."""
    sel = selector.strip().removeprefix("{").removesuffix("}").strip()
    return f"{metric}{{{sel}}}" if sel else metric


def fields_expr(selector: str) -> str:
    """Every DCGM field in one selector: `{__name__=~"A|B|...", selector}`."""
    sel = selector.strip().removeprefix("{").removesuffix("}").strip()
    names = "|".join(FIELDS.values())
    return f'{{__name__=~"{names}"' + (f", {sel}}}" if sel else "}")


class DcgmReader:
    """Reads DCGM series through a PromClient (made lazily from the config, or injected)."""

    kind = "dcgm"

    def __init__(
        self,
        client: PromClient | None = None,
        *,
        selector: str = "",
        node_label: str = "Hostname",
        config: LaunchConfig | None = None,
        owns_client: bool | None = None,
    ) -> None:
        self._client = client
        # A client made here is closed here; an injected one only when told so.
        self._owns_client = client is None if owns_client is None else owns_client
        self._config = config
        self.selector = selector
        self.node_label = node_label
        self._setup_error: str | None = None

    @classmethod
    def from_config(cls, config: LaunchConfig) -> DcgmReader:
        gpu = config.gpu
        return cls(
            None,
            selector=gpu.selector if gpu else "",
            node_label=gpu.node_label if gpu else "Hostname",
            config=config,
        )

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._ensure_client()

    def _ensure_client(self) -> PromClient:
        if self._client is not None:
            return self._client
        prom = getattr(self._config, "prometheus", None)
        if prom is None:
            raise GpuReadError(
                "DCGM needs Prometheus: `gpu: {source: dcgm}` but the config has no `prometheus`"
            )
        from cockpit.sources.prometheus import client_from_config

        try:
            self._client = client_from_config(prom)
        except Exception as exc:  # a missing secret, an unreadable CA file
            raise GpuReadError(f"Prometheus client not created: {exc}") from exc
        return self._client

    async def close(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.close()

    # ------------------------------------------------------------ reading

    def _key(self, labels: Mapping[str, str]) -> Key:
        node = labels.get(self.node_label) or next(
            (labels[n] for n in NODE_FALLBACKS if labels.get(n)), "?"
        )
        gpu = (
            labels.get("gpu")
            or labels.get("device", "").removeprefix("nvidia")
            or labels.get("UUID", "?")
        )
        return (node, gpu)

    async def read(self, time: float | None = None) -> list[GpuStat]:
        from cockpit.sources.prom_api import PromError

        try:
            client = self._ensure_client()
        except GpuReadError:
            raise
        try:
            series = await client.query(fields_expr(self.selector), time=time)
        except PromError as exc:
            raise GpuReadError(f"DCGM metrics from Prometheus: {exc.message}") from exc
        field_of = {metric: field for field, metric in FIELDS.items()}
        results: dict[str, list[Series]] = {field: [] for field in FIELDS}
        for s in series:
            labels = dict(s.labels)
            field = field_of.get(labels.pop("__name__", ""))
            if field is not None:
                results[field].append(Series(labels=labels, value=s.value))
        return self.join(results)

    def join(self, results: Mapping[str, list[Series]]) -> list[GpuStat]:
        """Per-field series -> one GpuStat per (node, GPU). Pure, for tests too."""
        rows: dict[Key, dict[str, Any]] = {}
        for field, series in results.items():
            for s in series:
                key = self._key(s.labels)
                row = rows.setdefault(key, {"labels": {}})
                row["labels"].update(s.labels)
                if s.value is not None:
                    row[field] = s.value
        gpus = []
        for (node, gpu), row in rows.items():
            labels = row["labels"]
            used, free = row.get("fb_used"), row.get("fb_free")
            util = row.get("util")
            gpus.append(
                GpuStat(
                    node=node,
                    gpu=gpu,
                    uuid=labels.get("UUID", ""),
                    model=labels.get("modelName", ""),
                    util=None if util is None else util / 100.0,
                    mem_used=None if used is None else used * MIB,
                    mem_total=None if used is None or free is None else (used + free) * MIB,
                    temp=row.get("temp"),
                    power=row.get("power"),
                    xid=int(row.get("xid") or 0),
                    pod=labels.get("pod", ""),
                    namespace=labels.get("namespace", ""),
                    container=labels.get("container", ""),
                )
            )
        return gpus

    async def backfill(self, end: float, span: float, step: float) -> dict[Key, list[float]]:
        """Utilization history per GPU over the last `span` seconds, for the sparklines."""
        from cockpit.sources.prom_api import PromError

        client = self._ensure_client()
        expr = selector_expr(FIELDS["util"], self.selector)
        try:
            series = await client.query_range(expr, end - span, end, step)
        except PromError as exc:
            raise GpuReadError(f"DCGM history from Prometheus: {exc.message}") from exc
        return {
            self._key(s.labels): [v / 100.0 for _, v in s.points if v is not None] for s in series
        }
