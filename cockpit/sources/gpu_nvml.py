"""The GPUs of this host, read with NVML (`pynvml`).

`pynvml` is imported lazily, on the first read, so a host without it (the usual
bastion) loads the cockpit fine and its GPU pane says in one line why there is
nothing: "NVML not available on this host: ...". NVML calls block, so the whole
read runs in a worker thread (`asyncio.to_thread`). An NVML error in the middle
of a run fails that cycle only; the next read starts over (re-initialising NVML
if it had to be shut down).
"""

from __future__ import annotations

import asyncio
import importlib
import socket
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from cockpit.sources.gpu_model import GpuProcess, GpuReadError, GpuStat


def _load_pynvml() -> ModuleType:
    return importlib.import_module("pynvml")


def _text(v: Any) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


class NvmlReader:
    """Reads every GPU NVML sees. `load` returns the NVML module (tests pass a fake one)."""

    kind = "nvml"

    def __init__(
        self, load: Callable[[], ModuleType] = _load_pynvml, node: str | None = None
    ) -> None:
        self._load = load
        self._nv: Any = None
        self._ready = False
        self._node = node or socket.gethostname()
        self._events: Any = None  # NVML event set for XID errors, when the GPU supports it
        self._xid: dict[int, int] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Try NVML once up front; a failure is reported by the first read, not raised."""
        try:
            await asyncio.to_thread(self._ensure_init)
        except GpuReadError:
            pass

    async def read(self, time: float | None = None) -> list[GpuStat]:
        return await asyncio.to_thread(self._read_locked)

    async def close(self) -> None:
        await asyncio.to_thread(self._shutdown)

    # ------------------------------------------------------------ blocking part

    def _ensure_init(self) -> None:
        with self._lock:
            self._init()

    def _init(self) -> None:
        if self._ready:
            return
        try:
            if self._nv is None:
                self._nv = self._load()
            self._nv.nvmlInit()
        except Exception as exc:  # ImportError, NVMLError_LibraryNotFound, DriverNotLoaded...
            raise GpuReadError(f"NVML not available on this host: {_describe(exc)}") from exc
        self._ready = True
        self._register_xid_events()

    def _register_xid_events(self) -> None:
        """XID errors reach NVML users as events; not every GPU or VM supports them."""
        nv = self._nv
        try:
            events = nv.nvmlEventSetCreate()
            for i in range(nv.nvmlDeviceGetCount()):
                handle = nv.nvmlDeviceGetHandleByIndex(i)
                try:
                    nv.nvmlDeviceRegisterEvents(handle, nv.nvmlEventTypeXidCriticalError, events)
                except nv.NVMLError:
                    continue  # this GPU does not report XIDs as events
            self._events = events
        except Exception:
            self._events = None

    def _drain_xid_events(self) -> None:
        nv = self._nv
        if self._events is None:
            return
        wait = getattr(nv, "nvmlEventSetWait_v2", None) or nv.nvmlEventSetWait
        for _ in range(1000):  # bounded: a storm of events must not stall the read
            try:
                data = wait(self._events, 0)
            except nv.NVMLError:
                return  # NVML_ERROR_TIMEOUT: nothing pending
            try:
                index = int(nv.nvmlDeviceGetIndex(data.device))
            except nv.NVMLError:
                continue
            self._xid[index] = int(data.eventData)

    def _read_locked(self) -> list[GpuStat]:
        with self._lock:
            self._init()
            try:
                return self._read()
            except self._nv.NVMLError as exc:
                # Start over next cycle: a lost GPU or a reloaded driver needs a fresh init.
                self._shutdown_locked()
                raise GpuReadError(f"NVML error: {_describe(exc)}") from exc

    def _optional(self, call: Callable[..., Any], *args: Any) -> Any:
        """A figure this GPU may not offer (power on some boards): None, not a failed read."""
        nv = self._nv
        try:
            return call(*args)
        except nv.NVMLError as exc:
            if getattr(exc, "value", None) in (
                getattr(nv, "NVML_ERROR_NOT_SUPPORTED", 3),
                getattr(nv, "NVML_ERROR_NO_PERMISSION", 4),
            ):
                return None
            raise

    def _read(self) -> list[GpuStat]:
        nv = self._nv
        self._drain_xid_events()
        gpus = []
        for i in range(nv.nvmlDeviceGetCount()):
            h = nv.nvmlDeviceGetHandleByIndex(i)
            util = nv.nvmlDeviceGetUtilizationRates(h)
            mem = nv.nvmlDeviceGetMemoryInfo(h)
            temp = self._optional(nv.nvmlDeviceGetTemperature, h, nv.NVML_TEMPERATURE_GPU)
            power_mw = self._optional(nv.nvmlDeviceGetPowerUsage, h)
            procs = self._optional(nv.nvmlDeviceGetComputeRunningProcesses, h) or []
            gpus.append(
                GpuStat(
                    node=self._node,
                    gpu=str(i),
                    uuid=_text(self._optional(nv.nvmlDeviceGetUUID, h) or ""),
                    model=_text(self._optional(nv.nvmlDeviceGetName, h) or ""),
                    util=float(util.gpu) / 100.0,
                    mem_used=float(mem.used),
                    mem_total=float(mem.total),
                    temp=None if temp is None else float(temp),
                    power=None if power_mw is None else float(power_mw) / 1000.0,
                    xid=self._xid.get(i, 0),
                    processes=tuple(self._process(p) for p in procs),
                )
            )
        return gpus

    def _process(self, p: Any) -> GpuProcess:
        nv = self._nv
        try:
            name = _text(nv.nvmlSystemGetProcessName(p.pid))
        except nv.NVMLError:
            name = ""
        used = getattr(p, "usedGpuMemory", None)
        return GpuProcess(pid=int(p.pid), name=name, mem_used=None if used is None else float(used))

    def _shutdown(self) -> None:
        with self._lock:
            self._shutdown_locked()

    def _shutdown_locked(self) -> None:
        if not self._ready:
            return
        self._ready = False
        try:
            if self._events is not None:
                self._nv.nvmlEventSetFree(self._events)
        except Exception:  # noqa: S110 - best effort on the way out
            pass
        self._events = None
        try:
            self._nv.nvmlShutdown()
        except Exception:  # noqa: S110 - best effort on the way out
            pass
