"""The GPU pane inside the real cockpit app, fed by the real engine and GPU source.

The NVML boundary is the fake one (a GPU, then an XID), so this runs without a GPU;
what is checked is the wiring: engine readings reach the pane, the XID event reaches
the log, and an NVML failure stays inside the GPU pane.
"""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widgets import Static

from cockpit.config import LaunchConfig
from cockpit.engine import Engine
from cockpit.layout import parse_layout
from cockpit.model import EventKind
from cockpit.sources.gpu import GpuSource
from cockpit.sources.gpu_nvml import NvmlReader
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.gpu import FakeGpu, FakeNvml

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = """
name: gpu-test
columns: [1fr]
rows: [7, 1fr]
panes:
  - {type: verdict, row: 0, col: 0}
  - {type: gpu, row: 1, col: 0}
"""


def body_text(app: CockpitApp) -> list[str]:
    body = app.query_one("#gpu-body", Static)
    w, h = body.size
    return [s.text.rstrip() for s in body.render_lines(Region(0, 0, w, h)) if s.text.strip()]


async def test_gpu_pane_in_the_app(tmp_path):
    nv = FakeNvml([FakeGpu(util=0), FakeGpu(util=97, uuid="GPU-2")])
    config = LaunchConfig.model_validate(
        {
            "launch": "gpu test",
            "checklist": str(ROOT / "checklists" / "launch-day.yaml"),
            "gpu": {"source": "nvml"},
        }
    )
    source = GpuSource(NvmlReader(lambda: nv, node="bastion-1"), interval=3600)
    store = SqliteStore(tmp_path / "events.db")
    engine = Engine(config, store, sources=[source])
    app = CockpitApp(engine, [parse_layout(LAYOUT)], start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await engine.sample_now("gpu")
        app.refresh_now()
        await pilot.pause()
        lines = body_text(app)
        assert lines[0].startswith("▾ bastion-1  2 GPUs · util avg 48% max 97%")
        assert "IDLE" in lines[1] and "SAT" in lines[2]
        assert engine.readings["gpu.util_max"].value == 0.97

        nv.xids.append((1, 79))
        await engine.sample_now("gpu")
        app.refresh_now()
        await pilot.pause()
        assert "XID 79" in body_text(app)[2]
        gpu_events = [e for e in store.events(kinds=[EventKind.GPU])]
        assert [e.message for e in gpu_events] == ["XID 79 on bastion-1 GPU 1"]

        nv.fail["nvmlDeviceGetMemoryInfo"] = FakeNvml.NVML_ERROR_GPU_IS_LOST
        await engine.sample_now("gpu")
        app.refresh_now()
        await pilot.pause()
        assert body_text(app) == ["NVML error: GPU is lost"]
        assert app.is_running
    store.close()
