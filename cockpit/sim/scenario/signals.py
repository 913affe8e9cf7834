"""What the metrics say: each fault's intensity over time, traffic, error rate, latency,
streams, the Prometheus query table and the DCGM GPU series (self: LaunchScenario).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping

from cockpit.sim.prometheus import QueryTable, Sample
from cockpit.sim.scenario.world import (
    DECAY,
    FLAP_CYCLE,
    FLAP_FLICKER,
    FLAP_HELD,
    FLAP_HIGH,
    FLAP_LOW,
    FULL_RPS,
    GPU_MIB,
    GPUS,
    NAMESPACE,
    RISE,
    _noise,
    _smooth,
)


class Signals:
    """Values every simulator answers with, as functions of wall time (self: LaunchScenario)."""

    def intensity(self, effect: str, t: float) -> float:
        """0..1: how strongly `effect` shows in the metrics at wall time `t`."""
        total = 0.0
        with self._lock:
            windows = [w for w in self.windows if effect in w.effects and w.start <= t]
        for w in windows:
            end = w.end if w.end is not None else math.inf
            rise_end = min(t, end)
            level = _smooth((rise_end - w.start) * self.speed / RISE)
            if t > end:
                level *= math.exp(-(t - end) * self.speed / DECAY)
            total += level
        return min(1.0, total)

    # ------------------------------------------------------------ metrics

    def traffic(self, t: float) -> float:
        s = self.s(t)
        ramp = 0.0
        if self._traffic is not None:
            start, over = self._traffic
            ramp = _smooth((s - start) / max(over, 1.0))
        return max(0.02, (0.15 + 0.85 * ramp) * (1 + 0.03 * _noise(t, 1)))

    def request_rate(self, t: float) -> float:
        return FULL_RPS * self.traffic(t)

    def error_rate(self, t: float) -> float:
        base = 0.0015 + 0.0005 * _noise(t, 2)
        return max(0.0, base + 0.085 * self.intensity("errors", t) + self._flap(t))

    def _flap(self, t: float) -> float:
        """The "flap" fault's error rate: see FLAP_CYCLE."""
        level = self.intensity("flap", t)
        if level <= 0:
            return 0.0
        windows = [w for w in self.windows if "flap" in w.effects and w.start <= t]
        if windows[-1].ended(t):
            return level * FLAP_LOW  # over: the low level, decaying, no more crossings
        into = (t - windows[-1].start) * self.speed % FLAP_CYCLE
        flicker = FLAP_CYCLE - FLAP_HELD - 15.0
        if into < flicker:
            high = int(into // FLAP_FLICKER) % 2 == 0
        else:
            high = into < flicker + FLAP_HELD
        return level * (FLAP_HIGH if high else FLAP_LOW)

    def _slow(self, t: float) -> float:
        return max(self.intensity("latency", t), 0.8 * self.intensity("errors", t),
                   0.3 * self.intensity("gpu-saturate", t))

    def p95(self, t: float) -> float:
        return 0.28 + 0.12 * self.traffic(t) + 0.02 * _noise(t, 3) + 1.35 * self._slow(t)

    def p99(self, t: float) -> float:
        return 0.55 + 0.25 * self.traffic(t) + 0.04 * _noise(t, 4) + 2.1 * self._slow(t)

    def active_streams(self, t: float) -> float:
        return float(round(150 * self.traffic(t)))

    def prom_table(self, queries: Mapping[str, str]) -> QueryTable:
        """Exact answers for the demo config's named queries, and the DCGM metrics."""
        fns: dict[str, Callable[[float], float]] = {
            "error_rate": self.error_rate,
            "p95_latency": self.p95,
            "p99_latency": self.p99,
            "request_rate": self.request_rate,
            "active_streams": self.active_streams,
        }
        table = QueryTable()
        for name, expr in queries.items():
            if name in fns:
                table.add_scalar_expr(expr, fns[name])
        for field_name, metric in (
            ("util", "DCGM_FI_DEV_GPU_UTIL"),
            ("fb_used", "DCGM_FI_DEV_FB_USED"),
            ("fb_free", "DCGM_FI_DEV_FB_FREE"),
            ("temp", "DCGM_FI_DEV_GPU_TEMP"),
            ("power", "DCGM_FI_DEV_POWER_USAGE"),
            ("xid", "DCGM_FI_DEV_XID_ERRORS"),
        ):
            table.metrics[metric] = (lambda f: lambda t: self.gpu_series(f, t))(field_name)
        return table

    def _worker_pods(self) -> list[tuple[str, bool]]:
        """(name, crashing) of the asr-worker pods, oldest name order, at most one per GPU."""
        if self.cluster is None:
            return [(f"asr-worker-{i}", False) for i in range(len(GPUS))]
        pods = []
        for p in self.cluster.objects("pods", NAMESPACE):
            if p["metadata"].get("labels", {}).get("app") != "asr-worker":
                continue
            statuses = p.get("status", {}).get("containerStatuses") or []
            crashing = any(
                (cs.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                for cs in statuses
            )
            ready = all(cs.get("ready") for cs in statuses) if statuses else False
            if ready or crashing:
                pods.append((p["metadata"]["name"], crashing))
        return sorted(pods)[: len(GPUS)]

    def gpu_series(self, field_name: str, t: float) -> list[Sample]:
        pods = self._worker_pods()
        serving = sum(1 for _, crashing in pods if not crashing) or 1
        load = self.traffic(t) * len(GPUS) / serving
        out: list[Sample] = []
        xid = self.intensity("xid", t) > 0.5
        for i, (node, gpu) in enumerate(GPUS):
            pod, crashing = pods[i] if i < len(pods) else ("", False)
            busy = bool(pod) and not crashing
            util = min(100.0, max(0.0, 6 + 72 * load * (1 + 0.08 * _noise(t, 10 + i)))) \
                if busy else 0.0
            if busy:
                util += (100.0 - util) * self.intensity("gpu-saturate", t)
            used = (7800 + 9500 * min(1.0, load) + 300 * _noise(t, 20 + i)) if busy else 1.0
            value = {
                "util": round(util),
                "fb_used": round(used),
                "fb_free": round(GPU_MIB - used),
                "temp": round(34 + 0.4 * util),
                "power": round(16 + 0.52 * util, 3),
                "xid": 79.0 if xid and i == len(GPUS) - 1 else 0.0,
            }[field_name]
            uid = hashlib.sha256(f"{node}/{gpu}".encode()).hexdigest()
            labels = {
                "gpu": gpu,
                "UUID": f"GPU-{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
                "device": f"nvidia{gpu}",
                "modelName": "NVIDIA L4",
                "Hostname": node,
                "DCGM_FI_DRIVER_VERSION": "550.90.07",
                "instance": f"10.0.3.{11 + i // 2}:9400",
                "job": "dcgm-exporter",
            }
            if pod:
                labels.update(pod=pod, namespace=NAMESPACE, container="asr-worker")
            out.append((labels, float(value)))
        return out

    # ------------------------------------------------------------ the script

