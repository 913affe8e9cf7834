"""A per-deployment signal with a typo (`pods.crashlooping.asr-wrker`): an error at
`validate --online`, and "no such deployment" (not "no reading yet") at run time."""

from __future__ import annotations

import pytest

from cockpit import exits
from cockpit.cli import main
from tests.support.kube import NS, clusters
from tests.support.launch import write_launch

pytestmark = pytest.mark.integration

CHECKLIST = """
title: t
sections:
  - title: s
    items:
      - {id: worker-ok, text: Worker not crash-looping, auto: "pods.crashlooping.asr-wrker == 0"}
      - {id: gateway-ok, text: Gateway rolled out, auto: "rollout.complete.asr-gateway"}
"""


def test_typo_in_a_deployment_name(tmp_path, capsys):
    with clusters(tmp_path, "prod-eu") as (sims, kc):
        c = sims["prod-eu"].cluster
        c.create_deployment(NS, "asr-gateway", replicas=2, revision=4, image="reg/asr:2.2.0")
        c.create_deployment(NS, "asr-worker", replicas=2, revision=4, image="reg/asr:2.2.0")
        config = write_launch(tmp_path, CHECKLIST, f"""
kubernetes:
  kubeconfig: {kc}
  context: prod-eu
  namespace: {NS}
""")
        assert main(["validate", str(config)]) == exits.OK  # offline, names cannot be known
        capsys.readouterr()
        assert main(["validate", str(config), "--online"]) == exits.BAD_INPUT
        out = capsys.readouterr().out
        assert (f"{tmp_path / 'checklist.yaml'}:6:9: item 'worker-ok': "
                "pods.crashlooping.asr-wrker: no such deployment 'asr-wrker' "
                "(did you mean 'asr-worker'?)") in out, out
        assert "gateway-ok" not in out
        assert main(["check", str(config), "--json"]) == exits.HOLD
        import json

        report = json.loads(capsys.readouterr().out)
        worker = next(i for i in report["items"] if i["id"] == "worker-ok")
        assert worker["status"] == "unknown"
        assert "no such deployment 'asr-wrker'" in worker["detail"], worker
        assert "no reading yet" not in worker["detail"]
