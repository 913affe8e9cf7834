"""What the watch repaints when nothing changed, and what it still repaints when something
did (issue 14: a repaint is CPU and bytes over SSH; a stale reading must still show).

Each test spies on a widget's `refresh` (what Textual repaints) while the pane is fed
the same state again, then a changed one. Nothing here times anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from cockpit.sources.asr.result import ProbeProgress
from cockpit.ui.panes.base import layout_shape
from cockpit.ui.panes.lines import LineBody
from cockpit.ui.panes.pods import PodList
from cockpit.ui.panes.slo import SloPane
from cockpit.ui.text import plain
from tests.integration import prom_data as d
from tests.support.prom import prometheus_server
from tests.ui import test_asr_pane as asr_t
from tests.ui import test_kube_pane as kube_t
from tests.ui import test_prom_slo_pane as slo_t


class Spy:
    """Counts a widget's refresh calls (regions, layout) and passes them on."""

    def __init__(self, widget: object) -> None:
        self.calls: list[tuple[tuple, bool]] = []
        self._original = widget.refresh  # type: ignore[attr-defined]
        widget.refresh = self  # type: ignore[attr-defined]

    def __call__(self, *regions: object, layout: bool = False, **kw: object) -> object:
        self.calls.append((regions, layout))
        return self._original(*regions, layout=layout, **kw)


async def test_slo_unchanged_reading_does_not_repaint_but_aging_out_does(
        tmp_path: Path) -> None:
    with prometheus_server(d.slo_dataset(), tmp_path / "prom") as server:
        clock = slo_t.Clock(float(d.T0))
        engine = slo_t.make_engine(tmp_path, server.url, clock)
        source = engine.sources[0]
        try:
            await engine.sample_now("prometheus")
            app = slo_t.PaneApp(engine)
            async with app.run_test(size=(120, 30)) as pilot:
                await pilot.pause()
                pane = app.query_one(SloPane)
                spy = Spy(app.query_one("#slo-body", Static))
                for _ in range(3):  # the screen's clock: nothing changed
                    pane.refresh_from(engine)
                await pilot.pause()
                assert spy.calls == []
                clock.t += 30  # no sample for 30 s: past the source's stale bound
                pane.refresh_from(engine)
                await pilot.pause()
                assert len(spy.calls) == 1
                assert spy.calls[0][1] is False  # the body fills its pane: no layout pass
                er = slo_t.line_of(slo_t.screen_lines(app), "error rate ")
                assert "◌ 30s old" in er
        finally:
            await source.close()


async def test_asr_body_changes_its_line_count_without_a_layout_pass() -> None:
    source = asr_t.make_source()
    readings = asr_t.readings_of(source, asr_t.result())
    app = asr_t.PaneApp(asr_t.view_of(source, readings))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        spy = Spy(app.query_one("#asr-body", Static))
        app.pane.show(asr_t.view_of(source, readings))  # the same view again
        await pilot.pause()
        assert spy.calls == []
        source.progress = ProbeProgress("streaming", 0.4, 3.4, "launch")
        app.pane.show(asr_t.view_of(source, readings))  # a progress line more
        await pilot.pause()
        assert "streaming" in "\n".join(asr_t.screen_lines(app))
        source.progress = ProbeProgress("done", 3.4, 3.4, "")
        app.pane.show(asr_t.view_of(source, readings))  # and gone again
        await pilot.pause()
        assert "streaming" not in "\n".join(asr_t.screen_lines(app))
        # Two repaints of the body alone: it fills its pane, so no layout pass (which
        # would repaint every widget on the screen).
        assert len(spy.calls) == 2 and all(layout is False for _, layout in spy.calls)


async def test_pods_list_repaints_only_changed_lines() -> None:
    store = kube_t.KubeStore()
    c = kube_t.launch_cluster(healthy=40)
    kube_t.feed(store, c)
    app = kube_t.PaneApp(store)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        pods = app.query_one(PodList)
        spy = Spy(pods)
        # A change the list does not show (an annotation): a new view, nothing repainted.
        name = "asr-worker-0007"
        c.modify("pods", kube_t.NS, name, lambda p: p["metadata"].setdefault(
            "annotations", {}).__setitem__("note", "x"))
        kube_t.watched(store, c)
        app.redraw()
        await pilot.pause()
        assert spy.calls == []
        # A change it shows (the pod's image, in the VERSION column): that line only.
        def new_image(p: dict) -> None:
            p["spec"]["containers"][0]["image"] = "reg/worker:9.9"
            for s in p.get("status", {}).get("containerStatuses", []):
                s["image"] = "reg/worker:9.9"

        c.modify("pods", kube_t.NS, name, new_image)
        kube_t.watched(store, c)
        app.redraw()
        await pilot.pause()
        assert len(spy.calls) == 1
        regions = spy.calls[0][0]
        assert len(regions) == 1 and regions[0].height == 1
        row = pods.top + regions[0].y
        assert pods.rows[row].pod.name == name
        assert "9.9" in kube_t.lines_of(pods)[regions[0].y]


async def test_pods_list_looks_again_only_when_an_age_word_moves() -> None:
    """The clock's passes with the same view: the list is not gone over until the first
    shown pod's age words change (10 s steps), then that line is repainted."""
    import dataclasses

    store = kube_t.KubeStore()
    c = kube_t.launch_cluster(healthy=12)
    kube_t.feed(store, c)
    app = kube_t.PaneApp(store)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        pods = app.query_one(PodList)
        view = kube_t.view_of(store)
        born = max(r.pod.created for r in pods.rows if r.pod.created is not None)
        app.pane.show(dataclasses.replace(view, at=born + 3.0))  # the newest pod: 3 s old
        await pilot.pause()
        moves = pods.ages_move_at()
        assert moves == born + 10.0  # "<10s" -> "10s"
        looked: list[float] = []
        inner = pods.repaint_changed
        pods.repaint_changed = lambda: (looked.append(pods.now), inner())  # type: ignore
        spy = Spy(pods)
        t = pods.now + 1.0
        while t < moves:
            app.pane.show(dataclasses.replace(view, at=t))
            t += 1.0
        assert looked == [] and spy.calls == []
        app.pane.show(dataclasses.replace(view, at=moves))
        await pilot.pause()
        assert looked == [moves]
        assert spy.calls and all(r.height == 1 for regions, _ in spy.calls for r in regions)


class ShapeApp(App[None]):
    CSS = "#auto { height: auto; width: 1fr; } #fill { height: 1fr; width: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static(id="auto")
        yield Static(id="fill")


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_layout_shape_only_where_the_size_depends_on_the_text(size) -> None:
    async with ShapeApp().run_test(size=size) as pilot:
        await pilot.pause()
        auto = pilot.app.query_one("#auto", Static)
        fill = pilot.app.query_one("#fill", Static)
        short, longer = plain("a 4s"), plain("a 10s")
        # Filling its place: no text changes its size.
        assert layout_shape(fill, short) == layout_shape(fill, plain("x\ny\nz")) == ()
        # Auto height: the rows it wraps to, not the line lengths.
        assert layout_shape(auto, short) == layout_shape(auto, longer)
        assert layout_shape(auto, short) != layout_shape(auto, plain("a\nb"))
        wide = plain("w" * (auto.content_size.width + 1))
        assert layout_shape(auto, wide) == layout_shape(auto, plain("a\nb"))


class LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LineBody(id="body")


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_line_body_repaints_only_the_changed_line(size) -> None:
    async with LinesApp().run_test(size=size) as pilot:
        body = pilot.app.query_one(LineBody)
        lines = [plain(f"line {i}") for i in range(5)]
        lines[3] = plain("[@click=app.quit]x[/] [red]not markup", "bold")
        body.set_lines(lines)
        await pilot.pause()
        spy = Spy(body)
        body.set_lines(list(lines))  # the same text again
        await pilot.pause()
        assert spy.calls == []
        changed = list(lines)
        changed[2] = plain("line 2, now longer")
        body.set_lines(changed)
        await pilot.pause()
        (regions, layout), = spy.calls
        assert [(r.y, r.height) for r in regions] == [(2, 1)] and layout is False
        body.set_lines(changed[:3])  # two lines fewer: those rows are cleared
        await pilot.pause()
        assert [r.y for r in spy.calls[-1][0]] == [3, 4]
        w, h = body.size
        shown = [s.text.rstrip() for s in body.render_lines(Region(0, 0, w, h))]
        assert shown[:4] == ["line 0", "line 1", "line 2, now longer", ""]
        body.set_lines(lines)
        await pilot.pause()
        shown = [s.text.rstrip() for s in body.render_lines(Region(0, 0, w, h))]
        assert shown[3] == "[@click=app.quit]x[/] [red]not markup"  # literally
        assert pilot.app.is_running


class ShortLinesApp(App[None]):
    CSS = "LineBody { height: 3; }"

    def compose(self) -> ComposeResult:
        yield LineBody(id="body")
        yield Static("below", id="below")


async def test_line_body_leaves_rows_below_its_height_until_they_are_shown() -> None:
    """A body with more lines than rows (the ASR probe's timings under its transcript)
    does not repaint for a line it cannot show; made taller, it shows the new line."""
    app = ShortLinesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        body = app.query_one(LineBody)
        lines = [plain(f"line {i}") for i in range(6)]
        body.set_lines(lines)
        await pilot.pause()
        spy = Spy(body)
        body.set_lines([*lines[:4], plain("line 4, moved"), lines[5]])
        await pilot.pause()
        assert spy.calls == []  # row 4 is not on screen (the body is 3 rows high)
        body.set_lines([lines[0], plain("line 1, moved"), *lines[2:4],
                        plain("line 4, moved"), lines[5]])
        await pilot.pause()
        (regions, layout), = spy.calls
        assert [(r.y, r.height) for r in regions] == [(1, 1)] and layout is False
        body.styles.height = 6
        await pilot.pause()
        w, h = body.size
        assert h == 6
        shown = [s.text.rstrip() for s in body.render_lines(Region(0, 0, w, h))]
        assert shown[1] == "line 1, moved" and shown[4] == "line 4, moved"


class NoRoomApp(App[None]):
    CSS = "PodList { height: 0; }"

    def compose(self) -> ComposeResult:
        yield PodList(id="pods-list")


async def test_pods_list_with_no_room_does_not_repaint() -> None:
    """At 80x24 the rollouts fill the pods pane and the list has no rows: a new sample
    made the screen update (and render) for nothing it could show."""
    store = kube_t.KubeStore()
    kube_t.feed(store, kube_t.launch_cluster(healthy=5))
    async with NoRoomApp().run_test(size=(80, 24)) as pilot:
        pods = pilot.app.query_one(PodList)
        await pilot.pause()
        assert pods.size.height == 0
        spy = Spy(pods)
        rows = list(kube_t.view_of(store).kube.pods)
        pods.set_rows(rows, multi=False, now=0.0)
        pods.set_rows(rows[1:], multi=False, now=5.0)
        await pilot.pause()
        assert spy.calls == []
        pods.styles.height = 4
        await pilot.pause()
        w, h = pods.size
        shown = [s.text for s in pods.render_lines(Region(0, 0, w, h))]
        assert rows[1].pod.name in shown[0]


class ClippedApp(App[None]):
    CSS = """
    #pane { height: 2; overflow: hidden hidden; }
    #top { height: 2; }
    PodList { height: 3; }
    """

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="pane"):
            yield Static("rollouts\nfill the pane", id="top")
            yield PodList(id="pods-list")


async def test_pods_list_out_of_sight_asks_for_one_repaint_not_one_per_sample() -> None:
    """Clipped by its pane (80x24: the rollouts take the room), the list is never drawn;
    it asked for a whole repaint on every sample, each a screen update sending nothing."""
    store = kube_t.KubeStore()
    kube_t.feed(store, kube_t.launch_cluster(healthy=5))
    rows = list(kube_t.view_of(store).kube.pods)
    async with ClippedApp().run_test(size=(80, 24)) as pilot:
        pods = pilot.app.query_one(PodList)
        await pilot.pause()
        spy = Spy(pods)
        for i in range(4):
            pods.set_rows(rows[i % 2:], multi=False, now=float(i))
            await pilot.pause()
        assert pods.size.height == 3 and len(spy.calls) <= 1


async def test_table_render_caches_are_bounded_to_a_few_screens() -> None:
    from cockpit.ui.panes.table import CockpitTable

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield CockpitTable([("Item", "item"), ("Age", "age")])

    async with TableApp().run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(CockpitTable)
        table.show([(f"r{i}", (plain(f"item {i}"), plain("<10s"))) for i in range(30)])
        for n in range(60):  # every change bumps the table's update count (its cache key)
            table.show([(f"r{i}", (plain(f"item {i}"), plain(f"{n}m"))) for i in range(30)])
            await pilot.pause()
        assert table._cell_render_cache.maxsize == CockpitTable.CACHE_CELLS  # not 10,000
        assert len(table._cell_render_cache) <= CockpitTable.CACHE_CELLS
        assert table._line_cache.maxsize == CockpitTable.CACHE_ROWS
        w, h = table.size
        assert "59m" in table.render_lines(Region(0, 0, w, h))[1].text


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_a_table_shows_new_rows_at_their_widths_before_it_is_idle(size) -> None:
    """DataTable measures new rows and widened cells when it is next idle; rows drawn
    before that were at the header's widths ("12:2 inf note roo"), and at start the
    first frame is painted before any table is idle (the log's and the HTTP checks'
    columns were cut in it). `show` measures them at once: the very next paint is right."""
    from cockpit.ui.panes.table import CockpitTable

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield CockpitTable([("At", "at"), ("Message", "msg")])

    async with TableApp().run_test(size=size) as pilot:
        table = pilot.app.query_one(CockpitTable)
        await pilot.pause()
        table.show([(f"r{i}", (plain("12:25:24"), plain(f"a long message {i}")))
                    for i in range(5)])
        w, h = table.size
        lines = [strip.text for strip in table.render_lines(Region(0, 0, w, h))]  # not idle
        assert "12:25:24" in lines[1] and "a long message 0" in lines[1]
        assert "a long message 4" in lines[5]
        # A wider value in a shown row (update_cell, measured when idle too)
        table.show([(f"r{i}", (plain("12:25:24"), plain(f"a longer message than before {i}"
                                                        if i == 0 else f"a long message {i}")))
                    for i in range(5)])
        lines = [strip.text for strip in table.render_lines(Region(0, 0, w, h))]
        assert "a longer message than before 0" in lines[1]
        await pilot.pause()
        lines = [strip.text for strip in table.render_lines(Region(0, 0, w, h))]
        assert "a longer message than before 0" in lines[1] and "12:25:24" in lines[2]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_table_rows_added_need_no_layout_pass_unless_the_scrollbar_comes_or_goes(
        size) -> None:
    """A new event in the log adds a row, and DataTable's virtual size moved with it: that
    asked for Textual's layout pass, the whole screen arranged and rendered again. The
    table's size is its pane's; only its scrollbar can change, and does."""
    from textual.containers import Vertical

    from cockpit.ui.panes.table import CockpitTable

    class TableApp(App[None]):
        CSS = "#box { height: 8; }"

        def compose(self) -> ComposeResult:
            with Vertical(id="box"):
                yield CockpitTable([("At", "at"), ("Message", "msg")])
            yield Static("below", id="below")

    def rows(n: int) -> list:
        return [(f"e{i}", (plain(f"12:00:{i:02d}"), plain(f"event {i}")))
                for i in reversed(range(n))]  # newest first, as the log shows them

    async with TableApp().run_test(size=size) as pilot:
        app = pilot.app
        table = app.query_one(CockpitTable)
        layouts: list[int] = []
        refresh_layout = app.screen._refresh_layout  # noqa: SLF001

        def counted(*args: object, **kwargs: object) -> None:
            layouts.append(1)
            refresh_layout(*args, **kwargs)

        app.screen._refresh_layout = counted  # type: ignore[method-assign]  # noqa: SLF001
        table.show(rows(3))
        await pilot.pause()
        await pilot.pause()
        assert not table.show_vertical_scrollbar
        layouts.clear()
        table.show(rows(4))  # a row more, still no scrollbar: no layout
        await pilot.pause()
        await pilot.pause()
        assert layouts == []
        assert table.virtual_size.height == 5  # header and four rows
        table.show(rows(20))  # past the table's height: the scrollbar comes, a layout
        await pilot.pause()
        await pilot.pause()
        assert table.show_vertical_scrollbar and layouts
        layouts.clear()
        table.show(rows(40))  # more rows, the scrollbar already there: no layout
        await pilot.pause()
        await pilot.pause()
        assert layouts == []
        assert table.vertical_scrollbar.window_virtual_size == 41  # its thumb follows
        assert table.max_scroll_y == 41 - table.scrollable_content_region.height
        w, h = table.size
        lines = [strip.text for strip in table.render_lines(Region(0, 0, w, h))]
        # The cursor stays on its event (e2, now near the end), scrolled into view as
        # with a layout pass: the rows around it are the new ones.
        assert table.cursor_row == 37 and table.scroll_y == 31 <= table.max_scroll_y
        assert "event 8" in lines[1] and "event 2" in lines[-1]
        assert app.query_one("#below", Static).region.y == 8  # nothing else moved
        table.show(rows(2))  # fits again: the scrollbar goes, a layout
        await pilot.pause()
        await pilot.pause()
        assert not table.show_vertical_scrollbar and layouts
        assert table.vertical_scrollbar.display is False
