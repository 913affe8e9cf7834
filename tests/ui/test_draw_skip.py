"""A pane skips its draw when what it would show did not change (`Pane.draw_key`), and
still draws as soon as anything it shows moves: a state, a reading, an age's words, the
window clock's minute, a filter, a resize (issue 14: the clock's pass once a second
rebuilt every table and banner of the screen; most of it showed the same).

The views are built by hand at moving clock times; each test counts `draw` calls and
reads the screen. Nothing here times anything.
"""

from __future__ import annotations

import pytest

from cockpit.model import ItemState, Reading, Status, Verdict, VerdictKind
from cockpit.sources.http_view import HttpChecks, HttpView
from cockpit.ui.panes.base import (
    Changes,
    coarse_change_in,
    format_age_coarse,
    format_age_steps,
    steps_change_in,
)
from cockpit.ui.panes.checklist import ChecklistPane
from cockpit.ui.panes.http import HttpPane
from cockpit.ui.panes.verdict import VerdictPane
from cockpit.views import ChecklistRow, ChecklistView, SourceStatus, VerdictView
from tests.support.panes import PaneApp
from tests.support.ui import screen_text

SIZES = [(80, 24), (200, 60)]
NOW = 1_800_000_000.0
LIVE = SourceStatus("live", age=1.0)


class Draws:
    """Counts a pane's `draw` calls and passes them on."""

    def __init__(self, pane: object) -> None:
        self.count = 0
        self._draw = pane.draw  # type: ignore[attr-defined]
        pane.draw = self  # type: ignore[attr-defined]

    def __call__(self, view: object) -> None:
        self.count += 1
        self._draw(view)


def checklist(at: float, age: float, status: Status = Status.PASS) -> ChecklistView:
    rows = (
        ChecklistRow("Service", "errors", "Error rate under 1%", 0, True, "error_rate < 0.01",
                     None, ItemState("errors", status, True, detail="error_rate = 0.2%"), age),
        ChecklistRow("Service", "signoff", "ASR team signed off", 0, True, None, "asr",
                     ItemState("signoff", Status.UNTICKED, True), None),
    )
    return ChecklistView("Launch", (("Service", rows),), at)


@pytest.mark.parametrize("size", SIZES)
async def test_checklist_draws_only_when_a_state_or_an_age_word_moves(size) -> None:
    pane = ChecklistPane(id="checklist", configured=True)
    async with PaneApp(pane, checklist(NOW, 2.0)).run_test(size=size) as pilot:
        await pilot.pause()
        draws = Draws(pane)
        for t in range(1, 20):  # the clock's passes: the reading ages, "<1m" all along
            pane.show(checklist(NOW + t, 2.0 + t))
        assert draws.count == 0
        pane.show(checklist(NOW + 60, 62.0))  # a minute old: the age column says so
        await pilot.pause()
        assert draws.count == 1 and "1m" in screen_text(pilot.app)
        pane.show(checklist(NOW + 61, 63.0, Status.FAIL))  # judged again: failing
        await pilot.pause()
        assert draws.count == 2 and "FAIL" in screen_text(pilot.app).upper()
        pane.apply_filter("signoff")  # the operator's filter draws at once
        await pilot.pause()
        assert draws.count == 3 and "Error rate under" not in screen_text(pilot.app)
        pane.show(checklist(NOW + 62, 64.0, Status.FAIL))
        assert draws.count == 3  # the same rows under the same filter


def verdict(at: float, kind: VerdictKind = VerdictKind.GO) -> VerdictView:
    unknown = (ItemState("signoff", Status.UNTICKED, True),) if kind == VerdictKind.HOLD else ()
    return VerdictView(Verdict(kind, (), unknown, at), "asr 2.4.0", {"signoff": "ASR signed off"},
                       None, NOW, at, release="running 2.4.0 (rev 5, deployed)")


@pytest.mark.parametrize("size", SIZES)
async def test_verdict_draws_when_the_verdict_or_the_minute_moves(size) -> None:
    pane = VerdictPane(id="verdict", configured=True)
    async with PaneApp(pane, verdict(NOW + 1)).run_test(size=size) as pilot:
        await pilot.pause()
        draws = Draws(pane)
        for t in range(2, 59):  # the verdict stands; "watching <1m"
            pane.show(verdict(NOW + t))
        assert draws.count == 0
        pane.show(verdict(NOW + 61))
        await pilot.pause()
        assert draws.count == 1 and "watching 1m" in screen_text(pilot.app)
        pane.show(verdict(NOW + 62, VerdictKind.HOLD))
        await pilot.pause()
        text = screen_text(pilot.app)
        assert draws.count == 2 and "HOLD" in text and "ASR signed off" in text
        await pilot.resize_terminal(size[0] - 10, size[1])  # a resize draws again
        await pilot.pause()
        assert draws.count == 3


@pytest.mark.parametrize("size", SIZES)
async def test_a_new_verdict_and_its_reasons_repaint_without_a_layout_pass(size) -> None:
    """GO -> HOLD -> NO-GO with reasons of one, then three lines: the banner's parts keep
    their size (a layout pass renders and resends the whole screen)."""
    from textual.widgets import Static

    pane = VerdictPane(id="verdict", configured=True)
    async with PaneApp(pane, verdict(NOW + 1)).run_test(size=size) as pilot:
        await pilot.pause()
        layouts: list[str] = []
        for w in pane.query(Static):
            def spy(*regions, layout=False, w=w, inner=w.refresh, **kw):
                if layout:
                    layouts.append(w.id or "")
                return inner(*regions, layout=layout, **kw)
            w.refresh = spy  # type: ignore[method-assign]
        pane.show(verdict(NOW + 2, VerdictKind.HOLD))
        await pilot.pause()
        assert "HOLD" in screen_text(pilot.app)
        failing = tuple(ItemState(f"i{n}", Status.FAIL, True, detail="x " * 60)
                        for n in range(3))
        names = {f"i{n}": f"item {n}" for n in range(3)}
        pane.show(VerdictView(Verdict(VerdictKind.NO_GO, failing, (), NOW + 3), "asr 2.4.0",
                              names, None, NOW, NOW + 3))
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "NO-GO" in text and "item 0" in text
        pane.show(verdict(NOW + 4))
        await pilot.pause()
        assert "every required item passes" in screen_text(pilot.app)
        assert layouts == []


def checks(at: float, up_at: float, up: bool = True) -> HttpChecks:
    def r(name: str, value: object) -> Reading:
        return Reading("http.health", f"http.health.{name}", value, up_at)

    view = HttpView("http.health", LIVE, at, up=r("up", up), code=r("status", 200 if up else 503),
                    latency=r("latency", 0.012))
    return HttpChecks((view,))


@pytest.mark.parametrize("size", SIZES)
async def test_http_checks_draw_on_a_sample_not_on_the_clock(size) -> None:
    pane = HttpPane(id="http", configured=True)
    async with PaneApp(pane, checks(NOW, NOW)).run_test(size=size) as pilot:
        await pilot.pause()
        draws = Draws(pane)
        for t in range(1, 5):
            pane.show(checks(NOW + t, NOW))
        assert draws.count == 0
        pane.show(checks(NOW + 5, NOW + 5, up=False))  # the next sample: down
        await pilot.pause()
        assert draws.count == 1 and "DOWN 503" in screen_text(pilot.app)


class Watch:
    """What a pane reads of the engine on the screen's passes: its clock, its quiet time
    and one view (counted: a skipped pass takes none)."""

    def __init__(self, make, t: float = NOW) -> None:
        self.t, self.make, self.views = t, make, 0

    def clock(self) -> float:
        return self.t

    def _view(self):
        self.views += 1
        return self.make(self.t)

    checklist_view = verdict_view = _view


def clock_pass(quiet_until: float = float("inf"), **kw) -> Changes:
    return Changes(clock=True, quiet_until=quiet_until, **kw)


@pytest.mark.parametrize("size", SIZES)
async def test_clock_passes_take_no_view_until_an_age_word_or_the_engine_moves(size) -> None:
    read_at = NOW - 2.0  # the checklist's one auto item: a reading 2 s old at NOW
    watch = Watch(lambda t: checklist(t, t - read_at))
    pane = ChecklistPane(id="checklist", configured=True)
    async with PaneApp(pane, checklist(NOW, 2.0)).run_test(size=size) as pilot:
        await pilot.pause()
        for t in range(0, 58):  # shown at mount (NOW); "<1m" until the reading is 60 s old
            watch.t = NOW + t
            pane.update_from(watch, clock_pass())
        assert watch.views == 0
        watch.t = NOW + 58.0  # 60 s old: "1m"
        pane.update_from(watch, clock_pass())
        await pilot.pause()
        assert watch.views == 1 and "1m" in screen_text(pilot.app)
        watch.t += 1
        pane.update_from(watch, clock_pass(kinds={"reading"}, sources={"prometheus"}))
        assert watch.views == 2, "a reading came: the pass is not the clock's alone"
        watch.t += 1
        pane.update_from(watch, clock_pass(quiet_until=watch.t))  # a reading goes stale
        assert watch.views == 3
        watch.t += 1
        pane.update_from(watch, Changes(all=True, clock=True, quiet_until=float("inf")))
        assert watch.views == 4, "a layout shown again takes its view"


@pytest.mark.parametrize("size", SIZES)
async def test_the_verdict_clock_pass_waits_for_the_next_minute(size) -> None:
    watch = Watch(lambda t: verdict(t))
    pane = VerdictPane(id="verdict", configured=True)
    async with PaneApp(pane, verdict(NOW + 1)).run_test(size=size) as pilot:
        await pilot.pause()
        for t in range(1, 60):  # shown at mount: "watching <1m"
            watch.t = NOW + t
            pane.update_from(watch, clock_pass())
        assert watch.views == 0
        watch.t = NOW + 60  # watching for a minute
        pane.update_from(watch, clock_pass())
        await pilot.pause()
        assert watch.views == 1 and "watching 1m" in screen_text(pilot.app)
        watch.t = NOW + 61
        pane.update_from(watch, clock_pass(kinds={"verdict"}))  # the verdict moved
        assert watch.views == 2


def test_age_words_change_when_the_helpers_say() -> None:
    """steps_change_in / coarse_change_in agree with the words they time."""
    for change_in, words in ((steps_change_in, format_age_steps),
                             (coarse_change_in, format_age_coarse)):
        for age in (0.0, 3.5, 9.99, 10.0, 42.2, 59.5, 60.0, 61.0, 3599.5, 3600.0, 7384.2):
            later = age + change_in(age)
            assert words(later) != words(age), (age, later)
            assert words(later - 0.01) == words(age), (age, later)


@pytest.mark.parametrize("size", SIZES)
async def test_slo_quiet_until_is_when_its_sparkline_or_staleness_moves(size) -> None:
    """The SLO pane's quiet time agrees with its draw_key: the key stands until then and
    moves just after (a sparkline's slot ends, or the signal goes stale)."""

    from cockpit.sources.prom_view import SignalView, SloView
    from cockpit.ui.panes.slo import SloPane

    def slo(now: float, read_at: float) -> SloView:
        r = Reading("prometheus", "error_rate", 0.002, read_at, unit="ratio")
        points = tuple((read_at - 60 * i, 0.002) for i in range(20))
        sig = SignalView("error_rate", r, points, {}, 15.0, now, window=1800.0)
        return SloView("prometheus", LIVE, now, signals=(sig,))

    t0 = NOW + 0.3  # not on a slot's end (there the key moves at once: no quiet time)
    pane = SloPane(id="slo", configured=True)
    async with PaneApp(pane, slo(t0, t0)).run_test(size=size) as pilot:
        await pilot.pause()
        for read_at in (t0, t0 - 14.5):  # whichever comes first: a slot ends, stale
            fresh = slo(t0, read_at)
            until = pane.quiet_until(fresh)
            assert t0 < until <= read_at + 15.0
            key = pane.draw_key(fresh)
            for t in (t0 + 0.1, until - 0.01):
                assert pane.draw_key(slo(t, read_at)) == key
            assert pane.draw_key(slo(until + 0.01, read_at)) != key
        assert pane.quiet_until(slo(t0, t0 - 20)) == t0 + 1.0  # stale: its age ticks


@pytest.mark.parametrize("size", SIZES)
async def test_a_draw_that_failed_is_tried_again_with_the_same_view(size) -> None:
    """The same view again is skipped only once it was drawn: a draw that raised (the app
    logs it and goes on) left the pane blank for as long as its readings held."""
    pane = HttpPane(id="http", configured=True)
    async with PaneApp(pane, checks(NOW, NOW)).run_test(size=size) as pilot:
        await pilot.pause()
        draw, calls = pane.draw, []

        def failing(view: object) -> None:
            calls.append(view)
            if len(calls) == 1:
                raise RuntimeError("drawn mid-mount")
            draw(view)

        pane.draw = failing  # type: ignore[method-assign]
        view = checks(NOW + 5, NOW + 5, up=False)
        with pytest.raises(RuntimeError):
            pane.show(view)
        pane.show(view)
        await pilot.pause()
        assert len(calls) == 2 and "DOWN 503" in screen_text(pilot.app)
        pane.show(view)  # drawn now: skipped
        assert len(calls) == 2


async def test_rows_given_to_a_table_before_it_is_mounted_are_shown_at_mount() -> None:
    """A pane of a layout being mounted may be drawn before its table has columns (added
    at mount); DataTable refuses such rows, and the table took the keys as shown, so
    every later draw changed cells of rows that were not there: an empty pane."""
    from textual.app import App, ComposeResult

    from cockpit.ui.panes.table import CockpitTable
    from cockpit.ui.text import plain

    table = CockpitTable([("Check", "check"), ("Status", "status")])
    table.show([("a", (plain("health"), plain("up 200")))])  # not mounted yet

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield table

    async with TableApp().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert table.row_keys == ["a"] and table.row_count == 1
        table.show([("a", (plain("health"), plain("DOWN 503")))])
        await pilot.pause()
        assert "DOWN 503" in screen_text(pilot.app) and "health" in screen_text(pilot.app)
