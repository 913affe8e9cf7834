"""The parts of the `kubernetes` client the kube source uses, without the rest of it.

`from kubernetes import client` imports every API group and ~800 model classes (its
package `__init__`s import them all): +56 MB of RSS, measured here, the larger part of
a watching cockpit's memory. The watch asks for raw JSON (`_preload_content=False`) and
never builds a model, so `k8s()` loads only what it calls: `Configuration`,
`ApiClient`, `CoreV1Api`, `AppsV1Api`, `ApiException` and the kubeconfig / in-cluster
loaders (+27 MB). It is still the real library doing auth, TLS and requests.

The packages `kubernetes`, `kubernetes.client`, `.client.api` and `.client.models` are
registered lazily: their submodules import as usual, and the first time anything else
is asked of one (`kubernetes.client.V1Pod`, by a test or another library in the same
process), its real `__init__` runs into it, so nothing that wants the whole client breaks.
When `kubernetes` was imported before, that is what is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType, SimpleNamespace
from typing import Any

_LAZY = ("kubernetes", "kubernetes.client", "kubernetes.client.api", "kubernetes.client.models")
_lock = threading.Lock()
_loaded: SimpleNamespace | None = None


def _lazy_package(name: str) -> ModuleType:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"no package {name}")
    module = importlib.util.module_from_spec(spec)
    done = threading.Event()
    loader = spec.loader

    def __getattr__(attr: str) -> Any:  # noqa: N807 - PEP 562 module __getattr__
        if attr.startswith("__") or done.is_set():
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")  # a submodule: just that
        done.set()
        loader.exec_module(module)  # anything else: the package's real __init__, once
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def k8s() -> SimpleNamespace:
    """Configuration, ApiClient, CoreV1Api, AppsV1Api, ApiException and `config` (the
    kubeconfig and in-cluster loaders) of the installed `kubernetes` client."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        if "kubernetes" not in sys.modules:
            for name in _LAZY:
                _lazy_package(name)
            from kubernetes.client.api_client import ApiClient
            from kubernetes.client.configuration import Configuration

            client = sys.modules["kubernetes.client"]
            # what kubernetes.config's modules import from the package
            client.ApiClient, client.Configuration = ApiClient, Configuration  # type: ignore[attr-defined]
        from kubernetes import config
        from kubernetes.client.api.apps_v1_api import AppsV1Api
        from kubernetes.client.api.core_v1_api import CoreV1Api
        from kubernetes.client.api_client import ApiClient
        from kubernetes.client.configuration import Configuration
        from kubernetes.client.exceptions import ApiException

        _loaded = SimpleNamespace(
            Configuration=Configuration, ApiClient=ApiClient, CoreV1Api=CoreV1Api,
            AppsV1Api=AppsV1Api, ApiException=ApiException, config=config)
        return _loaded
