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
from itertools import chain, combinations
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.layers import Span, Study, load_study
from consult_coder.errors import UserError
from consult_coder.text import sentence_spans

Mode = Literal["overlap", "sentence"]
MODES: dict[str, str] = {
    "overlap": "Overlapping segments",
    "sentence": "Same sentence",
}


def cooccurrence(
    session: Session, layer: str, mode: Mode = "overlap", include_interviewer: bool = False, *,
    viewer: Viewer,
) -> pd.DataFrame:
    """Code × code counts; rows and columns are code names in codebook order."""
    return cooccurrence_matrix(load_study(session, layer, include_interviewer, viewer=viewer), mode)


def cooccurrence_matrix(study: Study, mode: Mode = "overlap") -> pd.DataFrame:
    if mode not in MODES:
        raise UserError(f"Unknown co-occurrence mode {mode!r}: use 'overlap' or 'sentence'")
    ids = list(study.codes["code_id"])
    pos = {c: i for i, c in enumerate(ids)}
    frame = study.codings[["transcript_id", "code_id", "spans"]]
    codes = np.array([pos[c] for c in frame["code_id"].tolist()], dtype=np.intp)
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
    lengths = np.array([len(parts) for parts in spans], dtype=np.intp)
    seg = np.repeat(np.arange(len(spans)), lengths)
    first = np.repeat(np.array([base[t] for t in tids], dtype=np.int64), lengths)  # the part's transcript
    flat = np.array(list(chain.from_iterable(spans)), dtype=np.int64).reshape(-1, 2)
    starts, ends = flat[:, 0] + first, flat[:, 1] + first
    part_code = codes[seg]
    # Needles in order make the binary searches cache-friendly; the sums do not care about order.
    by_end, by_start = np.argsort(ends, kind="stable"), np.argsort(starts, kind="stable")
    ends_sorted, end_codes = ends[by_end], part_code[by_end]
    starts_sorted, start_codes = starts[by_start], part_code[by_start]
    pairs = np.zeros((n, n), dtype=np.int64)
    for x in np.unique(part_code):
        xs, xe = starts_sorted[start_codes == x], ends_sorted[end_codes == x]
        began = np.bincount(end_codes, weights=np.searchsorted(xs, ends_sorted, "left"), minlength=n)
        ended = np.bincount(start_codes, weights=np.searchsorted(xe, starts_sorted, "right"), minlength=n)
        pairs[x] = (began - ended).astype(np.int64)
    _count_multi_part_once(pairs, seg, starts, ends, first, codes)
    off = ~np.eye(n, dtype=bool)
    counts[off] = pairs[off]
    return counts


def _count_multi_part_once(pairs: np.ndarray, seg: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                           first: np.ndarray, codes: np.ndarray) -> None:
    """Take off the extra part pairs of segments that overlap by more than one pair of parts.

    Only parts of segments clipped into several parts are looked at: for each, the parts that overlap
    it (found in a window of the parts sorted by start), giving each overlapping pair of segments
    with how many pairs of parts it has; a pair of two such segments is seen from one side only.
    """
    parts_of = np.bincount(seg)
    is_multi = parts_of > 1
    mine = np.flatnonzero(is_multi[seg])
    if len(mine) == 0:
        return
    order = np.argsort(starts, kind="stable")
    s_sorted = starts[order]
    longest = int((ends - starts).max())
    # Candidates start before this part ends, and (being no longer than the longest part) after
    # this part's start less that length, within the same transcript.
    lo = np.searchsorted(s_sorted, np.maximum(starts[mine] - longest, first[mine]), "left")
    hi = np.searchsorted(s_sorted, ends[mine], "left")
    width = np.maximum(hi - lo, 0)
    p = np.repeat(mine, width)
    skip = np.repeat(np.cumsum(width) - width, width)
    c = order[np.arange(int(width.sum())) - skip + np.repeat(lo, width)]
    a, b = seg[p], seg[c]
    keep = (ends[c] > starts[p]) & (a != b) & (codes[a] != codes[b]) & (~is_multi[b] | (a < b))
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return
    found, times = np.unique(a.astype(np.int64) * len(parts_of) + b, return_counts=True)
    extra = times > 1
    a, b = found[extra] // len(parts_of), found[extra] % len(parts_of)
    np.add.at(pairs, (codes[a], codes[b]), -(times[extra] - 1))
    np.add.at(pairs, (codes[b], codes[a]), -(times[extra] - 1))


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
