"""DCGM series -> GPUs: joining, label fallbacks, units, and failures, with no server.

The real-Prometheus path is in tests/integration/test_gpu_dcgm.py; here the client
is a stand-in that returns given series or raises the PromError a real one would.
"""

from __future__ import annotations

import re

import pytest

from cockpit.model import Series
from cockpit.sources.gpu import GpuSource, build_gpu_source
from cockpit.sources.gpu_dcgm import FIELDS, MIB, DcgmReader, fields_expr, selector_expr
from cockpit.sources.gpu_model import GpuReadError
from cockpit.sources.prom_api import UNREACHABLE, PromError
from tests.support.gpu import END, dcgm_openmetrics, fleet_2x8


class StubClient:
    def __init__(
        self, answers: dict[str, list[Series]] | None = None, error: PromError | None = None
    ):
        self.answers = answers or {}
        self.error = error
        self.asked: list[tuple[str, float | None]] = []

    async def query(self, expr: str, time: float | None = None) -> list[Series]:
        """A bare metric's series; for `{__name__=~"A|B"}`, each named metric's, with
        its `__name__`, as Prometheus answers."""
        self.asked.append((expr, time))
        if self.error:
            raise self.error
        named = re.match(r'\{__name__=~"([^"]*)"', expr)
        if named is None:
            return self.answers.get(expr.split("{")[0], [])
        return [Series({"__name__": m, **x.labels}, x.value)
                for m in named.group(1).split("|") for x in self.answers.get(m, [])]

    async def close(self) -> None:
        pass


def s(value: float | None, **labels: str) -> Series:
    return Series(labels=labels, value=value)


def test_selector_expr():
    assert selector_expr("DCGM_FI_DEV_GPU_UTIL", "") == "DCGM_FI_DEV_GPU_UTIL"
    assert selector_expr("M", ' Hostname=~"gpu-.*" ') == 'M{Hostname=~"gpu-.*"}'
    assert selector_expr("M", '{job="dcgm"}') == 'M{job="dcgm"}'


def test_join_units_pods_and_partial_fields():
    lab = {"gpu": "3", "UUID": "GPU-x", "modelName": "NVIDIA L4", "Hostname": "n1", "pod": "p"}
    gpus = DcgmReader().join(
        {
            "util": [s(42, **lab), s(7, gpu="0", Hostname="n2")],
            "fb_used": [s(1000, **lab)],
            "fb_free": [s(3000, **lab)],
            "temp": [s(55, **lab)],
            "power": [s(71.5, **lab)],
            "xid": [s(0, **lab), s(None, gpu="0", Hostname="n2")],
        }
    )
    by_key = {g.key: g for g in gpus}
    g = by_key[("n1", "3")]
    assert (g.util, g.mem_used, g.mem_total) == (0.42, 1000 * MIB, 4000 * MIB)
    assert (g.temp, g.power, g.xid, g.pod, g.model, g.uuid) == (
        55,
        71.5,
        0,
        "p",
        "NVIDIA L4",
        "GPU-x",
    )
    n2 = by_key[("n2", "0")]
    assert n2.util == pytest.approx(0.07)
    assert n2.mem_used is None and n2.mem_total is None and n2.mem_ratio is None


def test_node_label_and_fallbacks():
    r = DcgmReader(node_label="kubernetes_node")
    assert r._key({"kubernetes_node": "k1", "Hostname": "exporter-pod", "gpu": "1"}) == ("k1", "1")
    assert r._key({"Hostname": "h1", "gpu": "2"}) == ("h1", "2")  # configured label absent
    assert r._key({"instance": "10.0.0.1:9400", "device": "nvidia5"}) == ("10.0.0.1:9400", "5")


async def test_reader_asks_every_field_in_one_query_at_the_given_time():
    client = StubClient({"DCGM_FI_DEV_GPU_UTIL": [s(50, gpu="0", Hostname="a")],
                         "DCGM_FI_DEV_GPU_TEMP": [s(61, gpu="0", Hostname="a")]})
    reader = DcgmReader(client, selector='job="dcgm-exporter"')
    gpus = await reader.read(time=END)
    assert [(g.util, g.temp) for g in gpus] == [(0.5, 61)]
    names = "|".join(FIELDS.values())
    assert client.asked == [(f'{{__name__=~"{names}", job="dcgm-exporter"}}', END)]
    assert fields_expr("") == f'{{__name__=~"{names}"}}'


async def test_prometheus_error_becomes_one_gpu_read_error():
    client = StubClient(error=PromError(UNREACHABLE, "cannot reach http://p:9090: refused"))
    with pytest.raises(GpuReadError, match=r"^DCGM metrics from Prometheus: cannot reach"):
        await DcgmReader(client).read()


def test_dcgm_without_prometheus_section_is_a_config_error():
    from pydantic import ValidationError

    from cockpit.config import LaunchConfig

    with pytest.raises(ValidationError, match="add a `prometheus:` section"):
        LaunchConfig.model_validate({"launch": "t", "checklist": "c.yaml", "gpu": {}})


def test_build_gpu_source_from_config():
    from cockpit.config import LaunchConfig
    from cockpit.sources import build_sources

    base = {"launch": "t", "checklist": "c.yaml"}
    assert not any(s.name == "gpu" for s in build_sources(LaunchConfig.model_validate(base)))
    cfg = LaunchConfig.model_validate({**base, "gpu": {"source": "nvml", "every": "2s"}})
    src = build_gpu_source(cfg)
    assert src is not None and src.reader.kind == "nvml" and src.interval == 2.0
    assert src.stale_after == 15.0
    cfg = LaunchConfig.model_validate(
        {**base, "gpu": {"source": "dcgm"}, "prometheus": {"url": "http://127.0.0.1:1"}}
    )
    (src,) = [s for s in build_sources(cfg) if s.name == "gpu"]
    assert isinstance(src, GpuSource) and src.reader.kind == "dcgm"


def test_openmetrics_dataset_shape():
    text = dcgm_openmetrics(span=30, step=15)
    assert text.endswith("# EOF\n")
    lines = [x for x in text.splitlines() if x and not x.startswith("#")]
    assert len(lines) == len(FIELDS) * 16 * 3  # 6 metrics x 16 GPUs x 3 scrapes
    first = next(x for x in lines if 'Hostname="gpu-node-a"' in x and 'gpu="4"' in x)
    for label in ('UUID="GPU-', 'device="nvidia4"', 'modelName="NVIDIA H100 80GB HBM3"'):
        assert label in first
    assert 'pod="asr-worker-a4",' in first and 'namespace="asr"' in first
    assert len(fleet_2x8()) == 16


def test_gpu_config_fields_and_checks():
    from pydantic import ValidationError

    from cockpit.config import GpuConfig

    cfg = GpuConfig.model_validate(
        {
            "selector": ' Hostname=~"gpu-.*" ',
            "node_label": "node",
            "idle_below": 0.1,
            "every": "15s",
        }
    )
    assert (cfg.selector, cfg.node_label, cfg.idle_below, cfg.every) == (
        'Hostname=~"gpu-.*"',
        "node",
        0.1,
        15.0,
    )
    assert GpuConfig().mem_saturated_above == 0.95 and GpuConfig().history_points == 60
    for bad in ({"selector": 'a="1"} or vector(1) or up{'}, {"idle_below": 5}, {"sauce": "x"}):
        with pytest.raises(ValidationError):
            GpuConfig.model_validate(bad)
