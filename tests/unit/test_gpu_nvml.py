"""The NVML source with the NVML boundary substituted: no library, one GPU, errors mid-run."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cockpit.model import EventKind
from cockpit.sources.gpu import DETAIL_SIGNAL, GpuSource
from cockpit.sources.gpu_model import SIGNALS, GpuSnapshot, Mark
from cockpit.sources.gpu_nvml import NvmlReader
from tests.support.gpu import MIB, FakeGpu, FakeNvml, FakeNvmlError

T0 = 1_795_176_000.0


def source_for(nv: FakeNvml | None, *, missing: bool = False) -> GpuSource:
    def load():
        if missing:
            raise ModuleNotFoundError("No module named 'pynvml'")
        return nv

    return GpuSource(NvmlReader(load, node="bastion-1"), interval=5.0, clock=lambda: T0)


def by_name(readings):
    return {r.name: r for r in readings}


async def test_library_absent_gives_one_clear_error_and_nothing_else():
    src = source_for(None, missing=True)
    await src.start()  # must not raise
    readings = await src.sample()
    assert {r.name for r in readings} == set(SIGNALS)
    errors = {r.error for r in readings}
    assert errors == {"NVML not available on this host: No module named 'pynvml'"}
    assert all(r.at == T0 and not r.has_data for r in readings)
    assert by_name(readings)[DETAIL_SIGNAL].detail is None
    assert src.drain_events() == []
    await src.close()  # nothing to shut down, no error


async def test_driver_missing_names_nvmls_reason():
    nv = FakeNvml()
    nv.init_error = FakeNvmlError(9, "Driver Not Loaded")
    src = source_for(nv)
    await src.start()
    r = by_name(await src.sample())["gpu.util_max"]
    assert r.error == "NVML not available on this host: Driver Not Loaded"
    # Each cycle tries again: a driver loaded later is picked up.
    nv.init_error = None
    r = by_name(await src.sample())["gpu.util_max"]
    assert r.ok and r.value == pytest.approx(0.37)


async def test_one_gpu_read_in_a_worker_thread():
    nv = FakeNvml(
        [FakeGpu(processes=[(4242, "tritonserver", 18_000 * MIB), (77, "python3", None)])]
    )
    threads: set[str] = set()
    real = nv.nvmlDeviceGetUtilizationRates

    def spy(h):
        threads.add(threading.current_thread().name)
        return real(h)

    nv.nvmlDeviceGetUtilizationRates = spy
    src = source_for(nv)
    await src.start()
    readings = by_name(await src.sample())
    assert threads and threading.main_thread().name not in threads  # blocking calls off the loop

    assert readings["gpu.count"].value == 1.0
    assert readings["gpu.util_max"].value == pytest.approx(0.37)
    assert readings["gpu.util_avg"].value == pytest.approx(0.37)
    assert readings["gpu.mem_used_max"].value == pytest.approx(20_000 / 81559)
    assert readings["gpu.temp_max"].value == 51.0
    assert readings["gpu.power_total"].value == pytest.approx(231.456)
    assert readings["gpu.xid_errors"].value == 0.0
    assert all(r.at == T0 and r.source == "gpu" for r in readings.values())

    snap = readings[DETAIL_SIGNAL].detail
    assert isinstance(snap, GpuSnapshot) and snap.source == "nvml"
    (gpu,) = snap.gpus
    assert (gpu.node, gpu.gpu, gpu.model) == ("bastion-1", "0", "NVIDIA H100 80GB HBM3")
    assert gpu.uuid == "GPU-11111111-2222-3333-4444-555555555555"
    assert gpu.mem_total == 81559 * MIB and gpu.mark is Mark.OK
    assert [(p.pid, p.name, p.mem_used) for p in gpu.processes] == [
        (4242, "tritonserver", 18_000 * MIB),
        (77, "python3", None),
    ]
    assert gpu.history == (pytest.approx(0.37),)
    await src.close()
    assert nv.shutdown_calls == 1 and not nv.initialised


async def test_power_not_supported_is_no_figure_not_a_failure():
    nv = FakeNvml([FakeGpu(power_mw=None)])
    src = source_for(nv)
    readings = by_name(await src.sample())
    assert readings["gpu.util_max"].ok
    assert readings["gpu.power_total"].ok and readings["gpu.power_total"].value is None
    assert readings[DETAIL_SIGNAL].detail.gpus[0].power is None


async def test_nvml_error_mid_run_fails_that_cycle_and_recovers():
    nv = FakeNvml([FakeGpu(util=10), FakeGpu(util=90, uuid="GPU-2")])
    src = source_for(nv)
    await src.start()
    first = by_name(await src.sample())
    assert first["gpu.count"].value == 2.0

    nv.fail["nvmlDeviceGetMemoryInfo"] = FakeNvml.NVML_ERROR_GPU_IS_LOST
    failed = await src.sample()
    assert {r.error for r in failed} == {"NVML error: GPU is lost"}
    assert src.snapshot is None

    nv.gpus[0].util = 20
    again = by_name(await src.sample())
    assert again["gpu.count"].value == 2.0 and again["gpu.util_max"].value == pytest.approx(0.9)
    assert again["gpu.util_avg"].value == pytest.approx(0.55)
    assert nv.init_calls == 2  # NVML was started over after the error
    # The failed cycle left no hole in the history, only the real points.
    assert again[DETAIL_SIGNAL].detail.gpus[0].history == (pytest.approx(0.1), pytest.approx(0.2))


async def test_xid_event_from_nvml_writes_one_gpu_event():
    nv = FakeNvml([FakeGpu(), FakeGpu(uuid="GPU-2")])
    src = source_for(nv)
    await src.start()
    await src.sample()
    assert src.drain_events() == []
    nv.xids.append((1, 79))
    readings = by_name(await src.sample())
    assert readings["gpu.xid_errors"].value == 1.0
    events = src.drain_events()
    assert len(events) == 1
    assert events[0].kind == EventKind.GPU
    assert events[0].message == "XID 79 on bastion-1 GPU 1"
    assert events[0].data["uuid"] == "GPU-2"
    await src.sample()
    assert src.drain_events() == []  # one event per XID, not one per cycle


async def test_concurrent_samples_do_not_interleave_nvml_calls():
    nv = FakeNvml([FakeGpu() for _ in range(4)])
    src = source_for(nv)
    results = await asyncio.gather(*(src.sample() for _ in range(5)))
    assert all(by_name(r)["gpu.count"].value == 4.0 for r in results)
    assert nv.init_calls == 1


async def test_the_real_library_on_this_host_reads_gpus_or_says_why_not():
    """No fake: the real pynvml. On a host without a GPU driver (CI, the bastion) this is
    the one-line error; on a GPU host every GPU signal has a value."""
    src = GpuSource(NvmlReader(), clock=lambda: T0)
    await src.start()
    readings = await src.sample()
    await src.close()
    errors = {r.error for r in readings}
    if errors == {None}:
        assert by_name(readings)["gpu.count"].value >= 1
    else:
        (error,) = errors
        assert error.startswith("NVML not available on this host: ")
