"""Deployments and replica sets of the simulated cluster, and their controllers.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable

from cockpit.sim.kube.objects import Obj, pod_crashing, pod_ready, revision_of, rfc3339


class Workloads:
    """Deployments and replica sets of the simulated cluster, and their controllers.

    Mixed into `Cluster`: the controllers keep replica sets and pods in step with a
    deployment's spec one step at a time, so a test can watch a rollout happen.
    """

    # ------------------------------------------------------------ workloads

    def create_deployment(
        self,
        namespace: str,
        name: str,
        *,
        replicas: int = 3,
        image: str = "registry.example/asr:1.0",
        revision: int = 1,
        labels: dict[str, str] | None = None,
        containers: Iterable[str] = ("asr",),
    ) -> Obj:
        """A deployment at `revision`, fully rolled out: its replica set and ready pods."""
        with self._lock:
            sel = {"app": name, **(labels or {})}
            dep: Obj = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": dict(sel),
                    "generation": 1,
                    "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": dict(sel)},
                    "progressDeadlineSeconds": 600,
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
                    },
                    "template": {
                        "metadata": {"labels": dict(sel)},
                        "spec": {"containers": [{"name": c, "image": image} for c in containers]},
                    },
                },
                "status": {},
            }
            self._put("deployments", dep)
            rs = self._new_replicaset(dep, revision, replicas)
            for _ in range(replicas):
                self._new_pod_for(rs, ready=True)
            self._sync_replicaset(namespace, rs["metadata"]["name"])
            self._sync_deployment(namespace, name, progressing_reason="NewReplicaSetAvailable")
            return self.get("deployments", namespace, name)  # type: ignore[return-value]

    def _new_replicaset(self, dep: Obj, revision: int, replicas: int) -> Obj:
        template = copy.deepcopy(dep["spec"]["template"])
        h = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
        pth = "".join(c for c in h if c in "bcdfghjklmnpqrstvwxz2456789")[:10] or h[:10]
        labels = {**template["metadata"]["labels"], "pod-template-hash": pth}
        template["metadata"]["labels"] = labels
        meta = dep["metadata"]
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{pth}",
                "namespace": meta["namespace"],
                "labels": dict(labels),
                "annotations": {
                    "deployment.kubernetes.io/revision": str(revision),
                    "deployment.kubernetes.io/desired-replicas": str(dep["spec"]["replicas"]),
                },
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": dict(labels)},
                "template": template,
            },
            "status": {"replicas": 0, "observedGeneration": 1},
        }
        return self._put("replicasets", rs)

    def _new_pod_for(self, rs: Obj, *, ready: bool) -> Obj:
        tmpl = rs["spec"]["template"]
        suffix = "".join(self._rand.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        return self.create_pod(
            rs["metadata"]["namespace"],
            f"{rs['metadata']['name']}-{suffix}",
            labels=tmpl["metadata"]["labels"],
            image=tmpl["spec"]["containers"][0]["image"],
            containers=[c["name"] for c in tmpl["spec"]["containers"]],
            ready=ready,
            owner=rs,
        )

    def _owned(self, resource: str, namespace: str, owner_name: str) -> list[Obj]:
        objs = self._objects[resource]
        names = self._children[resource].get((namespace, owner_name), ())
        return [objs[(namespace, n)] for n in sorted(names) if (namespace, n) in objs]

    def _index(self, resource: str, obj: Obj, add: bool) -> None:
        meta = obj["metadata"]
        for ref in meta.get("ownerReferences", []):
            key = (meta.get("namespace", ""), ref["name"])
            kids = self._children[resource].setdefault(key, set())
            if add:
                kids.add(meta["name"])
            else:
                kids.discard(meta["name"])

    def replicasets_of(self, namespace: str, deployment: str) -> list[Obj]:
        """The deployment's replica sets, newest revision first."""
        with self._lock:
            rss = self._owned("replicasets", namespace, deployment)
            rss.sort(key=revision_of, reverse=True)
            return [copy.deepcopy(r) for r in rss]

    def pods_of(self, namespace: str, replicaset: str) -> list[Obj]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._owned("pods", namespace, replicaset)]

    def _sync_owner_chain(self, namespace: str, pod: Obj) -> None:
        for ref in pod["metadata"].get("ownerReferences", []):
            if ref["kind"] == "ReplicaSet":
                rs = self._sync_replicaset(namespace, ref["name"])
                if rs is not None:
                    for dref in rs["metadata"].get("ownerReferences", []):
                        self._sync_deployment(namespace, dref["name"])

    def _sync_replicaset(self, namespace: str, name: str) -> Obj | None:
        """Recompute a replica set's status from its pods; store it only if it changed."""
        with self._lock:
            rs = self._objects["replicasets"].get((namespace, name))
            if rs is None:
                return None
            pods = [p for p in self._owned("pods", namespace, name)]
            ready = sum(1 for p in pods if pod_ready(p))
            status = {
                "replicas": len(pods),
                "fullyLabeledReplicas": len(pods),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "observedGeneration": rs["metadata"].get("generation", 1),
            }
            if status != rs.get("status"):
                rs = copy.deepcopy(rs)
                rs["status"] = status
                self._put("replicasets", rs)
            return rs

    def _sync_deployment(
        self, namespace: str, name: str, *, progressing_reason: str | None = None
    ) -> Obj | None:
        """Deployment status from its replica sets, with the Progressing/Available conditions."""
        with self._lock:
            dep = self._objects["deployments"].get((namespace, name))
            if dep is None:
                return None
            rss = sorted(self._owned("replicasets", namespace, name), key=revision_of, reverse=True)
            if not rss:
                return dep
            new, olds = rss[0], rss[1:]
            desired = dep["spec"]["replicas"]
            replicas = sum(r["status"].get("replicas", 0) for r in rss)
            updated = new["status"].get("replicas", 0)
            ready = sum(r["status"].get("readyReplicas", 0) for r in rss)
            available = sum(r["status"].get("availableReplicas", 0) for r in rss)
            old_conds = {c["type"]: c for c in dep.get("status", {}).get("conditions", [])}
            prog = old_conds.get("Progressing")
            now = rfc3339()
            complete = (
                updated == desired
                and replicas == desired
                and available == desired
                and not any(r["status"].get("replicas", 0) for r in olds)
            )
            if prog and prog.get("reason") == "ProgressDeadlineExceeded" and not complete:
                progressing = prog
            else:
                reason = progressing_reason or (
                    "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated"
                )
                msg = (
                    f'ReplicaSet "{new["metadata"]["name"]}" has successfully progressed.'
                    if reason == "NewReplicaSetAvailable"
                    else f'ReplicaSet "{new["metadata"]["name"]}" is progressing.'
                )
                same = prog is not None and prog.get("status") == "True"
                progressing = {
                    "type": "Progressing",
                    "status": "True",
                    "reason": reason,
                    "message": msg,
                    "lastUpdateTime": now,
                    "lastTransitionTime": prog["lastTransitionTime"] if same and prog else now,
                }
                if same and prog and prog.get("reason") == reason and prog.get("message") == msg:
                    progressing = prog
            avail_ok = available >= desired  # maxUnavailable 0
            old_avail = old_conds.get("Available")
            available_cond = {
                "type": "Available",
                "status": "True" if avail_ok else "False",
                "reason": "MinimumReplicasAvailable" if avail_ok else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if avail_ok
                else "Deployment does not have minimum availability.",
                "lastUpdateTime": now,
                "lastTransitionTime": now,
            }
            if old_avail and old_avail.get("status") == available_cond["status"]:
                available_cond = old_avail
            status = {
                "observedGeneration": dep["metadata"].get("generation", 1),
                "replicas": replicas,
                "updatedReplicas": updated,
                "readyReplicas": ready,
                "availableReplicas": available,
                "conditions": [available_cond, progressing],
            }
            if replicas - available > 0:
                status["unavailableReplicas"] = replicas - available
            if status != dep.get("status"):
                dep = copy.deepcopy(dep)
                dep["status"] = status
                self._put("deployments", dep)
            return dep

    def start_rollout(self, namespace: str, name: str, image: str) -> Obj:
        """Change the template image: generation+1 and a new replica set at revision+1, empty."""
        with self._lock:
            dep = copy.deepcopy(self._objects["deployments"][(namespace, name)])
            revision = max(revision_of(r) for r in self._owned("replicasets", namespace, name)) + 1
            dep["metadata"]["generation"] = dep["metadata"].get("generation", 1) + 1
            dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(revision)
            for c in dep["spec"]["template"]["spec"]["containers"]:
                c["image"] = image
            # A new rollout clears a previous deadline.
            conds = dep.get("status", {}).get("conditions", [])
            dep.setdefault("status", {})["conditions"] = [
                c for c in conds if c["type"] != "Progressing"
            ]
            self._put("deployments", dep)
            self._new_replicaset(dep, revision, 0)
            return self._sync_deployment(namespace, name, progressing_reason="ReplicaSetUpdated")  # type: ignore[return-value]

    def _scale_rs(self, rs: Obj, delta: int) -> Obj:
        def fn(o: Obj) -> None:
            o["spec"]["replicas"] = o["spec"]["replicas"] + delta

        return self.modify("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"], fn)

    def rollout_step(self, namespace: str, name: str) -> str | None:
        """One step of a RollingUpdate with maxSurge 1, maxUnavailable 0.

        Steps, repeated: a new pod is created (not ready); it becomes ready; an old pod
        goes. Returns what happened ("surge", "ready", "scale-down") or None when done.
        """
        with self._lock:
            dep = self._objects["deployments"][(namespace, name)]
            desired = dep["spec"]["replicas"]
            rss = sorted(self._owned("replicasets", namespace, name), key=revision_of, reverse=True)
            new, olds = rss[0], [r for r in rss[1:] if r["spec"]["replicas"] > 0]
            new_pods = self._owned("pods", namespace, new["metadata"]["name"])
            unready = [p for p in new_pods if not pod_ready(p) and not pod_crashing(p)]
            if unready:
                self.set_ready(namespace, sorted(p["metadata"]["name"] for p in unready)[0], True)
                return "ready"
            ready_new = sum(1 for p in new_pods if pod_ready(p))
            old_total = sum(r["spec"]["replicas"] for r in olds)
            if olds and ready_new + old_total > desired:
                old = olds[-1]
                self._scale_rs(old, -1)
                victim = sorted(
                    p["metadata"]["name"]
                    for p in self._owned("pods", namespace, old["metadata"]["name"])
                )
                if victim:
                    self.delete_pod(namespace, victim[0])
                else:
                    self._sync_deployment(namespace, name)
                return "scale-down"
            if new["spec"]["replicas"] < desired:
                new = self._scale_rs(new, +1)
                self._new_pod_for(new, ready=False)
                return "surge"
            self._sync_deployment(namespace, name)
            return None

    def finish_rollout(self, namespace: str, name: str, max_steps: int = 10_000) -> int:
        steps = 0
        while steps < max_steps and self.rollout_step(namespace, name) is not None:
            steps += 1
        return steps

    def stall_rollout(self, namespace: str, name: str) -> Obj:
        """The rollout passed its progress deadline: Progressing=False, ProgressDeadlineExceeded."""
        with self._lock:
            rss = sorted(self._owned("replicasets", namespace, name), key=revision_of, reverse=True)

            def fn(dep: Obj) -> None:
                conds = [
                    c for c in dep["status"].get("conditions", []) if c["type"] != "Progressing"
                ]
                now = rfc3339()
                conds.append(
                    {
                        "type": "Progressing",
                        "status": "False",
                        "reason": "ProgressDeadlineExceeded",
                        "message": f'ReplicaSet "{rss[0]["metadata"]["name"]}" has timed out '
                        "progressing.",
                        "lastUpdateTime": now,
                        "lastTransitionTime": now,
                    }
                )
                dep["status"]["conditions"] = conds

            return self.modify("deployments", namespace, name, fn)

