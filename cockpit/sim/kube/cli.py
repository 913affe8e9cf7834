"""`python -m cockpit.sim.kube`: serve a simulated cluster with churn, for the bench and the demo.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time

from cockpit.sim.kube.cluster import Cluster
from cockpit.sim.kube.objects import Obj, pod_ready, set_pod_ready
from cockpit.sim.kube.server import KubeSim, write_kubeconfig

# ---------------------------------------------------------------- churn and CLI


def churn(
    cluster: Cluster, namespace: str, rate: float, stop: threading.Event, seed: int = 11
) -> None:
    """Modify `rate` random pods per second until `stop`: an annotation `changedAt` holds the
    wall time of the change (so a watcher can measure change-to-display latency) and every
    tenth change flips readiness."""
    rnd = random.Random(seed)
    names = [p["metadata"]["name"] for p in cluster.objects("pods", namespace)]
    period = 1.0 / rate
    nxt = time.monotonic()
    n = 0
    while not stop.is_set():
        nxt += period
        name = rnd.choice(names)
        flip = n % 10 == 0
        n += 1

        def fn(pod: Obj, flip: bool = flip) -> None:
            pod["metadata"].setdefault("annotations", {})["changedAt"] = f"{time.time():.6f}"
            if flip:
                ready = not pod_ready(pod)
                for cs in pod["status"].get("containerStatuses", []):
                    cs["ready"] = ready
                set_pod_ready(pod, ready)

        try:
            cluster.update_pod(namespace, name, fn)
        except KeyError:
            pass
        delay = nxt - time.monotonic()
        if delay > 0:
            stop.wait(delay)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve a simulated Kubernetes API on 127.0.0.1")
    ap.add_argument("--pods", type=int, default=50)
    ap.add_argument("--deployments", type=int, default=5)
    ap.add_argument("--namespace", default="asr")
    ap.add_argument("--churn", type=float, default=0.0, help="pod changes per second")
    ap.add_argument("--kubeconfig", help="write a kubeconfig for this server here")
    ap.add_argument("--context", default="sim")
    args = ap.parse_args(argv)
    sim = KubeSim(args.context).start()
    per = max(1, args.pods // max(1, args.deployments))
    sim.cluster.populate(args.namespace, args.deployments, per)
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, {args.context: sim.url}, namespace=args.namespace)
    stop = threading.Event()
    if args.churn > 0:
        threading.Thread(
            target=churn, args=(sim.cluster, args.namespace, args.churn, stop), daemon=True
        ).start()
    print(json.dumps({"url": sim.url, "pods": args.pods}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop.set()
        sim.stop()
