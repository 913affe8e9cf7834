"""Object shapes of the simulated API: resources, times, Status bodies, pod readiness.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]

# resource -> (api prefix, kind, list kind, namespaced)
RESOURCES: dict[str, tuple[str, str, str]] = {
    "pods": ("/api/v1", "Pod", "v1"),
    "events": ("/api/v1", "Event", "v1"),
    "deployments": ("/apis/apps/v1", "Deployment", "apps/v1"),
    "replicasets": ("/apis/apps/v1", "ReplicaSet", "apps/v1"),
}

def rfc3339(t: float | None = None) -> str:
    """API server timestamps: second precision, UTC, `Z`."""
    return datetime.fromtimestamp(time.time() if t is None else t, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def status_body(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    """A `Status` object as the API server returns it for failures."""
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def revision_of(obj: Obj) -> int:
    try:
        return int(obj["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision"))
    except (TypeError, ValueError):
        return 0


def set_pod_ready(pod: Obj, ready: bool) -> None:
    now = rfc3339()
    conds = {c["type"]: c for c in pod["status"].get("conditions", [])}
    flag = "True" if ready else "False"
    for ctype in ("Initialized", "PodScheduled"):
        conds.setdefault(ctype, {"type": ctype, "status": "True", "lastTransitionTime": now})
    for ctype in ("Ready", "ContainersReady"):
        old = conds.get(ctype)
        if old is None or old["status"] != flag:
            cond = {"type": ctype, "status": flag, "lastTransitionTime": now}
            if not ready:
                cond["reason"] = "ContainersNotReady"
            conds[ctype] = cond
    order = ["Initialized", "Ready", "ContainersReady", "PodScheduled"]
    pod["status"]["conditions"] = [conds[t] for t in order if t in conds]


def pod_ready(pod: Obj) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def pod_crashing(pod: Obj) -> bool:
    return any(
        cs.get("state", {}).get("waiting", {}).get("reason")
        in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull")
        for cs in pod["status"].get("containerStatuses", [])
    )


