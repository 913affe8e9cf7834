"""Word error rate and the word-by-word diff of a transcript against the expected text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jiwer


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
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return [
        WordOp(
            chunk.type,
            tuple(ref[chunk.ref_start_idx : chunk.ref_end_idx]),
            tuple(hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]),
        )
        for chunk in out.alignments[0]
    ]


