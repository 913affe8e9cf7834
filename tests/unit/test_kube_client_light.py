"""The kube source loads only the parts of the `kubernetes` client it uses (issue 14:
the whole client is most of a watching cockpit's memory), and the rest still loads on
demand for anyone in the same process who wants it. Each check runs in a fresh
interpreter, so what was imported before does not count."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from cockpit.sources.kube.client import k8s
k = k8s()
cfg = k.Configuration()
api = k.ApiClient(cfg)
core = k.CoreV1Api(api)
light = sorted(m for m in sys.modules if m.startswith("kubernetes.client.models."))
apis = sorted(m for m in sys.modules if m.startswith("kubernetes.client.api."))
out = {"models": len(light), "apis": apis, "list": callable(core.list_namespaced_pod),
       "loaders": callable(k.config.new_client_from_config)}
from kubernetes import client            # someone else wants the whole client
out["pod"] = client.V1Pod(metadata=client.V1ObjectMeta(name="x")).metadata.name
out["models_after"] = len([m for m in sys.modules if m.startswith("kubernetes.client.models.")])
from kubernetes.client.exceptions import ApiException
out["same_exception"] = ApiException is k.ApiException
print(json.dumps(out))
"""


def run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_only_the_used_parts_load_and_the_rest_on_demand() -> None:
    out = run(PROBE)
    assert out["models"] == 0  # not one of the ~800 model modules
    assert out["apis"] == ["kubernetes.client.api.apps_v1_api",
                           "kubernetes.client.api.core_v1_api"]
    assert out["list"] and out["loaders"]
    assert out["pod"] == "x" and out["models_after"] > 500
    assert out["same_exception"]


def test_an_earlier_full_import_is_used_as_it_is() -> None:
    out = run("import json, kubernetes.client\nfrom cockpit.sources.kube.client import k8s\n"
              "print(json.dumps({'same': k8s().CoreV1Api is kubernetes.client.CoreV1Api}))")
    assert out["same"]
