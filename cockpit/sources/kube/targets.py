"""Which clusters to watch: kubeconfig contexts (or the in-cluster config) and namespaces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.config import KubernetesConfig
from cockpit.redact import register_secret

IN_CLUSTER = "in-cluster"
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")

@dataclass(frozen=True)
class Target:
    """One cluster to watch: a kubeconfig context (or the in-cluster config)."""

    name: str
    namespaces: tuple[str | None, ...]  # None: all namespaces
    api_client: Any


# ---------------------------------------------------------------- resolving the config


def kubeconfig_path(config: KubernetesConfig) -> str | None:
    """Like kubectl: the config's `kubeconfig`, else $KUBECONFIG (a list), else ~/.kube/config."""
    if config.kubeconfig:
        return str(config.kubeconfig)
    env = os.environ.get("KUBECONFIG")
    if env:
        return env
    default = Path("~/.kube/config").expanduser()
    return str(default) if default.exists() else None


def _namespaces(config: KubernetesConfig, context_ns: str | None) -> tuple[str | None, ...]:
    names = list(config.namespaces) or ([config.namespace] if config.namespace else [])
    if not names:
        names = [context_ns or "default"]
    if "*" in names:
        return (None,)
    return tuple(dict.fromkeys(names))


def _register_secrets(api_client: Any) -> Any:
    """Tokens from the kubeconfig or the service account are blanked wherever they appear."""
    for value in (getattr(api_client.configuration, "api_key", None) or {}).values():
        register_secret(str(value).split(" ", 1)[-1].strip())
    return api_client


def resolve_targets(config: KubernetesConfig) -> list[Target]:
    """The clusters to watch, each with a configured `kubernetes.client.ApiClient`."""
    from cockpit.sources.kube.client import k8s as load_k8s

    k8s = load_k8s()  # only the parts used: the whole client is +56 MB of RSS
    k8s_config = k8s.config

    path = kubeconfig_path(config)
    use_in_cluster = config.in_cluster or (
        path is None and bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    )
    if use_in_cluster:
        cfg = k8s.Configuration()
        k8s_config.load_incluster_config(client_configuration=cfg)
        sa_ns = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else None
        api = _register_secrets(k8s.ApiClient(cfg))
        return [Target(IN_CLUSTER, _namespaces(config, sa_ns), api)]
    if path is None:
        raise RuntimeError(
            "no kubeconfig: set KUBECONFIG, `kubeconfig:` in the config, or run in a pod"
        )
    contexts_all, current = k8s_config.list_kube_config_contexts(config_file=path)
    by_name = {c["name"]: c for c in contexts_all}
    wanted = list(config.contexts) or ([config.context] if config.context else [])
    if not wanted:
        if not current:
            raise RuntimeError(f"{path}: no current-context; name one with `context:`")
        wanted = [current["name"]]
    targets = []
    for name in wanted:
        if name not in by_name:
            raise RuntimeError(f"context {name!r} not found in {path}")
        ctx_ns = (by_name[name].get("context") or {}).get("namespace")
        api = k8s_config.new_client_from_config(
            config_file=path, context=name, persist_config=False
        )
        targets.append(Target(name, _namespaces(config, ctx_ns), _register_secrets(api)))
    return targets

