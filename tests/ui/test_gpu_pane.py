"""The GPU pane under Textual's Pilot, at 80x24 and 200x60.

Readings come from the real GpuSource (a reader that hands it fixed GPUs), so the
pane draws the source's view of what it really produces, built by hand (no engine).
The text asserted is what the widget rendered.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widgets import Static

from cockpit.model import Reading
from cockpit.sources.gpu import DETAIL_SIGNAL, GpuSource
from cockpit.sources.gpu_model import GpuStat, GpuView, gpu_view
from cockpit.ui.panes import pane_class
from cockpit.ui.panes.gpu import GpuPane, bar, render
from cockpit.ui.spark import sparkline
from tests.support.gpu import END, big_fleet, fleet_2x8, stats_of
from tests.support.panes import PaneApp as _PaneApp
from tests.support.panes import context


class ListReader:
    kind = "dcgm"

    def __init__(self, gpus: list[GpuStat]) -> None:
        self.gpus = gpus

    async def start(self) -> None:
        pass

    async def read(self, time: float | None = None) -> list[GpuStat]:
        return self.gpus

    async def close(self) -> None:
        pass


def view_of(readings: list[Reading], state: str = "live") -> GpuView:
    """The GPU source's view over readings it produced, built by hand (no engine)."""
    ctx = context("gpu", readings, at=END + 42, state=state,
                  age=42.0 if state == "stale" else 2.0)
    return gpu_view(ctx, DETAIL_SIGNAL)


def PaneApp(view: GpuView) -> _PaneApp:  # noqa: N802 - reads as the app
    return _PaneApp(GpuPane(id="gpu", configured=True), view)


async def readings_for(gpus: list[GpuStat]) -> list[Reading]:
    return await GpuSource(ListReader(gpus), clock=lambda: END).sample()


def screen_lines(app: App) -> list[str]:
    """What the pane's body widget rendered, as plain text lines (trailing spaces cut)."""
    body = app.query_one("#gpu-body", Static)
    w, h = body.size
    return [strip.text.rstrip() for strip in body.render_lines(Region(0, 0, w, h))]


def test_registered_as_gpu():
    assert pane_class("gpu") is GpuPane


def test_bar_and_sparkline():
    assert bar(0.0, 8) == "········"
    assert bar(1.0, 8) == "████████"
    assert bar(0.5, 8) == "████····"
    assert bar(0.55, 8) == "████▍···"
    assert bar(None, 7) == "···?···"
    assert sparkline([0.0, 0.5, 1.0], 5, align_right=True) == "  ▁▅█"
    assert sparkline([0.1] * 20, 4, align_right=True) == "▁▁▁▁"


async def test_16_gpus_at_80x24_one_line_each_grouped_by_node():
    app = PaneApp(view_of(await readings_for(stats_of(fleet_2x8()))))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert app.query_one(GpuPane).content_size.width == 76
    text = [line for line in lines if line]
    assert len(text) == 1 + 2 * 9  # fleet line, then per node a summary and 8 GPUs
    assert text[0].startswith("2 nodes · 16 GPUs · util avg 70% max 100% · mem max 97%")
    assert text[1].startswith("▾ gpu-node-a  8 GPUs · util avg 60% max 98%")
    assert text[10].startswith("▾ gpu-node-b  8 GPUs · util avg 80% max 100%")
    a4 = text[2 + 4]
    assert a4.startswith(" 4 ") and " 0% " in a4 and "IDLE" in a4 and "asr/asr-worker-a4" in a4
    assert "SAT" in text[2 + 3] and "SAT" in text[2 + 6]  # a3 by compute, a6 by memory
    b5 = text[11 + 5]
    assert "XID 79" in b5 and "IDLE" in b5
    assert " 71°C  600W " in text[11]
    assert all(len(line) <= 76 for line in lines)
    # The bars are the figures: 62% of a bar is filled on a0.
    assert "████▍··  62% mem" in text[2]


async def test_64_gpus_at_80x24_read_at_a_glance():
    app = PaneApp(view_of(await readings_for(stats_of(big_fleet()))))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [line for line in screen_lines(app) if line]
    assert lines[0].startswith("8 nodes · 64 GPUs · util avg")
    assert lines[0].endswith("…") or "2 idle, 3 saturated, 1 XID" in lines[0]
    nodes = [line for line in lines[1:9]]
    assert [line.split()[0] for line in nodes] == [f"gpu-node-{i:02d}" for i in range(8)]
    assert all(len(line.split()[1]) == 8 for line in nodes)  # one block per GPU
    assert "1 idle" in nodes[0] and "_" in nodes[0].split()[1]
    assert "1 XID" in nodes[6]
    assert lines[9] == "needs a look (6):"
    assert lines[10].startswith("gpu-node-06/ 2") and "XID 48" in lines[10]  # XID first
    assert sum("IDLE" in line for line in lines[10:]) == 2
    assert sum("SAT" in line for line in lines[10:]) == 3
    assert len(lines) <= 22


async def test_64_gpus_at_200x60_every_gpu_in_full_in_two_columns():
    app = PaneApp(view_of(await readings_for(stats_of(big_fleet()))))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        lines = [line for line in screen_lines(app) if line]
    assert lines[0] == (
        "8 nodes · 64 GPUs · util avg 66% max 99% · mem max 85% · 79°C max · 31.4 kW"
        " · 2 idle, 3 saturated, 1 XID"
    )
    assert len(lines) == 1 + 4 * 9
    headers = [line for line in lines if line.startswith("▾ ")]
    assert len(headers) == 4 and all(line.count("▾ gpu-node-") == 2 for line in headers)
    shown = sum(line.count("asr/asr-worker-") for line in lines)
    assert shown >= 62  # a long mark can push one pod name off a column's end
    assert sum(line.count(" SAT") for line in lines) == 3
    assert sum(line.count(" IDLE") for line in lines) == 2
    assert sum(line.count("XID 48") for line in lines) == 1


async def test_resize_switches_shape():
    app = PaneApp(view_of(await readings_for(stats_of(big_fleet()))))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert sum(line.startswith("▾ ") for line in screen_lines(app)) == 4
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].startswith("gpu-node-00 ")
        assert all(len(line) <= 76 for line in lines)


async def test_nvml_missing_is_one_clear_line():
    error = "NVML not available on this host: NVML Shared Library Not Found"
    readings = [Reading(source="gpu", name="gpu.count", error=error, at=END)]
    app = PaneApp(view_of(readings))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [line for line in screen_lines(app) if line]
    assert lines == [error]


async def test_outside_text_is_never_markup():
    evil = GpuStat(node="[red]n[/]", gpu="0", util=0.5, pod="[@click=app.quit]p[/]", namespace="x")
    app = PaneApp(view_of(await readings_for([evil])))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        lines = [line for line in screen_lines(app) if line]
        assert app.is_running
    assert lines[0].startswith("▾ [red]n[/]  1 GPU ·")
    assert "x/[@click=app.quit]p[/]" in lines[1]


async def test_stale_figures_say_so():
    app = PaneApp(view_of(await readings_for(stats_of(fleet_2x8())), state="stale"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
    assert lines[0] == "◌ STALE: figures from 42s ago"


@pytest.mark.parametrize(("width", "height"), [(20, 5), (38, 10), (76, 3), (300, 80)])
def test_render_fits_any_box(width, height):
    from cockpit.sources.gpu_model import build_snapshot

    snap = build_snapshot("dcgm", stats_of(big_fleet()))
    lines = render(snap, width, height)
    assert len(lines) <= height
    assert all(line.cell_len <= width for line in lines)
