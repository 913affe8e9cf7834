"""The first frame is whole: every pane is drawn at its size before the screen's first
paint (cockpit/ui/presize.py, `CockpitApp._first_draw`). Drawn at 0x0 instead, that
frame showed the verdict on one line, the SLO pane's "+N more", the checklist without
its marks and the tables' columns at their headers' widths, all put right a frame or
two later (issue 14: first frame). Here the screen as its first paint draws it is the
screen once everything has settled, with nothing changed in between (no sources run);
only the clocks' digits may move."""

from __future__ import annotations

import re

import pytest
from textual.screen import Screen

from cockpit.ui.app import CockpitApp
from tests.support.ui import layouts, make_engine, screen_text

CHECKLIST = "title: t\nsections:\n" + "".join(
    f"  - title: Section {s}\n    items:\n" + "".join(
        f"      - {{id: i{s}{i}, text: 'A rather long checklist item number {i}', "
        f"owner: owner-{i}}}\n" for i in range(6))
    for s in range(4))


def digits_masked(text: str) -> str:
    return re.sub(r"\d", "0", text)


@pytest.mark.parametrize(("size", "layout"), [((80, 24), "compact"), ((200, 60), "launch"),
                                              ((80, 24), "launch")])
async def test_the_first_paint_shows_every_pane_as_it_settles(tmp_path, monkeypatch, size,
                                                               layout) -> None:
    engine, _ = make_engine(tmp_path, checklist=CHECKLIST)
    engine.note("a note long enough to need a wide message column in the log")
    app = CockpitApp(engine, layouts("compact", "launch"), layout=layout, start_engine=False)
    first: list[str] = []
    paint = Screen._compositor_refresh

    def first_paint(screen: Screen) -> None:
        if not first and screen is app.screen:
            first.append(screen_text(app))  # what this paint puts on the terminal
        paint(screen)

    monkeypatch.setattr(Screen, "_compositor_refresh", first_paint)
    async with app.run_test(size=size) as pilot:
        for _ in range(4):
            await pilot.pause()
        settled = screen_text(app)
    assert first, "the screen never painted"
    assert digits_masked(first[0]) == digits_masked(settled)
    assert "info  a" in settled  # the log's note, in its message column


async def test_a_layout_shown_for_the_first_time_is_whole_at_its_first_paint(
        tmp_path, monkeypatch) -> None:
    """80x24 to 200x60: the launch layout is mounted then, and laid out and drawn at its
    panes' sizes before it is first painted (two wrong paints came first before). The
    key hints may follow a paint later (they follow the focus into the new layout)."""
    engine, _ = make_engine(tmp_path, checklist=CHECKLIST)
    app = CockpitApp(engine, layouts("compact", "launch"), start_engine=False)
    wide: list[str] = []
    paint = Screen._compositor_refresh

    def paints_at_200(screen: Screen) -> None:
        if screen is app.screen:
            text = screen_text(app)
            if len(text.splitlines()[0]) == 200:
                wide.append(text)
        paint(screen)

    monkeypatch.setattr(Screen, "_compositor_refresh", paints_at_200)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await pilot.pause()
        assert app.layout_name == "compact"
        await pilot.resize_terminal(200, 60)
        for _ in range(6):
            await pilot.pause()
        assert app.layout_name == "launch"
        settled = screen_text(app)
    assert wide, "the launch layout was never painted"
    above_the_hints = [digits_masked(t).splitlines()[:-1] for t in (wide[0], settled)]
    assert above_the_hints[0] == above_the_hints[1]
