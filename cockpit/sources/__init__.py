"""Live signal sources, and the one place that builds them from a launch config.

Each area adds one line to `build_sources`; heavy client libraries are imported
inside the branch that needs them, so a config without Kubernetes never loads it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from cockpit.config import LaunchConfig, TlsConfig
from cockpit.model import Source


def deferred(name: str) -> ModuleType:
    """Module `name`, run on first use of one of its names (`importlib.util.LazyLoader`).

    The screen builds its sources before the first frame but they make no request
    until after it: httpx (~20 ms of import, issue 14) can wait until then. Hold the
    module this returns (`httpx = deferred("httpx")`): an `import httpx` statement looks
    into it and runs it at once (as does anyone else's, which is fine). A module
    imported before is returned as it is."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return importlib.import_module(name)  # not there: the import error, now
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_sources(config: LaunchConfig) -> list[Source]:
    from cockpit.sources.http import HttpSource

    sources: list[Source] = [HttpSource(name, check) for name, check in config.http.items()]
    if config.prometheus is not None and config.prometheus.queries:
        from cockpit.sources.prometheus import PrometheusSource

        sources.append(PrometheusSource(config.prometheus))
    if config.gpu is not None:
        from cockpit.sources.gpu import build_gpu_source

        sources.append(build_gpu_source(config))
    if config.asr_probe is not None:
        from cockpit.sources.asr.source import AsrProbeSource

        sources.append(AsrProbeSource(config.asr_probe))
    if config.kubernetes is not None:
        from cockpit.sources.kube.source import KubeSource

        sources.append(KubeSource(config.kubernetes))
    if config.tcp:
        from cockpit.sources.tcp import TcpSource

        sources.extend(TcpSource(name, check) for name, check in config.tcp.items())
    if config.alerts is not None and config.prometheus is not None:
        from cockpit.sources.alerts import AlertsSource

        sources.append(AlertsSource(config.prometheus, config.alerts))
    if config.release is not None and config.rollback is not None:
        from cockpit.sources.release import ReleaseSource

        sources.append(ReleaseSource(config.release, config.rollback.helm, config.rollback.ecs,
                                     launch=config.launch))
    tls = config.tls or TlsConfig()
    if tls.enabled:
        from cockpit.sources.tls import TlsSource, tls_targets

        targets = tls_targets(config)
        if targets:
            sources.append(TlsSource(targets, tls))
    return sources
