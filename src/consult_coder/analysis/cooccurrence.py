"""Which themes come up together, within one layer, as a symmetric code × code matrix.

Two ways of counting, both over counted speech only (participant turns unless the interviewer is
included):

* ``"overlap"`` — pairs of segments of two different codes whose spans overlap (after clipping to
  counted speech). The diagonal holds each code's number of segments.
* ``"sentence"`` — sentences (``consult_coder.text.sentence_spans`` within each counted turn) that
  both codes touch. The diagonal holds the number of sentences each code touches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.analysis.layers import Span, Study, load_study
from consult_coder.errors import UserError
from consult_coder.text import sentence_spans

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
    frame = study.codings[["transcript_id", "code_id", "spans"]]
    codes = np.fromiter((pos[c] for c in frame["code_id"]), dtype=np.intp, count=len(frame))
    if mode == "overlap":
        counts = _overlaps(study, frame["transcript_id"].tolist(), codes, frame["spans"].tolist(), len(ids))
    else:
        counts = _sentences(study, frame["transcript_id"].tolist(), codes, frame["spans"].tolist(), len(ids))
    names = list(study.codes["code"])
    out = pd.DataFrame(counts, index=pd.Index(names, name="code"), columns=names)
    out.attrs.update(mode=mode, layer=study.layer, include_interviewer=study.include_interviewer)
    return out


def _overlaps(
    study: Study, tids: list[int], codes: np.ndarray, spans: list[list[Span]], n: int
) -> np.ndarray:
    """Pairs of segments of two different codes with overlapping parts; the diagonal counts segments.

    Sort and count, O(codes × n log n) instead of comparing every pair: every part is placed on one
    line (each transcript after the last), and for each code X the parts of X overlapping a part b
    are ``#(X starts < b's end) − #(X ends ≤ b's start)``, two binary searches in X's sorted starts
    and ends. That counts pairs of *parts*; a pair of segments of which one was clipped into several
    parts can overlap by more than one pair of parts, and is corrected to count once.
    """
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (codes, codes), 1)
    if len(codes) == 0:
        return counts
    base, offset = {}, 0
    for tid in dict.fromkeys(tids):
        base[tid] = offset
        offset += len(study.texts[tid]) + 1
    seg = np.fromiter((i for i, parts in enumerate(spans) for _ in parts), dtype=np.intp)
    starts = np.fromiter((base[t] + s for t, parts in zip(tids, spans, strict=True) for s, _ in parts),
                         dtype=np.int64, count=len(seg))
    ends = np.fromiter((base[t] + e for t, parts in zip(tids, spans, strict=True) for _, e in parts),
                       dtype=np.int64, count=len(seg))
    first = np.fromiter((base[t] for t, parts in zip(tids, spans, strict=True) for _ in parts),
                        dtype=np.int64, count=len(seg))  # where each part's transcript starts
    part_code = codes[seg]
    pairs = np.zeros((n, n), dtype=np.int64)
    for x in np.unique(part_code):
        mine = part_code == x
        xs, xe = np.sort(starts[mine]), np.sort(ends[mine])
        over = np.searchsorted(xs, ends, "left") - np.searchsorted(xe, starts, "right")
        pairs[x] = np.bincount(part_code, weights=over, minlength=n).astype(np.int64)
    _count_multi_part_once(pairs, seg, starts, ends, first, codes)
    off = ~np.eye(n, dtype=bool)
    counts[off] = pairs[off]
    return counts


def _count_multi_part_once(pairs: np.ndarray, seg: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                           first: np.ndarray, codes: np.ndarray) -> None:
    """Take off the extra part pairs of segments that overlap by more than one pair of parts."""
    parts_of = np.bincount(seg)
    multi = np.flatnonzero(parts_of > 1)
    if len(multi) == 0:
        return
    order = np.argsort(starts, kind="stable")
    s_sorted = starts[order]
    is_multi = parts_of > 1
    for a in multi:
        mine = np.flatnonzero(seg == a)
        hits: dict[int, int] = {}
        for p in mine:
            # parts of this transcript starting before this part ends, then those ending after it starts
            lo, hi = np.searchsorted(s_sorted, first[p], "left"), np.searchsorted(s_sorted, ends[p], "left")
            cand = order[lo:hi]
            cand = cand[ends[cand] > starts[p]]
            for b in seg[cand]:
                if b != a and codes[b] != codes[a] and (not is_multi[b] or a < b):
                    hits[b] = hits.get(b, 0) + 1
        for b, m in hits.items():
            if m > 1:
                pairs[codes[a], codes[b]] -= m - 1
                pairs[codes[b], codes[a]] -= m - 1


def _sentences(
    study: Study, tids: list[int], codes: np.ndarray, spans: list[list[Span]], n: int
) -> np.ndarray:
    """Sentences both codes touch: each part finds its sentences by binary search, O(n log n)."""
    counts = np.zeros((n, n), dtype=np.int64)
    by_transcript: dict[int, list[tuple[int, list[Span]]]] = defaultdict(list)
    for tid, code, parts in zip(tids, codes.tolist(), spans, strict=True):
        by_transcript[tid].append((code, parts))
    together: dict[tuple[int, ...], int] = defaultdict(int)
    for tid, segments in by_transcript.items():
        text = study.texts[tid]
        sentences = [x for region in study.speech[tid] for x in sentence_spans(text, *region)]
        s_starts, s_ends = [s for s, _ in sentences], [e for _, e in sentences]
        present: dict[int, set[int]] = defaultdict(set)
        for code, parts in segments:
            for s, e in parts:
                for k in range(bisect_right(s_ends, s), bisect_left(s_starts, e)):
                    present[k].add(code)
        for found in present.values():
            together[tuple(sorted(found))] += 1
    for found, times in together.items():
        for i in found:
            counts[i, i] += times
        for i, j in combinations(found, 2):
            counts[i, j] += times
            counts[j, i] += times
    return counts
