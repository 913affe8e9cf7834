"""`jiwer` (and rapidfuzz under it) loads when a transcript is first scored, not when the
screen or the ASR source is imported at start-up (issue 14: first frame), and scoring
still works once it has loaded. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import cockpit.commands.run, cockpit.launch, cockpit.ui.app, cockpit.ui.panes.asr
import cockpit.sources.asr.source, cockpit.sources.asr.probe
from cockpit.sources.asr.wer import word_diff, word_error_rate, words
heavy = lambda: sorted(m for m in sys.modules if m.split(".")[0] in ("jiwer", "rapidfuzz"))
out = {"at_start": heavy(), "words": words("Hello, World")}
out["wer"] = word_error_rate("the cat sat on the mat", "the cat sat on a mat")
out["diff"] = [[o.op, list(o.expected), list(o.heard)]
               for o in word_diff("the cat sat", "the bat sat down")]
out["after"] = "jiwer" in heavy()
print(json.dumps(out))
"""


def test_jiwer_loads_on_first_score_and_scores_the_same() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["at_start"] == []
    assert out["words"] == ["hello", "world"]
    assert abs(out["wer"] - 1 / 6) < 1e-9
    assert out["diff"] == [["equal", ["the"], ["the"]], ["substitute", ["cat"], ["bat"]],
                           ["equal", ["sat"], ["sat"]], ["insert", [], ["down"]]]
    assert out["after"] is True
