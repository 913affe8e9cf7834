"""Read this host's GPUs with the cockpit's NVML source, once, and print what it read.

For checking the source against `nvidia-smi` on a GPU machine:

    python tools/nvml_check.py
    nvidia-smi --format=csv --query-gpu=index,name,uuid,utilization.gpu,\
memory.used,memory.total,temperature.gpu,power.draw

Columns match nvidia-smi's (memory in MiB, power in W). Exit status 1 when NVML
could not be read (the one-line reason is printed).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cockpit.sources.gpu import DETAIL_SIGNAL, GpuSource  # noqa: E402
from cockpit.sources.gpu_nvml import NvmlReader  # noqa: E402

MIB = 1024 * 1024


def _f(v: float | None, fmt: str, scale: float = 1.0) -> str:
    return "-" if v is None else format(v * scale, fmt)


async def main() -> int:
    src = GpuSource(NvmlReader())
    await src.start()
    readings = {r.name: r for r in await src.sample()}
    await src.close()
    detail = readings[DETAIL_SIGNAL]
    if detail.error:
        print(detail.error)
        return 1
    print(
        "index, name, uuid, utilization.gpu [%], memory.used [MiB], memory.total [MiB], "
        "temperature.gpu, power.draw [W], processes"
    )
    for g in detail.detail.gpus:
        procs = ";".join(f"{p.pid}:{p.name}" for p in g.processes)
        print(
            f"{g.gpu}, {g.model}, {g.uuid}, {_f(g.util, '.0f', 100)}, "
            f"{_f(g.mem_used, '.0f', 1 / MIB)}, {_f(g.mem_total, '.0f', 1 / MIB)}, "
            f"{_f(g.temp, '.0f')}, {_f(g.power, '.2f')}, {procs}"
        )
    for name, r in readings.items():
        print(f"{name} = {r.value!r}{' ' + r.unit if r.unit else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
