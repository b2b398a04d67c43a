"""Codings as unit × coder matrices: which units each coder coded with each code.

Units, all inside the counted speech (see :mod:`~consult_coder.agreement.selection`):

* ``character`` — every code point of the counted turns (spaces and punctuation included), as NVivo
  counts. Stored compactly: the counted text is cut at every coding boundary into *pieces* whose
  characters all share one state, each weighted by its length, so counts are exact per character;
* ``sentence`` — the sentences of :func:`consult_coder.sentences.sentence_spans` in the counted turns
  (a turn boundary or a line break always ends a sentence). Splitting is the slow part of a grid, so a
  transcript's sentences are kept between reads (:func:`sentence_arrays`), keyed by a digest of its text
  and its counted turns: a new coding reuses them, a changed text or speaker role is split afresh;
* ``turn`` — each counted speaker turn.

A code is *present* in a unit for a coder when one of the coder's codings with that code overlaps the
unit by at least one character. Everything is vectorised with numpy: offsets of all transcripts are laid
end to end on one axis, each coding finds its first and last unit by binary search, and the units in
between are marked position by position (through a difference array when codings overlap heavily).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np

from consult_coder.agreement.selection import Material
from consult_coder.sentences import sentence_spans

Unit = Literal["character", "sentence", "turn"]
UNITS: tuple[Unit, ...] = ("character", "sentence", "turn")
SEGMENT_UNITS: tuple[Unit, ...] = ("sentence", "turn")
SENTENCE_CACHE = 20_000  # transcripts whose sentences are kept: 16 bytes a sentence, ~2 kB a transcript


@dataclass(frozen=True)
class Grid:
    """The counted units of every transcript, in text order, and who coded what in each.

    Only units that count are kept: on a transcript at least two coders saw and, with ``coded_only``,
    touched by some coding of one of the coders.
    """

    unit: Unit
    transcript: np.ndarray  # (units,) row of ``Material.transcripts``; non-decreasing
    start: np.ndarray  # (units,) code-point offsets in that transcript's text
    end: np.ndarray
    weight: np.ndarray  # (units,) int64: characters in a piece; 1 for a sentence or turn
    present: np.ndarray  # (coders, codes, units) bool
    observed: np.ndarray  # (coders, units) bool: the coder's codings count in this unit's transcript
    n_transcripts: int

    @property
    def bounds(self) -> np.ndarray:
        """Unit index where each transcript row starts; ``bounds[t]:bounds[t + 1]`` are its units."""
        return np.searchsorted(self.transcript, np.arange(self.n_transcripts + 1))

    def reliability_data(self, code: int, units: slice | np.ndarray = slice(None)) -> np.ndarray:
        """Coders × units for one code in the ``krippendorff`` layout: 1 present, 0 absent, NaN missing."""
        data = self.present[:, code, units].astype(np.float64)
        data[~self.observed[:, units]] = np.nan
        return data


def build_grid(material: Material, unit: Unit) -> Grid:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: choose one of {', '.join(UNITS)}")
    n_t = len(material.texts)
    offset = offsets(material)
    c = material.codings
    g_start, g_end = offset[c["transcript"]] + c["start"], offset[c["transcript"]] + c["end"]
    if unit == "character":
        start, end = _pieces(material, offset, g_start, g_end)
    else:
        start, end = _segments(material, offset, unit)
    transcript = np.searchsorted(offset, start, side="right") - 1
    weight = end - start if unit == "character" else np.ones(len(start), dtype=np.int64)
    # Looked up in text order (binary searches for sorted keys stay in cache: twice as fast in all).
    order = np.argsort(g_start)
    lo, hi = np.empty_like(g_start), np.empty_like(g_end)
    lo[order] = np.searchsorted(end, g_start[order], side="right")  # first unit ending after the start
    hi[order] = np.searchsorted(start, g_end[order], side="left")  # units starting before the end: [lo, hi)
    n_coders, n_codes, n_units = len(material.coders), len(material.codes), len(start)
    chosen = c["code"] >= 0
    present = _mark((n_coders, n_codes, n_units), (c["coder"][chosen], c["code"][chosen]),
                    lo[chosen], hi[chosen])
    observed = material.observed[:, transcript]
    keep = observed.sum(axis=0) >= 2
    if material.options.coded_only:
        # Coded by any of the coders counted there, with any code (compared or not).
        seen = material.observed[c["coder"], c["transcript"]]
        keep &= _mark((n_units,), (), lo[seen], hi[seen])
    return Grid(unit, transcript[keep], start[keep] - offset[transcript[keep]],
                end[keep] - offset[transcript[keep]], weight[keep], present[:, :, keep], observed[:, keep],
                n_t)


def _mark(
    shape: tuple[int, ...], index: tuple[np.ndarray, ...], lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Boolean array of ``shape``: True over [lo, hi) of the last axis at each leading ``index``."""
    ok = lo < hi
    lo, hi, index = lo[ok], hi[ok], tuple(i[ok] for i in index)
    length = hi - lo
    total = int(length.sum())
    if total > np.prod(shape):  # codings covering the grid many times over: a difference array
        diff = np.zeros((*shape[:-1], shape[-1] + 1), dtype=np.int32)
        np.add.at(diff, (*index, lo), 1)
        np.add.at(diff, (*index, hi), -1)
        return np.cumsum(diff, axis=-1)[..., :-1] > 0
    # Usually a coding spans a few units: set each covered position, no more work than that.
    row = np.ravel_multi_index(index, shape[:-1]) if index else np.zeros(len(lo), dtype=np.int64)
    first = row * shape[-1] + lo - (np.cumsum(length) - length)
    out = np.zeros(shape, dtype=bool)
    out.reshape(-1)[np.repeat(first, length) + np.arange(total)] = True
    return out


def offsets(material: Material) -> np.ndarray:
    """All transcripts end to end on one axis: transcript t occupies [offset[t], offset[t] + its length)."""
    offset = np.zeros(len(material.texts) + 1, dtype=np.int64)
    offset[1:] = np.cumsum([len(text) + 1 for text in material.texts])
    return offset


def speech_bounds(material: Material, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the counted speech on the common axis, merged and in order."""
    spans = sorted((offset[t] + s, offset[t] + e)
                   for t in range(len(material.texts)) for s, e in material.speech(t))
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    arr = np.array(merged, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _pieces(
    material: Material, offset: np.ndarray, g_start: np.ndarray, g_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The counted text cut at every coding boundary: pieces inside counted speech, in order."""
    s_start, s_end = speech_bounds(material, offset)
    cuts = np.unique(np.concatenate([s_start, s_end, g_start, g_end]))
    start, end = cuts[:-1], cuts[1:]
    inside = np.searchsorted(s_start, start, side="right") - 1
    keep = (inside >= 0) & (start < s_end[np.maximum(inside, 0)])
    return start[keep], end[keep]


def _segments(material: Material, offset: np.ndarray, unit: Unit) -> tuple[np.ndarray, np.ndarray]:
    """Every counted sentence or turn on the common axis, in order (transcripts are laid out in order
    and each transcript's spans are sorted, so joining them keeps the order)."""
    starts, ends = [], []
    for t, text in enumerate(material.texts):
        turns = material.speech(t)
        if unit == "sentence":
            s, e = sentence_arrays(text, turns)
        else:
            arr = np.array(sorted(turns), dtype=np.int64).reshape(-1, 2)
            s, e = arr[:, 0], arr[:, 1]
        starts.append(s + offset[t])
        ends.append(e + offset[t])
    if not starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(starts), np.concatenate(ends)


_sentences: OrderedDict[tuple[bytes, tuple[tuple[int, int], ...]], tuple[np.ndarray, np.ndarray]] = \
    OrderedDict()
_sentences_lock = threading.Lock()


def sentence_arrays(text: str, turns: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of :func:`~consult_coder.sentences.sentence_spans` (``text``, ``turns``), kept
    between calls. The key is a digest of the text (the cache holds no one's words) and the turns
    themselves, so any change to either is a new key; least recently used entries go first."""
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest(), tuple(turns))
    with _sentences_lock:
        found = _sentences.get(key)
        if found is not None:
            _sentences.move_to_end(key)
            return found
    arr = np.array(sentence_spans(text, turns), dtype=np.int64).reshape(-1, 2)
    found = (arr[:, 0].copy(), arr[:, 1].copy())
    for a in found:
        a.flags.writeable = False  # shared by every reader: never changed in place
    with _sentences_lock:
        _sentences[key] = found
        while len(_sentences) > SENTENCE_CACHE:
            _sentences.popitem(last=False)
    return found
