"""GPU test material: a DCGM exporter dataset (OpenMetrics, for promtool backfill) and a fake NVML.

The DCGM dataset is what dcgm-exporter scraped into Prometheus looks like: metric
names and labels as the exporter emits them (`gpu`, `UUID`, `pci_bus_id`, `device`,
`modelName`, `Hostname`, `DCGM_FI_DRIVER_VERSION`, plus `pod`/`namespace`/`container`
on a GPU a pod holds) and the scrape target's `job`/`instance`. The fleet is
2 nodes x 8 GPUs with one idle GPU behind a pod (traffic not reaching it), saturated
ones (compute, and one by memory), and one GPU that raises XID 79 two minutes
before the end of the window.

The fake NVML is an object standing in for the `pynvml` module, with just the calls
the NVML reader makes, so unit tests can play one GPU, a missing library or an error
in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from cockpit.sources.gpu_model import GpuStat

MIB = 1024 * 1024
H100_FB_MIB = 81559  # what DCGM reports as FB_USED + FB_FREE on an H100 80GB HBM3
H100 = "NVIDIA H100 80GB HBM3"
DRIVER = "550.90.07"

# A fixed end of the dataset, 2026-11-20T12:00:00Z: tests query at this instant.
END = 1_795_176_000.0
XID_AT = END - 120.0  # node-b GPU 5 reports XID 79 from here on


@dataclass(frozen=True)
class DcgmGpu:
    node: str
    gpu: int
    util: float  # percent, as DCGM_FI_DEV_GPU_UTIL
    fb_used: float  # MiB
    temp: float
    power: float  # W
    pod: str = ""
    namespace: str = ""
    container: str = ""
    xid: int = 0
    xid_at: float | None = None  # first timestamp the XID code shows (None: from the start)
    ip: str = "10.0.0.1"

    @property
    def fb_free(self) -> float:
        return H100_FB_MIB - self.fb_used

    @property
    def uuid(self) -> str:
        n = sum(map(ord, self.node)) * 16 + self.gpu
        return f"GPU-{n:08x}-d9cf-fef3-62e9-{self.gpu:012x}"

    def labels(self) -> dict[str, str]:
        labels = {
            "gpu": str(self.gpu),
            "UUID": self.uuid,
            "pci_bus_id": f"00000000:{0x18 + self.gpu * 0x10:02X}:00.0",
            "device": f"nvidia{self.gpu}",
            "modelName": H100,
            "Hostname": self.node,
            "DCGM_FI_DRIVER_VERSION": DRIVER,
        }
        if self.pod:
            labels |= {"container": self.container, "namespace": self.namespace, "pod": self.pod}
        labels |= {"instance": f"{self.ip}:9400", "job": "dcgm-exporter"}
        return labels


def _a(i: int, util: float, used: float, temp: float, power: float, pod: bool = True) -> DcgmGpu:
    return DcgmGpu(
        "gpu-node-a",
        i,
        util,
        used,
        temp,
        power,
        pod=f"asr-worker-a{i}" if pod else "",
        namespace="asr" if pod else "",
        container="triton" if pod else "",
        ip="10.0.1.11",
    )


def _b(
    i: int, util: float, used: float, temp: float, power: float, pod: bool = True, **kw: Any
) -> DcgmGpu:
    return DcgmGpu(
        "gpu-node-b",
        i,
        util,
        used,
        temp,
        power,
        pod=f"asr-worker-b{i}" if pod else "",
        namespace="asr" if pod else "",
        container="triton" if pod else "",
        ip="10.0.1.12",
        **kw,
    )


def fleet_2x8() -> list[DcgmGpu]:
    """The integration fleet. Expected figures are in EXPECTED below; keep both in step."""
    return [
        _a(0, 62, 40000, 61, 410.5),
        _a(1, 71, 42000, 63, 455.0),
        _a(2, 55, 39000, 60, 390.25),
        _a(3, 98, 60000, 78, 690.0),  # saturated (compute)
        _a(4, 0, 38000, 34, 72.0),  # idle behind a pod: traffic not reaching it
        _a(5, 66, 41000, 62, 430.0),
        _a(6, 80, 79000, 70, 520.0),  # saturated (memory: 79000/81559 = 96.9%)
        _a(7, 45, 37000, 58, 360.0),
        _b(0, 88, 50000, 71, 600.0),
        _b(1, 91, 51000, 72, 610.0),
        _b(2, 97, 52000, 79, 680.0),  # saturated (compute)
        _b(3, 93, 50500, 74, 640.0),
        _b(4, 85, 49000, 69, 590.0),
        _b(5, 0, 0, 33, 65.0, pod=False, xid=79, xid_at=XID_AT),  # fell off the bus
        _b(6, 90, 50000, 72, 615.0),
        _b(7, 100, 70000, 83, 700.0),  # saturated (compute)
    ]


def _expected() -> dict[str, float]:
    gpus = fleet_2x8()
    utils = [g.util / 100 for g in gpus]
    return {
        "gpu.count": 16.0,
        "gpu.util_max": 1.0,
        "gpu.util_avg": sum(utils) / len(utils),
        "gpu.mem_used_max": 79000 / H100_FB_MIB,
        "gpu.temp_max": 83.0,
        "gpu.power_total": sum(g.power for g in gpus),
        "gpu.xid_errors": 1.0,
        "gpu.idle": 2.0,
        "gpu.saturated": 4.0,
    }


EXPECTED = _expected()

_FAMILIES = (
    ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", lambda g, t: g.util),
    ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", lambda g, t: g.fb_used),
    ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", lambda g, t: g.fb_free),
    ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", lambda g, t: g.temp),
    ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", lambda g, t: g.power),
    (
        "DCGM_FI_DEV_XID_ERRORS",
        "Value of the last XID error encountered.",
        lambda g, t: g.xid if g.xid and (g.xid_at is None or t >= g.xid_at) else 0,
    ),
)


def _label_text(labels: dict[str, str]) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return ",".join(f'{k}="{esc(v)}"' for k, v in labels.items())


def dcgm_openmetrics(
    gpus: Iterable[DcgmGpu] | None = None,
    end: float = END,
    span: float = 900.0,
    step: float = 15.0,
) -> str:
    """OpenMetrics text of the fleet scraped every `step` s over `span` s up to `end`."""
    fleet = list(fleet_2x8() if gpus is None else gpus)
    n = int(span // step)
    times = [end - (n - i) * step for i in range(n + 1)]
    out: list[str] = []
    for name, help_text, value in _FAMILIES:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} gauge")
        for g in fleet:
            labels = _label_text(g.labels())
            for t in times:
                out.append(f"{name}{{{labels}}} {value(g, t):g} {t:.3f}")
    out.append("# EOF")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- fake NVML


class FakeNvmlError(Exception):
    """Shaped like pynvml.NVMLError: carries the NVML return code in `value`."""

    def __init__(self, value: int, text: str = "") -> None:
        self.value = value
        super().__init__(text or f"NVML error {value}")


@dataclass
class FakeGpu:
    name: str = H100
    uuid: str = "GPU-11111111-2222-3333-4444-555555555555"
    util: int = 37  # percent
    mem_used: int = 20_000 * MIB
    mem_total: int = H100_FB_MIB * MIB
    temp: int = 51
    power_mw: int | None = 231_456  # None: NVML_ERROR_NOT_SUPPORTED
    processes: list[tuple[int, str, int | None]] = field(default_factory=list)


class FakeNvml:
    """A stand-in for the `pynvml` module: the calls NvmlReader makes, and knobs to break it.

    `fail` maps a function name to an error code raised on its next call(s):
    `fail_times` how many calls fail (then it works again). `init_error` makes
    nvmlInit fail (no driver). `xids` are pending XID events: (gpu index, code).
    """

    NVMLError = FakeNvmlError
    NVML_SUCCESS = 0
    NVML_ERROR_UNINITIALIZED = 1
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_NO_PERMISSION = 4
    NVML_ERROR_TIMEOUT = 10
    NVML_ERROR_GPU_IS_LOST = 15
    NVML_TEMPERATURE_GPU = 0
    nvmlEventTypeXidCriticalError = 8

    def __init__(self, gpus: list[FakeGpu] | None = None) -> None:
        self.gpus = [FakeGpu()] if gpus is None else gpus
        self.initialised = False
        self.init_calls = 0
        self.shutdown_calls = 0
        self.init_error: FakeNvmlError | None = None
        self.fail: dict[str, int] = {}
        self.fail_times = 1
        self.xids: list[tuple[int, int]] = []
        self.calls: list[str] = []

    def _enter(self, fn: str) -> None:
        self.calls.append(fn)
        if fn != "nvmlInit" and not self.initialised:
            raise FakeNvmlError(self.NVML_ERROR_UNINITIALIZED, "Uninitialized")
        if fn in self.fail:
            code = self.fail[fn]
            self.fail_times -= 1
            if self.fail_times <= 0:
                del self.fail[fn]
            raise FakeNvmlError(code, "GPU is lost" if code == self.NVML_ERROR_GPU_IS_LOST else "")

    def _h(self, handle: Any) -> FakeGpu:
        return self.gpus[handle.index]

    def nvmlInit(self) -> None:
        self.init_calls += 1
        self._enter("nvmlInit")
        if self.init_error is not None:
            raise self.init_error
        self.initialised = True

    def nvmlShutdown(self) -> None:
        self.shutdown_calls += 1
        self.initialised = False

    def nvmlDeviceGetCount(self) -> int:
        self._enter("nvmlDeviceGetCount")
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> Any:
        self._enter("nvmlDeviceGetHandleByIndex")
        return SimpleNamespace(index=i)

    def nvmlDeviceGetIndex(self, handle: Any) -> int:
        return handle.index

    def nvmlDeviceGetName(self, h: Any) -> bytes:
        self._enter("nvmlDeviceGetName")
        return self._h(h).name.encode()  # older pynvml returns bytes

    def nvmlDeviceGetUUID(self, h: Any) -> str:
        self._enter("nvmlDeviceGetUUID")
        return self._h(h).uuid

    def nvmlDeviceGetUtilizationRates(self, h: Any) -> Any:
        self._enter("nvmlDeviceGetUtilizationRates")
        return SimpleNamespace(gpu=self._h(h).util, memory=0)

    def nvmlDeviceGetMemoryInfo(self, h: Any) -> Any:
        self._enter("nvmlDeviceGetMemoryInfo")
        g = self._h(h)
        return SimpleNamespace(used=g.mem_used, total=g.mem_total, free=g.mem_total - g.mem_used)

    def nvmlDeviceGetTemperature(self, h: Any, sensor: int) -> int:
        self._enter("nvmlDeviceGetTemperature")
        assert sensor == self.NVML_TEMPERATURE_GPU
        return self._h(h).temp

    def nvmlDeviceGetPowerUsage(self, h: Any) -> int:
        self._enter("nvmlDeviceGetPowerUsage")
        mw = self._h(h).power_mw
        if mw is None:
            raise FakeNvmlError(self.NVML_ERROR_NOT_SUPPORTED, "Not Supported")
        return mw

    def nvmlDeviceGetComputeRunningProcesses(self, h: Any) -> list[Any]:
        self._enter("nvmlDeviceGetComputeRunningProcesses")
        return [SimpleNamespace(pid=p, usedGpuMemory=m) for p, _, m in self._h(h).processes]

    def nvmlSystemGetProcessName(self, pid: int) -> str:
        self._enter("nvmlSystemGetProcessName")
        for g in self.gpus:
            for p, name, _ in g.processes:
                if p == pid:
                    return name
        raise FakeNvmlError(3, "Not Found")

    def nvmlEventSetCreate(self) -> Any:
        self._enter("nvmlEventSetCreate")
        return SimpleNamespace(registered=set())

    def nvmlDeviceRegisterEvents(self, h: Any, types: int, event_set: Any) -> None:
        self._enter("nvmlDeviceRegisterEvents")
        event_set.registered.add(h.index)

    def nvmlEventSetWait_v2(self, event_set: Any, timeout_ms: int) -> Any:
        self._enter("nvmlEventSetWait_v2")
        while self.xids:
            index, code = self.xids.pop(0)
            if index in event_set.registered:
                return SimpleNamespace(
                    device=SimpleNamespace(index=index),
                    eventType=self.nvmlEventTypeXidCriticalError,
                    eventData=code,
                )
        raise FakeNvmlError(self.NVML_ERROR_TIMEOUT, "Timeout")

    def nvmlEventSetFree(self, event_set: Any) -> None:
        pass


# ---------------------------------------------------------------- GpuStats for pane tests


def stats_of(fleet: Iterable[DcgmGpu], at: float = END, history: int = 12) -> list[GpuStat]:
    """What the DCGM reader makes of `fleet` at `at`, with a made-up utilization history."""
    out = []
    for g in fleet:
        util = g.util / 100
        out.append(
            GpuStat(
                node=g.node,
                gpu=str(g.gpu),
                uuid=g.uuid,
                model=H100,
                util=util,
                mem_used=g.fb_used * MIB,
                mem_total=H100_FB_MIB * MIB,
                temp=g.temp,
                power=g.power,
                xid=g.xid if g.xid and (g.xid_at is None or at >= g.xid_at) else 0,
                pod=g.pod,
                namespace=g.namespace,
                container=g.container,
                history=tuple(
                    min(1.0, util * (0.6 + 0.4 * i / max(1, history - 1))) for i in range(history)
                ),
            )
        )
    return out


def big_fleet(nodes: int = 8, per_node: int = 8) -> list[DcgmGpu]:
    """`nodes` x `per_node` GPUs: busy, with a few idle, saturated and one XID, deterministic."""
    fleet = []
    for n in range(nodes):
        for i in range(per_node):
            k = n * per_node + i
            util = 40 + (k * 37) % 55  # 40..94
            used = 30000 + (k * 7919) % 40000
            kw: dict[str, Any] = {}
            if k in (5, 42):
                util = 0
            if k in (11, 30, 61):
                util = 99
            if k == 50:
                kw = {"xid": 48}
            fleet.append(
                DcgmGpu(
                    f"gpu-node-{n:02d}",
                    i,
                    util,
                    used,
                    50 + k % 30,
                    300 + (k * 13) % 400,
                    pod=f"asr-worker-{k}",
                    namespace="asr",
                    container="triton",
                    **kw,
                )
            )
    return fleet
