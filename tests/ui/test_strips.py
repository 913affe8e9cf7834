"""Textual's Strip with its caches made on first use (cockpit/ui/strips.py, issue 14:
~4.7 MB of empty caches at 200x60): a new strip holds none, every operation gives what
Textual's own Strip gives (first call and cached), and a Strip that is not the one this
was written for is left alone. Compared in fresh interpreters, with and without."""

from __future__ import annotations

import json
import subprocess
import sys

from cockpit.ui import strips

BATTERY = """
import json, sys
if sys.argv[1] == "lean":
    import cockpit.ui.app  # applies it
from cockpit.ui import strips
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import Monochrome
from textual.strip import Strip
def line(i):
    return Strip([Segment(f"row {i} ", Style(bold=True)), Segment("é界x" * 3, Style(color="red")),
                  Segment("  tail", Style())])
out = {"applied": strips._applied, "caches": None}
s = line(0)
out["caches"] = strips.caches_made(s)
s.crop(1, 2)
out["after_crop"] = strips.caches_made(s)
results = []
for i in range(3):
    for s in (line(1), line(2)):
        for _ in range(2):  # the second time from the cache
            results += [s.crop(2, 9).text, [p.text for p in s.divide([3, 8, 12])],
                        [str(seg.style) for seg in s.apply_style(Style(underline=True))],
                        [str(seg.style) for seg in s.apply_filter(Monochrome(), Color(0, 0, 0))],
                        s.adjust_cell_length(30, Style(dim=True)).text,
                        s.crop_extend(1, 40, Style(italic=True)).cell_length,
                        [seg.text for seg in s.apply_offsets(3, 4)],
                        s.extend_cell_length(25).text, s.text_align(40, "right").text,
                        Strip.join([s, line(3)]).text, s.crop_pad(10, 2, 3, Style()).text,
                        s.simplify().text, s.discard_meta().text, s.cell_length, len(s)]
out["results"] = results
print(json.dumps(out))
"""


def run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", BATTERY, mode], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_lazy_caches_give_textuals_results() -> None:
    plain, lean = run("plain"), run("lean")
    assert plain["applied"] is None and plain["caches"] == len(strips.CACHES)
    assert lean["applied"] is True and lean["caches"] == 0 and lean["after_crop"] == 1
    assert lean["results"] == plain["results"]


def test_another_strip_is_left_alone() -> None:
    class Other:
        __slots__ = ("_segments", "_crop_cache")

        def __init__(self, segments: list) -> None:
            self._segments = segments
            self._crop_cache = None

    init = Other.__init__
    assert strips.apply_to(Other) is False
    assert Other.__init__ is init
