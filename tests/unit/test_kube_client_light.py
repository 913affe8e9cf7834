"""The kube source loads only the parts of the `kubernetes` client it uses (issue 14:
the whole client is most of a watching cockpit's memory), and the rest still loads on
demand for anyone in the same process who wants it. The checks of what is loaded run
in a fresh interpreter, so what was imported before does not count.

Also: the watch's list calls (`watch.list_call`, straight through `ApiClient.call_api`)
send exactly the requests of the generated `CoreV1Api`/`AppsV1Api` methods; and what
the client's modules import for paths the watch seldom takes (`requests` for a proxy,
`oauthlib`/`requests_oauthlib` for an OIDC token refresh) loads when that path is taken
and works: a real refresh against a loopback identity provider, its failure too."""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DEFERRED = ["requests", "oauthlib", "requests_oauthlib", "dateutil", "multiprocessing.pool"]

PROBE = f"DEFERRED = {DEFERRED!r}\n" + """
import json, sys
from cockpit.sources.kube.client import k8s
from cockpit.sources.kube.watch import list_call
k = k8s()
cfg = k.Configuration()
api = k.ApiClient(cfg)
call = list_call(api, "pods", "asr")
light = sorted(m for m in sys.modules if m.startswith("kubernetes.client.models."))
apis = sorted(m for m in sys.modules if m.startswith("kubernetes.client.api."))
out = {"models": len(light), "apis": apis, "list": callable(call),
       "loaders": callable(k.config.new_client_from_config),
       "deferred": sorted(m for m in DEFERRED if m in sys.modules)}
from kubernetes import client            # someone else wants the whole client
out["pod"] = client.V1Pod(metadata=client.V1ObjectMeta(name="x")).metadata.name
out["models_after"] = len([m for m in sys.modules if m.startswith("kubernetes.client.models.")])
out["core"] = callable(client.CoreV1Api(api).list_namespaced_pod)
from kubernetes.client.exceptions import ApiException
out["same_exception"] = ApiException is k.ApiException
import requests.utils                    # and the real modules, not stand-ins, for others
out["requests"] = callable(requests.utils.should_bypass_proxies)
print(json.dumps(out))
"""


def run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_only_the_used_parts_load_and_the_rest_on_demand() -> None:
    out = run(PROBE)
    assert out["models"] == 0  # not one of the ~800 model modules
    assert out["apis"] == []  # nor the generated API classes
    assert out["deferred"] == []  # requests, oauthlib...: not until a path needs them
    assert out["list"] and out["loaders"]
    assert out["pod"] == "x" and out["models_after"] > 500 and out["core"]
    assert out["same_exception"] and out["requests"]


def test_an_earlier_full_import_is_used_as_it_is() -> None:
    out = run("import json, kubernetes.client\nfrom cockpit.sources.kube.client import k8s\n"
              "print(json.dumps({'same': k8s().ApiClient is kubernetes.client.ApiClient}))")
    assert out["same"]


# ------------------------------------------------------------ the same requests


class _Recorded(Exception):
    pass


def _requests_of(api, call) -> tuple:  # noqa: ANN001
    seen = []

    def request(method, url, query_params=None, headers=None, **kw):  # noqa: ANN001, ANN003
        seen.append((method, url, list(query_params or []), dict(headers or {}),
                     kw.get("_preload_content"), kw.get("_request_timeout")))
        raise _Recorded

    api.request = request
    with pytest.raises(_Recorded):
        call()
    return seen[0]


@pytest.mark.parametrize("resource", ["pods", "events", "deployments", "replicasets"])
@pytest.mark.parametrize("namespace", ["asr", None])
@pytest.mark.parametrize("kw", [
    {"limit": 500, "label_selector": "app=asr", "_request_timeout": (10, 120)},
    {"limit": 500, "field_selector": "type=Warning", "_continue": "tok/en=="},
    {"watch": True, "resource_version": "42", "allow_watch_bookmarks": True,
     "timeout_seconds": 300, "label_selector": "app in (a,b)", "_request_timeout": (10, 330)},
])
def test_list_calls_send_the_generated_apis_requests(resource, namespace, kw) -> None:
    from kubernetes import client

    from cockpit.sources.kube.watch import list_call

    cfg = client.Configuration(host="https://k8s.example:6443",
                               api_key={"authorization": "Bearer tok"})
    api = client.ApiClient(cfg)
    group = client.CoreV1Api(api) if resource in ("pods", "events") else client.AppsV1Api(api)
    singular = {"pods": "pod", "events": "event", "deployments": "deployment",
                "replicasets": "replica_set"}[resource]
    if namespace is None:
        generated = getattr(group, f"list_{singular}_for_all_namespaces")
        theirs = _requests_of(api, lambda: generated(_preload_content=False, **kw))
    else:
        generated = getattr(group, f"list_namespaced_{singular}")
        theirs = _requests_of(api, lambda: generated(namespace, _preload_content=False, **kw))
    ours = _requests_of(api, lambda: list_call(api, resource, namespace)(
        _preload_content=False, **kw))
    assert ours == theirs
    with pytest.raises(TypeError):
        list_call(api, resource, namespace)(pretty="true")  # what the watch never sends


# ------------------------------------------------------------ deferred paths, taken


def _jwt(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


class _Idp(http.server.BaseHTTPRequestHandler):
    """An OIDC provider: its discovery document and a token endpoint."""

    refreshed = _jwt({"exp": int(time.time()) + 3600, "sub": "captain"})
    refuse = False
    posts: list[str] = []

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        host, port = self.server.server_address[:2]
        self._send(200, {"issuer": f"http://{host}:{port}",
                         "token_endpoint": f"http://{host}:{port}/token"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        type(self).posts.append(self.rfile.read(length).decode())
        if type(self).refuse:
            self._send(400, {"error": "invalid_request"})  # oauthlib: InvalidClientIdError
        else:
            self._send(200, {"access_token": "a", "token_type": "Bearer", "expires_in": 3600,
                             "id_token": type(self).refreshed, "refresh_token": "refresh-2"})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def idp() -> Iterator[str]:
    _Idp.posts = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Idp)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _kubeconfig(tmp_path: Path, issuer: str, id_token: str) -> Path:
    cluster = {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True}
    kc = {"apiVersion": "v1", "kind": "Config", "current-context": "prod",
          "clusters": [{"name": "prod", "cluster": cluster}],
          "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "captain",
                                                    "namespace": "asr"}}],
          "users": [{"name": "captain", "user": {"auth-provider": {"name": "oidc", "config": {
              "client-id": "cockpit", "client-secret": "s3cret", "id-token": id_token,
              "refresh-token": "refresh-1", "idp-issuer-url": issuer}}}}]}
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(kc))
    return path


RESOLVE = """
import json, sys
from cockpit.config import KubernetesConfig
from cockpit.sources.kube.targets import resolve_targets
from cockpit.sources.kube.watch import list_call
[target] = resolve_targets(KubernetesConfig(kubeconfig=sys.argv[1], context="prod"))
api = target.api_client
pool = api.rest_client.pool_manager
print(json.dumps({"token": api.configuration.api_key.get("BearerToken"),
                  "pool": type(pool).__name__, "namespaces": list(target.namespaces),
                  "loaded": sorted(m for m in ("requests", "oauthlib.oauth2",
                                               "requests_oauthlib") if m in sys.modules)}))
"""


def _resolve(kubeconfig: Path) -> dict:
    env = {"OAUTHLIB_INSECURE_TRANSPORT": "1"}  # the loopback provider speaks plain HTTP
    import os

    done = subprocess.run([sys.executable, "-c", RESOLVE, str(kubeconfig)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_expired_oidc_token_is_refreshed(tmp_path: Path, idp: str) -> None:
    expired = _jwt({"exp": int(time.time()) - 60, "sub": "captain"})
    out = _resolve(_kubeconfig(tmp_path, idp, expired))
    assert out["token"] == f"Bearer {_Idp.refreshed}"
    assert "grant_type=refresh_token" in _Idp.posts[0] and "refresh-1" in _Idp.posts[0]
    assert out["loaded"] == ["oauthlib.oauth2", "requests", "requests_oauthlib"]
    assert out["namespaces"] == ["asr"] and out["pool"] == "PoolManager"


def test_a_refused_refresh_keeps_the_old_token(tmp_path: Path, idp: str) -> None:
    _Idp.refuse = True
    try:
        expired = _jwt({"exp": int(time.time()) - 60, "sub": "captain"})
        out = _resolve(_kubeconfig(tmp_path, idp, expired))
    finally:
        _Idp.refuse = False
    # kube_config catches oauthlib's InvalidClientIdError (a deferred name, resolved)
    assert out["token"] == f"Bearer {expired}" and len(_Idp.posts) == 1


def test_a_fresh_token_needs_no_oauth(tmp_path: Path, idp: str) -> None:
    fresh = _jwt({"exp": int(time.time()) + 3600, "sub": "captain"})
    out = _resolve(_kubeconfig(tmp_path, idp, fresh))
    assert out["token"] == f"Bearer {fresh}" and _Idp.posts == []
    assert out["loaded"] == [] and out["pool"] == "PoolManager"


PROXY = """
import json, sys
from cockpit.sources.kube.client import k8s
k = k8s()
pools = []
for no_proxy in (None, "10.0.0.1"):
    cfg = k.Configuration(host="https://10.0.0.1:6443")
    cfg.proxy, cfg.no_proxy = "http://127.0.0.1:3128", no_proxy
    pools.append(type(k.ApiClient(cfg).rest_client.pool_manager).__name__)
print(json.dumps({"pools": pools, "requests": "requests" in sys.modules}))
"""


def test_a_proxy_asks_requests_whether_to_bypass_it() -> None:
    out = run(PROXY)  # rest.py's should_bypass_proxies, a deferred name, resolved on use
    assert out == {"pools": ["ProxyManager", "PoolManager"], "requests": True}
