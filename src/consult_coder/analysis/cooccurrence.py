"""Which themes come up together, within one layer, as a symmetric code × code matrix.

Two ways of counting, both over counted speech only (participant turns unless the interviewer is
included):

* ``"overlap"`` — pairs of segments of two different codes whose spans overlap (after clipping to
  counted speech). The diagonal holds each code's number of segments.
* ``"sentence"`` — sentences (``consult_coder.text.sentence_spans`` within each counted turn) that
  both codes touch. The diagonal holds the number of sentences each code touches.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.analysis.layers import Span, Study, load_study
from consult_coder.errors import UserError
from consult_coder.text import overlaps, sentence_spans

Mode = Literal["overlap", "sentence"]
MODES: dict[str, str] = {
    "overlap": "Overlapping segments",
    "sentence": "Same sentence",
}


def cooccurrence(
    session: Session, layer: str, mode: Mode = "overlap", include_interviewer: bool = False
) -> pd.DataFrame:
    """Code × code counts; rows and columns are code names in codebook order."""
    return cooccurrence_matrix(load_study(session, layer, include_interviewer), mode)


def cooccurrence_matrix(study: Study, mode: Mode = "overlap") -> pd.DataFrame:
    if mode not in MODES:
        raise UserError(f"Unknown co-occurrence mode {mode!r}: use 'overlap' or 'sentence'")
    ids = list(study.codes["code_id"])
    pos = {c: i for i, c in enumerate(ids)}
    counts = np.zeros((len(ids), len(ids)), dtype=int)
    by_transcript: dict[int, list[tuple[str, list[Span]]]] = defaultdict(list)
    for tid, code_id, spans in study.codings[["transcript_id", "code_id", "spans"]].itertuples(index=False):
        by_transcript[tid].append((code_id, spans))
    for tid, segments in by_transcript.items():
        if mode == "overlap":
            _count_overlaps(segments, pos, counts)
        else:
            _count_sentences(study.texts[tid], study.speech[tid], segments, pos, counts)
    names = list(study.codes["code"])
    frame = pd.DataFrame(counts, index=pd.Index(names, name="code"), columns=names)
    frame.attrs.update(mode=mode, layer=study.layer, include_interviewer=study.include_interviewer)
    return frame


def _count_overlaps(segments: list[tuple[str, list[Span]]], pos: dict[str, int], counts: np.ndarray) -> None:
    for code_id, _ in segments:
        counts[pos[code_id], pos[code_id]] += 1
    for (ca, sa), (cb, sb) in combinations(segments, 2):
        if ca != cb and any(overlaps(x, y) for x in sa for y in sb):
            counts[pos[ca], pos[cb]] += 1
            counts[pos[cb], pos[ca]] += 1


def _count_sentences(
    text: str, speech: list[Span], segments: list[tuple[str, list[Span]]], pos: dict[str, int],
    counts: np.ndarray,
) -> None:
    for region in speech:
        for sentence in sentence_spans(text, *region):
            present = sorted(
                {pos[c] for c, spans in segments if any(overlaps(sentence, s) for s in spans)}
            )
            for i in present:
                counts[i, i] += 1
            for i, j in combinations(present, 2):
                counts[i, j] += 1
                counts[j, i] += 1
