"""bench_peers measures the cockpit as issue 14 does: the demo's config with every source
at its default interval (the rehearsal samples quicker), the upload job at the reference
config's 5 m; nothing else of the config changes."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from bench.bench_peers import JOB_EVERY, at_default_intervals
from cockpit.config import load_config, parse_duration
from cockpit.config.checks import AlertsConfig, HttpCheck, ReleaseConfig, TcpCheck, TlsConfig
from cockpit.config.sections import AsrProbeConfig, GpuConfig, KubernetesConfig, PrometheusConfig
from cockpit.demo import Demo, DemoOptions
from tests.support.require import missing


@pytest.fixture
def demo(tmp_path):
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    running = Demo(DemoOptions(workdir=str(tmp_path / "demo"), scripted_fault=False)).start()
    yield running
    running.stop()


def _default(model: type, field: str = "every") -> float:
    return model.model_fields[field].default


def test_every_source_at_its_default_interval_and_the_rest_as_the_demo(demo) -> None:
    rehearsal = demo.dir / "launch.yaml"
    quick = load_config(rehearsal)
    assert quick.http["health"].every < _default(HttpCheck)  # the rehearsal's own pace
    assert quick.asr_probe.every < _default(AsrProbeConfig)

    out = at_default_intervals(rehearsal)
    cfg = load_config(out)  # a valid launch config
    for name, check in cfg.http.items():
        want = parse_duration(JOB_EVERY) if check.job is not None else _default(HttpCheck)
        assert check.every == want, name
    assert all(c.every == _default(TcpCheck) for c in cfg.tcp.values())
    for section, model in ((cfg.tls, TlsConfig), (cfg.alerts, AlertsConfig),
                           (cfg.release, ReleaseConfig), (cfg.kubernetes, KubernetesConfig),
                           (cfg.prometheus, PrometheusConfig), (cfg.gpu, GpuConfig),
                           (cfg.asr_probe, AsrProbeConfig)):
        assert section is not None and section.every == _default(model), model.__name__

    # Everything but the intervals is the demo's: the same simulators, checklist, store.
    def without_intervals(data: dict) -> dict:
        for value in list(data.values()):
            if isinstance(value, dict):
                value.pop("every", None)
                value.pop("stale_after", None)
                without_intervals(value)
        return data

    before = yaml.safe_load(rehearsal.read_text(encoding="utf-8"))
    after = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert without_intervals(before) == without_intervals(after)
