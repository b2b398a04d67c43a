"""Token patterns made of word sets and gaps, followed over a whole batch of sentences at once.

Nearly every token pattern of a codebook is a row of word sets (``{"LOWER": {"IN": [...]}}``, a
``LEMMA`` expanded to its forms, ``NOT_IN``, optional or counted words) with gaps between them
(``{"OP": "{0,3}"}``). :meth:`Steps.compile` turns one into *steps*; :class:`Walker` follows every
(sentence, pattern) pair the gate lets through (``gate.py``) for a whole batch in NumPy: partial matches
advance one step at a time as arrays, each step a look-up in a (word set x word) table. It reports every
(start, end) token span spaCy's ``Matcher`` would, without a Python call per pair.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_COUNTED = re.compile(r"\{(\d*)(,(\d*))?\}")  # {n}, {m,n}, {,n}, {m,}
_MAX_REPEAT = 8  # a word counted more times than this stays with spaCy's Matcher
_TO_THE_END = 10_000  # a "*" gap: any number of words, to the end of the sentence
_BUDGET = 1 << 20  # word positions looked at in one go (a few arrays of this many numbers)


def count(op: str) -> tuple[int, int | None]:
    """How many times a token may occur, by its ``OP``: (at least, at most); at most None when unbounded
    (``+``, ``*``, ``{2,}``) or not a count (``!``)."""
    if op in ("", "?", "+", "*"):
        return {"": (1, 1), "?": (0, 1), "+": (1, None), "*": (0, None)}[op]
    if (m := _COUNTED.fullmatch(op)) and (m.group(1) or m.group(3)):
        low = int(m.group(1) or 0)
        if m.group(2) and not m.group(3):
            return low, None
        high = int(m.group(3)) if m.group(2) else low
        return (low, high) if high >= low else (0, None)
    return 0, None


@dataclass(frozen=True)
class Step:
    words: frozenset[int]  # word hashes
    negated: bool  # NOT_IN: any word but these
    optional: bool
    gap: int  # words allowed before it


@dataclass(frozen=True)
class Steps:
    """One token pattern as steps, and how many words it allows after its last step."""

    steps: tuple[Step, ...]
    tail: int

    @classmethod
    def compile(cls, tokens: list[dict[str, Any]], strings: Any) -> Steps | None:
        """The pattern's steps (``strings`` gives word hashes), or None for a pattern of another shape,
        which stays with spaCy's Matcher."""
        steps: list[Step] = []
        gap = 0
        for t in tokens:
            op = str(t.get("OP", ""))
            low, high = count(op)
            if set(t) == {"OP"}:  # a wildcard: any words, this many
                if op == "*":
                    high = _TO_THE_END
                if low or high is None:
                    return None
                gap += high
                continue
            if high is None or high > _MAX_REPEAT or set(t) - {"OP"} != {"LOWER"}:
                return None
            value = t["LOWER"]
            if isinstance(value, str):
                words, negated = [value], False
            elif isinstance(value, dict) and set(value) in ({"IN"}, {"NOT_IN"}):
                words, negated = next(iter(value.values())), "NOT_IN" in value
            else:
                return None
            hashes = frozenset(strings.add(w) for w in words)
            for n in range(high):  # {1,3}: once, then twice more at most, each optional
                steps.append(Step(hashes, negated, n >= low, gap))
                gap = 0
        if not steps or steps[0].optional or steps[0].gap:
            return None  # starting with a gap or an optional word: left to spaCy's Matcher
        return cls(tuple(steps), gap)


class Walker:
    """Patterns' steps as arrays (pattern x step), built once; :meth:`walk` per batch."""

    def __init__(self, patterns: Sequence[Steps]) -> None:
        sets = list(dict.fromkeys((s.words, s.negated) for p in patterns for s in p.steps))
        vocabulary = sorted(set().union(*(w for w, _ in sets)))
        self.words = pd.Index(np.array(vocabulary, dtype=np.uint64))  # a hash table, looked up in C
        # member[set, word]: the word fills a step with that set; the last column is any other word.
        self.member = np.zeros((max(len(sets), 1), len(vocabulary) + 1), dtype=bool)
        column = {h: i for i, h in enumerate(vocabulary)}
        for i, (words, negated) in enumerate(sets):
            self.member[i, [column[h] for h in words]] = True
            if negated:
                self.member[i] = ~self.member[i]
        width = max((len(p.steps) for p in patterns), default=0) + 1
        shape = (len(patterns), width)
        self.count = np.array([len(p.steps) for p in patterns], dtype=np.int64)
        self.tail = np.array([p.tail for p in patterns], dtype=np.int64)
        self.set, self.gap = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        self.optional = np.zeros(shape, dtype=bool)
        at = {key: i for i, key in enumerate(sets)}
        for n, p in enumerate(patterns):
            for k, s in enumerate(p.steps):
                self.set[n, k] = at[(s.words, s.negated)]
                self.gap[n, k], self.optional[n, k] = s.gap, s.optional

    def columns(self, lower: np.ndarray) -> np.ndarray:
        """Each word hash's column of :attr:`member` (the last for a word no step names)."""
        found = self.words.get_indexer(lower)
        return np.where(found >= 0, found, len(self.words))

    def walk(self, lower: np.ndarray, first: np.ndarray, stop: np.ndarray, rows: np.ndarray,
             patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every match of pattern ``patterns[i]`` in sentence ``rows[i]`` (tokens ``first[g]:stop[g]`` of
        the batch's word hashes ``lower``), as (pair i, start token, end token), each once."""
        word = self.columns(lower)
        begin, end = first[rows], stop[rows]
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for part in _slices(end - begin):  # the first step: any word of the sentence
            i, at = _ranges(begin[part], end[part])
            pair, start = _kept(self.member[self.set[patterns[part[i]], 0], word[at]], part[i], at)
            walk = _Walk(self, word, end, patterns, out)
            walk.follow(pair, start, start + 1, np.zeros(len(start), dtype=np.int64), 1)
        if not out:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        p, s, e = (np.concatenate(x) for x in zip(*out, strict=True))
        order = np.lexsort((e, s, p))  # each (pair, start, end) once, as the Matcher reports it
        p, s, e = p[order], s[order], e[order]
        once = np.ones(len(p), dtype=bool)
        once[1:] = (p[1:] != p[:-1]) | (s[1:] != s[:-1]) | (e[1:] != e[:-1])
        return p[once], s[once], e[once]


class _Walk:
    """Partial matches (pair, start, next word, words the gap before the next step may take) moved on one
    step at a time; when there are many, a slice of them at a time through all the steps that remain, so
    the arrays stay bounded even on a hostile sentence of a million words."""

    def __init__(self, walker: Walker, word: np.ndarray, end: np.ndarray, patterns: np.ndarray,
                 out: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        self.w, self.word, self.end, self.patterns, self.out = walker, word, end, patterns, out

    def follow(self, pair: np.ndarray, start: np.ndarray, at: np.ndarray, extra: np.ndarray, k: int) -> None:
        w = self.w
        n = self.patterns[pair]
        done = w.count[n] == k
        if done.any():  # any words the pattern allows after its last step end a match too
            p, s, a = pair[done], start[done], at[done]
            i, stops = _ranges(a, np.minimum(self.end[p], a + extra[done] + w.tail[n[done]]) + 1)
            self.out.append((p[i], s[i], stops))
            pair, start, at, extra, n = _kept(~done, pair, start, at, extra, n)
        if not len(pair):
            return
        gap = w.gap[n, k] + extra
        width = np.maximum(np.minimum(self.end[pair], at + gap + 1) - at, 0)
        for part in _slices(width):
            i, to = _ranges(at[part], at[part] + width[part])
            i, to = _kept(w.member[w.set[n[part[i]], k], self.word[to]], part[i], to)
            skip = part[w.optional[n[part], k]]  # skipped: the words it could have taken go to the next gap
            self.follow(np.concatenate([pair[skip], pair[i]]), np.concatenate([start[skip], start[i]]),
                        np.concatenate([at[skip], to + 1]),
                        np.concatenate([gap[skip], np.zeros(len(i), dtype=np.int64)]), k + 1)


def _slices(widths: np.ndarray) -> list[np.ndarray]:
    """Indices of ``widths`` in order, cut into runs of about :data:`_BUDGET` in total (each run starts
    within its budget; a single wider one may run past it)."""
    running = np.cumsum(widths)
    if not len(widths) or running[-1] <= _BUDGET:
        return [np.arange(len(widths))]
    bucket = (running - widths) // _BUDGET
    return np.split(np.arange(len(widths)), np.flatnonzero(np.diff(bucket)) + 1)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, every position in ``lo[i]:hi[i]``: (i repeated, position)."""
    lengths = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(lo)), lengths)
    opens = np.cumsum(lengths) - lengths
    return i, np.arange(int(lengths.sum())) - opens[i] + lo[i]


def _kept(keep: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(a[keep] for a in arrays)
