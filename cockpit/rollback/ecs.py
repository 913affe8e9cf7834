"""ECS: plan a service's return to the previous ACTIVE task definition, and carry it out.

boto3 is an optional extra (`pip install cockpit[aws]`), imported only here and only
when an ECS rollback is configured. Its calls block: callers in the event loop use
`asyncio.to_thread`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.rollback.plan import Plan, Revision, RollbackError
from cockpit.rollback.validate import check, check_revision

_TD_ARN = re.compile(r":task-definition/(?P<family>[A-Za-z0-9_-]+):(?P<rev>\d+)$")


def client(region: str | None = None, endpoint_url: str | None = None) -> Any:
    try:
        import boto3  # noqa: PLC0415 - optional extra, imported lazily
    except ImportError:
        raise RollbackError("ECS rollback needs boto3: pip install 'cockpit[aws]'") from None
    return boto3.client("ecs", region_name=region, endpoint_url=endpoint_url)


def parse_arn(arn: str) -> tuple[str, int]:
    """`arn:...:task-definition/asr:3` -> ("asr", 3)."""
    match = _TD_ARN.search(arn)
    if not match:
        raise RollbackError(f"not a task definition ARN: {arn!r}")
    return match.group("family"), int(match.group("rev"))


def _revision(td: dict[str, Any]) -> Revision:
    images = tuple(str(c.get("image", "")) for c in td.get("containerDefinitions", []))
    family, rev = td["family"], int(td["revision"])
    return Revision(
        number=rev,
        status=str(td.get("status", "ACTIVE")),
        chart=f"{family}:{rev}",
        images=images,
        ref=str(td["taskDefinitionArn"]),
    )


def _service(ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    out = ecs.describe_services(cluster=cluster, services=[service])
    services = out.get("services") or []
    if not services:
        reasons = "; ".join(f.get("reason", "") for f in out.get("failures") or [])
        raise RollbackError(f"ECS service {service} not found in cluster {cluster} ({reasons})")
    return services[0]


def active_revisions(ecs: Any, family: str) -> list[int]:
    """ACTIVE revisions of exactly `family`, ascending (sorted here: moto ignores sort=)."""
    revs: list[int] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"familyPrefix": family, "status": "ACTIVE"}
        if token:
            kwargs["nextToken"] = token
        page = ecs.list_task_definitions(**kwargs)
        for arn in page.get("taskDefinitionArns", []):
            fam, rev = parse_arn(arn)
            if fam == family:  # familyPrefix also matches "asr-worker" for "asr"
                revs.append(rev)
        token = page.get("nextToken")
        if not token:
            break
    return sorted(set(revs))


def plan_ecs_sync(
    cluster: str,
    service: str,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout: float = 600.0,
    pick: int | None = None,
    ecs: Any = None,
) -> Plan:
    check("cluster", cluster)
    check("service", service)
    ecs = ecs or client(region, endpoint_url)
    svc = _service(ecs, cluster, service)
    current_td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])[
        "taskDefinition"
    ]
    current = _revision(current_td)
    family = current_td["family"]
    revs = active_revisions(ecs, family)
    warnings: list[str] = []
    if pick is not None:
        pick = check_revision(pick)
        if pick == current.number:
            raise RollbackError(f"revision {pick} of {family} is the one the service runs now")
        if pick not in revs:
            known = ", ".join(str(r) for r in revs)
            raise RollbackError(f"{family}:{pick} is not an ACTIVE revision (ACTIVE: {known})")
        target_rev = pick
    else:
        earlier = [r for r in revs if r < current.number]
        if not earlier:
            raise RollbackError(f"no ACTIVE revision of {family} before {current.number}")
        target_rev = earlier[-1]
    target_td = ecs.describe_task_definition(taskDefinition=f"{family}:{target_rev}")[
        "taskDefinition"
    ]
    target = _revision(target_td)
    deployments = svc.get("deployments") or []
    if len(deployments) > 1:
        warnings.append(f"the service has {len(deployments)} deployments in progress")
    history = tuple(Revision(number=r, status="ACTIVE", chart=f"{family}:{r}") for r in revs)
    return Plan(
        kind="ecs",
        target=service,
        current=current,
        to=target,
        timeout=timeout,
        cluster=cluster,
        region=region or getattr(getattr(ecs, "meta", None), "region_name", None),
        endpoint_url=endpoint_url,
        call={
            "cluster": cluster,
            "service": service,
            "taskDefinition": target.ref,
            "forceNewDeployment": False,
        },
        history=history,
        picked=pick is not None,
        warnings=tuple(warnings),
    )


def execute(
    plan: Plan,
    emit: Callable[[str], None],
    ecs: Any = None,
    poll: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Call update_service and follow the deployment to COMPLETED (0) or FAILED (1).

    Runs in the runner process. Each step is emitted as a line of output. A timeout
    is exit 124, like `timeout(1)`.
    """
    check("cluster", plan.call["cluster"])
    check("service", plan.call["service"])
    ecs = ecs or client(plan.region, plan.endpoint_url)
    td = str(plan.call["taskDefinition"])
    emit(f"update_service cluster={plan.call['cluster']} service={plan.call['service']}")
    emit(f"  taskDefinition={td}")
    out = ecs.update_service(**dict(plan.call))
    svc = out["service"]
    emit(f"service now on {svc.get('taskDefinition')}")
    deadline = clock() + plan.timeout
    last = ""
    while True:
        svc = _service(ecs, plan.call["cluster"], plan.call["service"])
        state, line = deployment_state(svc, td)
        if line != last:
            emit(line)
            last = line
        if state == "COMPLETED":
            emit("deployment COMPLETED")
            return 0
        if state == "FAILED":
            emit("deployment FAILED")
            return 1
        if clock() >= deadline:
            emit(f"deployment did not complete within {plan.timeout:g}s")
            return 124
        sleep(poll)


def deployment_state(svc: dict[str, Any], task_definition: str) -> tuple[str, str]:
    """(COMPLETED | FAILED | IN_PROGRESS, a line saying why) for the service's deployments."""
    deployments = list(svc.get("deployments") or [])
    if svc.get("taskDefinition") != task_definition:
        return "IN_PROGRESS", f"waiting for the service to take {task_definition}"
    ours = [d for d in deployments if d.get("taskDefinition") == task_definition]
    if not ours:
        # ECS always lists the new PRIMARY deployment; moto lists none (it keeps the old
        # entry): judge by the primary deployment of a service that names our revision.
        ours = [d for d in deployments if d.get("status") == "PRIMARY"]
    if not ours:
        return "IN_PROGRESS", f"waiting for a deployment of {task_definition}"
    primary = next((d for d in ours if d.get("status") == "PRIMARY"), ours[0])
    rollout = primary.get("rolloutState")
    running, desired = primary.get("runningCount", 0), primary.get("desiredCount", 0)
    others = [d for d in deployments if d is not primary and d.get("status") != "INACTIVE"]
    line = (
        f"deployment {primary.get('id', '?')}: {rollout or primary.get('status')} "
        f"running {running}/{desired}, other deployments {len(others)}"
    )
    if rollout == "FAILED":
        reason = primary.get("rolloutStateReason") or ""
        return "FAILED", f"{line} {reason}".rstrip()
    if rollout == "COMPLETED" and not others:
        return "COMPLETED", line
    if rollout is None and running >= desired and not others:
        # Older ECS APIs (and moto) give no rolloutState: steady state is what counts.
        return "COMPLETED", line
    return "IN_PROGRESS", line


def images(revisions: Iterable[Revision]) -> list[str]:
    return [i for r in revisions for i in r.images]
