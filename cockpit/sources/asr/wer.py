"""Word error rate and the word-by-word diff of a transcript against the expected text.

`jiwer` (with rapidfuzz, ~55 ms and ~5 MB) is imported on first use, when a probe has
a transcript to score: the screen and the sources import this module at start-up for
`words` and `WordOp` only, and the first frame should not wait for it (issue 14).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def words(text: str) -> list[str]:
    """Words for scoring: lower case, punctuation dropped (ASR casing is no error)."""
    return re.findall(r"[\w']+", text.lower())


@dataclass(frozen=True)
class WordOp:
    """One step of the alignment of transcript to expected text."""

    op: str  # "equal" | "substitute" | "delete" | "insert"
    expected: tuple[str, ...]
    heard: tuple[str, ...]


def word_error_rate(expected: str, transcript: str) -> float:
    ref, hyp = words(expected), words(transcript)
    if not ref:
        return 0.0 if not hyp else 1.0
    if not hyp:
        return 1.0
    import jiwer  # noqa: PLC0415 - on first use, see the module's docstring

    return float(jiwer.wer(" ".join(ref), " ".join(hyp)))


def word_diff(expected: str, transcript: str) -> list[WordOp]:
    """The alignment the pane marks: which expected words were missed or misheard."""
    ref, hyp = words(expected), words(transcript)
    if not ref or not hyp:
        ops = []
        if ref:
            ops.append(WordOp("delete", tuple(ref), ()))
        if hyp:
            ops.append(WordOp("insert", (), tuple(hyp)))
        return ops
    import jiwer  # noqa: PLC0415 - on first use, see the module's docstring

    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return [
        WordOp(
            chunk.type,
            tuple(ref[chunk.ref_start_idx : chunk.ref_end_idx]),
            tuple(hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]),
        )
        for chunk in out.alignments[0]
    ]


