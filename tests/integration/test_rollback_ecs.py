"""ECS rollback against moto's server on loopback, through boto3 (and the runner process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cockpit.model import EventKind
from cockpit.rollback.ecs import plan_ecs_sync
from cockpit.rollback.plan import RollbackError
from cockpit.rollback.service import Rollbacks
from cockpit.rollback.validate import InvalidIdentifier
from cockpit.store.sqlite import SqliteStore
from tests.support.rollback import load

pytestmark = pytest.mark.integration

boto3 = pytest.importorskip("boto3")
REGION = "eu-west-1"


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto[server] is in the test extra
        from tests.support.require import missing

        missing("moto server", str(exc))
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "COCKPIT_ECS_POLL": "0.05",
        # moto marks a service's deployment COMPLETED only when told tasks are running.
        "MOTO_ECS_SERVICE_RUNNING": "2",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's backends are process-wide: start every test from an empty account.
    httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    try:
        yield url
    finally:
        server.stop()


def _ecs(url: str) -> Any:
    return boto3.client("ecs", region_name=REGION, endpoint_url=url)


def _launch(url: str, running: bool = True) -> Any:
    """Cluster prod; family asr revisions 1-3 (asr:2.1 .. asr:2.3), a decoy family
    asr-worker with a higher revision; service asr on asr:3."""
    ecs = _ecs(url)
    ecs.create_cluster(clusterName="prod")
    for tag in ("2.1", "2.2", "2.3"):
        ecs.register_task_definition(
            family="asr",
            containerDefinitions=[
                {"name": "asr", "image": f"registry.internal/asr:{tag}", "memory": 512},
                {"name": "sidecar", "image": "registry.internal/envoy:1.30", "memory": 128},
            ],
        )
    for _ in range(5):
        ecs.register_task_definition(
            family="asr-worker",
            containerDefinitions=[{"name": "w", "image": "registry.internal/w:9", "memory": 64}],
        )
    ecs.create_service(cluster="prod", serviceName="asr", taskDefinition="asr:3", desiredCount=2)
    return ecs


def _target(url: str, **extra: Any) -> dict[str, Any]:
    return {"ecs": {"cluster": "prod", "service": "asr", "region": REGION, "endpoint_url": url,
                    **extra}}  # fmt: skip


def test_plan_finds_the_previous_active_revision(moto_url: str) -> None:
    _launch(moto_url)
    plan = plan_ecs_sync("prod", "asr", REGION, moto_url)
    assert (plan.current.number, plan.to.number) == (3, 2)
    assert plan.current.chart == "asr:3" and plan.to.chart == "asr:2"
    assert plan.to.images == ("registry.internal/asr:2.2", "registry.internal/envoy:1.30")
    assert plan.call["taskDefinition"].endswith(":task-definition/asr:2")
    assert [r.number for r in plan.history] == [1, 2, 3]  # asr-worker is not asr
    text = "\n".join(plan.lines())
    assert "ECS cluster prod, region eu-west-1" in text
    assert "asr:2.2, envoy:1.30" in text and "ecs.update_service(cluster='prod'" in text


def test_plan_skips_deregistered_revisions_and_honours_a_pick(moto_url: str) -> None:
    ecs = _launch(moto_url)
    ecs.deregister_task_definition(taskDefinition="asr:2")
    assert plan_ecs_sync("prod", "asr", REGION, moto_url).to.number == 1
    with pytest.raises(RollbackError, match=r"asr:2 is not an ACTIVE revision \(ACTIVE: 1, 3\)"):
        plan_ecs_sync("prod", "asr", REGION, moto_url, pick=2)
    assert plan_ecs_sync("prod", "asr", REGION, moto_url, pick=1).picked


def test_unknown_service_is_a_plan_error(moto_url: str) -> None:
    _launch(moto_url)
    with pytest.raises(RollbackError, match="ECS service nope not found in cluster prod"):
        plan_ecs_sync("prod", "nope", REGION, moto_url)


@pytest.mark.parametrize("service", ["asr; rm -rf /", "--set x=y", "asr\nprod", "-asr"])
def test_injection_refused_before_any_call(service: str) -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"ECS was called ({name}) with a refused name")

    with pytest.raises(InvalidIdentifier, match="refused service"):
        plan_ecs_sync("prod", service, ecs=NoCalls())


async def test_revert_3_to_2_through_the_runner(moto_url: str, tmp_path: Path) -> None:
    ecs = _launch(moto_url)
    config = load(tmp_path, _target(moto_url))
    store = SqliteStore(config.store_path())
    rollbacks = Rollbacks(config, store)
    plan = await rollbacks.plan()
    run = rollbacks.start(plan)
    lines = [line async for line in run.lines(poll=0.02)]
    state = await run.wait()
    assert state.exit_code == 0, lines
    assert lines[0] == "update_service cluster=prod service=asr"
    assert lines[-1] == "deployment COMPLETED"
    svc = ecs.describe_services(cluster="prod", services=["asr"])["services"][0]
    assert svc["taskDefinition"].endswith(":task-definition/asr:2")
    # Once reverted, the next plan goes from 2 back to 1.
    replan = await rollbacks.plan()
    assert (replan.current.number, replan.to.number) == (2, 1)
    end = store.events(kinds=[EventKind.ROLLBACK_END])
    assert len(end) == 1 and end[0].data["exit_code"] == 0 and end[0].data["kind"] == "ecs"


async def test_deployment_that_never_completes_times_out(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "0")  # tasks never reach RUNNING
    _launch(moto_url)
    config = load(tmp_path, _target(moto_url, timeout="300ms"))
    rollbacks = Rollbacks(config, SqliteStore(config.store_path()))
    state = await rollbacks.start(await rollbacks.plan()).wait()
    assert state.exit_code == 124
    assert state.output()[-1] == "deployment did not complete within 0.3s"
    assert any("IN_PROGRESS running 0/2" in line for line in state.output())


def test_headless_yes_verifies_by_the_deployment_and_a_second_is_refused(
    moto_url: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from cockpit import exits
    from tests.support.identity import ME
    from tests.support.rollback import ROOT, events_of, write_config

    ecs = _launch(moto_url)
    config = write_config(tmp_path, _target(moto_url), captains=[ME])

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cockpit", "rollback", str(config), *args],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)

    done = cli("--yes")
    assert done.returncode == exits.OK, done.stdout + done.stderr
    assert "| deployment COMPLETED" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("rollback verified"), done.stdout
    [verify] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_VERIFY)
    assert verify.data["verified"] is True
    assert any("judged by the command's outcome" in n for n in verify.data["notes"])
    # 3 -> 2 done; 2 -> 1 now would roll back the rollback: refused, nothing called.
    again = cli("--yes")
    assert again.returncode == exits.REFUSED, again.stdout + again.stderr
    assert "this rolls back the rollback" in again.stderr and f"{ME}@" in again.stderr
    svc = ecs.describe_services(cluster="prod", services=["asr"])["services"][0]
    assert svc["taskDefinition"].endswith(":task-definition/asr:2")
