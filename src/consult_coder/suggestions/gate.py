"""Which sentences each token pattern could match, found for a whole batch of sentences at once.

A token pattern can only match a sentence that holds a word of each token it cannot do without (its
required word sets: ``{"LEMMA": "listen"}`` needs one of listen, listened, listening, listens). Checking
that pattern by pattern and sentence by sentence in Python was most of the matching time. Here it is two
sparse-matrix products in compiled code: sentences x words -> sentences x word sets present ->
sentences x patterns (how many of each pattern's sets are present). A pattern is then followed word by
word only in the sentences holding all of its sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse


class Gate:
    """Built once from each pattern's required word sets (word hashes); :meth:`pairs` per batch."""

    def __init__(self, required: Sequence[Sequence[frozenset[int]]]) -> None:
        """``required[n]``: the word sets pattern ``n`` needs; none: it runs on every sentence."""
        self.always = np.array([n for n, sets in enumerate(required) if not sets], dtype=np.int64)
        index: dict[frozenset[int], int] = {}
        set_rows: list[int] = []
        pattern_cols: list[int] = []
        for n, sets in enumerate(required):
            for j in sorted({index.setdefault(s, len(index)) for s in sets}):
                set_rows.append(j)
                pattern_cols.append(n)
        self.needed = np.bincount(np.array(pattern_cols, dtype=np.int64), minlength=len(required))
        words = sorted(set().union(*index))
        self.words = pd.Index(np.array(words, dtype=np.uint64))  # a hash table: get_indexer looks up in C
        at = {h: i for i, h in enumerate(words)}
        pairs = [(at[h], j) for s, j in index.items() for h in s]
        self.word_sets = _ones([w for w, _ in pairs], [j for _, j in pairs], (len(words), len(index)))
        self.set_patterns = _ones(set_rows, pattern_cols, (len(index), len(required)))

    def pairs(self, lower: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sentences, patterns): the pairs worth running, sentence by sentence. ``lower`` holds the batch's
        word hashes; sentence ``g`` is tokens ``starts[g]:ends[g]`` (in order, not overlapping)."""
        n = len(starts)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        if len(self.words) and n and len(lower):
            idx = self.words.get_indexer(lower)
            pos = np.flatnonzero(idx >= 0)  # tokens that are some pattern's word
            sentence = np.searchsorted(starts, pos, side="right") - 1
            inside = sentence >= 0
            inside[inside] = pos[inside] < ends[sentence[inside]]  # not between sentences
            present = _ones(sentence[inside], idx[pos[inside]], (n, len(self.words)))
            sets = present @ self.word_sets
            sets.data[:] = 1  # a set counts once, however many of its words the sentence has
            counts = (sets @ self.set_patterns).tocoo()
            full = counts.data == self.needed[counts.col]
            rows.append(counts.row[full])
            cols.append(counts.col[full])
        if len(self.always) and n:
            rows.append(np.repeat(np.arange(n), len(self.always)))
            cols.append(np.tile(self.always, n))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(cols)


def _ones(rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray, shape: tuple[int, int]
          ) -> sparse.csr_matrix:
    data = np.ones(len(rows), dtype=np.int32)
    return sparse.csr_matrix((data, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
                             shape=shape)
