"""How the kube source finds its clusters: like kubectl, or the pod's service account."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.config import KubernetesConfig
from cockpit.redact import redact
from cockpit.sim.kube.server import write_kubeconfig
from cockpit.sources.kube import targets as kube


def test_in_cluster_when_no_kubeconfig_in_a_pod(tmp_path: Path, monkeypatch) -> None:
    from kubernetes.config import incluster_config

    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token-value")
    (sa / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    (sa / "namespace").write_text("asr\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(sa / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(sa / "ca.crt"))
    monkeypatch.setattr(kube, "_SA_NAMESPACE", sa / "namespace")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config

    (target,) = kube.resolve_targets(KubernetesConfig())
    assert target.name == kube.IN_CLUSTER
    assert target.namespaces == ("asr",)  # the service account's namespace
    cfg = target.api_client.configuration
    assert cfg.host == "https://10.96.0.1:443"
    assert cfg.api_key["BearerToken"].lower() == "bearer sa-token-value"
    assert redact("401 for token sa-token-value") == "401 for token ***"
    assert cfg.ssl_ca_cert == str(sa / "ca.crt")


def test_contexts_and_namespaces_like_kubectl(tmp_path: Path, monkeypatch) -> None:
    kc = write_kubeconfig(
        tmp_path / "kc",
        {"prod-eu": "http://127.0.0.1:1", "prod-us": "http://127.0.0.1:2"},
        current="prod-us",
        namespace="asr",
    )
    monkeypatch.setenv("KUBECONFIG", str(kc))
    (t,) = kube.resolve_targets(KubernetesConfig())
    assert (t.name, t.namespaces) == ("prod-us", ("asr",))
    assert t.api_client.configuration.host == "http://127.0.0.1:2"
    ts = kube.resolve_targets(KubernetesConfig(contexts=["prod-eu", "prod-us"], namespace="*"))
    assert [(t.name, t.namespaces) for t in ts] == [("prod-eu", (None,)), ("prod-us", (None,))]
    (t,) = kube.resolve_targets(KubernetesConfig(context="prod-eu", namespaces=["a", "b", "a"]))
    assert t.namespaces == ("a", "b")
    with pytest.raises(RuntimeError, match="context 'nope' not found"):
        kube.resolve_targets(KubernetesConfig(context="nope"))


def test_config_rules() -> None:
    with pytest.raises(ValidationError, match="`context` or `contexts`"):
        KubernetesConfig(context="a", contexts=["b"])
    with pytest.raises(ValidationError, match="reconnect_min"):
        KubernetesConfig(reconnect_min="5s", reconnect_max="1s")
    cfg = KubernetesConfig(every="500ms", watch_timeout="5m")
    assert (cfg.every, cfg.watch_timeout) == (0.5, 300.0)
