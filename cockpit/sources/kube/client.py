"""The parts of the `kubernetes` client the kube source uses, without the rest of it.

`from kubernetes import client` imports every API group and ~800 model classes (its
package `__init__`s import them all): +56 MB of RSS, measured here, the larger part of
a watching cockpit's memory. The watch asks for raw JSON (`_preload_content=False`) and
never builds a model, so `k8s()` loads only what it calls: `Configuration`,
`ApiClient` (whose `call_api` the watch calls, `watch.list_call`: the generated
`CoreV1Api`/`AppsV1Api` are ~4 MB of code for four list calls), `ApiException` and the
kubeconfig / in-cluster loaders. It is still the real library doing auth, TLS and requests.

The packages `kubernetes`, `kubernetes.client`, `.client.api` and `.client.models` are
registered lazily: their submodules import as usual, and the first time anything else
is asked of one (`kubernetes.client.V1Pod`, by a test or another library in the same
process), its real `__init__` runs into it, so nothing that wants the whole client breaks.
When `kubernetes` was imported before, that is what is used.

Some of what the client's modules import at their top serves paths the watch seldom or
never takes: `requests` (rest.py: `should_bypass_proxies`, with a proxy configured),
`oauthlib` and `requests_oauthlib` (kube_config.py: refreshing an OIDC token),
`dateutil.parser` (deserializing models), `multiprocessing.pool` (`async_req`): ~170
modules, ~6 MB. While `k8s()` imports the client those modules are stand-ins (`_StandIn`),
and each name taken from one imports the real module when first used (`_Later`): an
OIDC refresh or a proxy works as before, it just loads them then.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

_LAZY = ("kubernetes", "kubernetes.client", "kubernetes.client.api", "kubernetes.client.models")
_lock = threading.Lock()
_loaded: SimpleNamespace | None = None
# stood in while the client imports (see the module's docstring); a group is left alone
# when any of it was imported before
_DEFERRED = (("requests.utils",), ("oauthlib", "oauthlib.oauth2"), ("requests_oauthlib",),
             ("dateutil.parser",), ("multiprocessing.pool",))


class _Later:
    """`module.name` of a module not imported yet: imported when first called or looked
    into (`oauthlib.oauth2.rfc6749.errors.InvalidClientIdError` walks into submodules)."""

    __slots__ = ("_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name = module, name

    def _real(self) -> Any:
        module = importlib.import_module(self._module)
        try:
            return getattr(module, self._name)
        except AttributeError:
            return importlib.import_module(f"{self._module}.{self._name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._real(), attr)

    def __repr__(self) -> str:
        return f"<{self._module}.{self._name}, imported on first use>"


class _StandIn(ModuleType):
    """A module in sys.modules only while the client imports; names taken from it are
    `_Later`s."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # the import system's questions: a plain module
        return _Later(self.__name__, name)


@contextlib.contextmanager
def _deferred() -> Iterator[None]:
    placed = []
    for group in _DEFERRED:
        if any(name in sys.modules for name in group):
            continue
        for name in group:
            sys.modules[name] = _StandIn(name)
            placed.append(name)
    try:
        yield
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), _StandIn):
                del sys.modules[name]


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
    """Configuration, ApiClient, ApiException and `config` (the kubeconfig and in-cluster
    loaders) of the installed `kubernetes` client."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock, _deferred():
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
        from kubernetes.client.api_client import ApiClient
        from kubernetes.client.configuration import Configuration
        from kubernetes.client.exceptions import ApiException

        _loaded = SimpleNamespace(Configuration=Configuration, ApiClient=ApiClient,
                                  ApiException=ApiException, config=config)
        return _loaded
