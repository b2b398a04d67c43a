"""The weigher: a learned second look at each answer where a code's patterns matched.

The passage rules (``rules.py``) decide by counting a code's matches in an answer. The weigher decides,
for each *candidate* — a sentence of an answer where the code's patterns matched, or whose question named
the code — with one linear model per code over what the patterns found there (the sentence's own
matches, the answer's, whether the rules chose it and its neighbours, the question's theme) and the words
of the sentence, of the sentence before it, of the whole answer and of the question. Words carry what the
patterns miss; the matches keep every suggestion tied to evidence a reader can see.

The words are the tokens the engine has already read (spaCy's lower-case forms, apostrophes folded):
the engine sums their weights for a whole batch of answers at once (:func:`word_scores`), so a scan
arrives with each sentence's words already weighed and this module weighs the rest.

Its weights are plain data (``data/*_weights.json.gz``: JSON, compressed), fitted (``weights.py``) to the
coded development consultations by ``evaluation/train_weights.py`` for one codebook; a code is weighed
only when its id and name are those the weights were trained for. No spaCy and no database here.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from consult_coder.errors import UserError
from consult_coder.suggestions.rules import IN_TEXT_ORDER, Hit, Scan, is_filler, merged

FORMAT = 1
# In consult_coder/data: the shipped codebook's weights, JSON compressed with gzip (a quarter of the size;
# written with no timestamp, so training again gives the same bytes).
SHIPPED = "working_alliance_weights.json.gz"
# The parts of a candidate's words, each with its own weights: the sentence, the one before it in the
# answer, the whole answer and the question before it.
PARTS = ("w", "pw", "a", "q")


# A candidate's pattern features, each a small whole number (its value's weight is looked up per code):
# its own matches, its answer's, whether the rules chose it, other codes matching it, its length in
# five-word steps, the question about or naming the code, a match or the rules' choice next to it.
FEATURES = {"own": 4, "ans": 5, "rule": 2, "oth": 3, "len": 7, "about": 2, "names": 2,
            "prevmatch": 2, "nextmatch": 2, "prevrule": 2, "nextrule": 2}


@dataclass
class Design:
    """What the weigher reads of a batch of scans, as arrays over (sentence, code) for the codes asked
    about; the scans' sentences follow one another (scan k's are rows ``offsets[k]:offsets[k + 1]``)."""

    codes: list[str]
    candidate: np.ndarray  # (sentences, codes) bool: may be suggested
    own: np.ndarray  # (sentences, codes) the code's matches in the sentence
    features: dict[str, np.ndarray]  # name -> (sentences, codes) value
    turn: np.ndarray  # sentence -> answer row (0..answers-1)
    first: np.ndarray  # sentence -> whether it opens its answer
    offsets: np.ndarray
    rule_hits: list[Hit]  # the rules' hits of these codes, scan after scan
    rule_cells: tuple[np.ndarray, np.ndarray, np.ndarray]  # each one's sentence row, code column, scan


def design(batch: Sequence[tuple[Scan, Iterable[Hit]]], codes: Sequence[str]) -> Design:
    """The candidates of a batch of scans (each with the rules' hits) and their features: sentences of an
    answer holding a match of the code outside its traps' sentences, or following a question that names
    it; never one holding the code's trap. (A filler such as "Yeah." without a match of its own is left
    out later, when chosen.) Built for a whole batch at once: the per-scan work is only reading the
    scans' dictionaries into flat lists (:class:`_Read`)."""
    k = len(codes)
    read = _Read(batch, {c: j for j, c in enumerate(codes)})
    n = read.n
    own, veto = read.cells(read.own, np.int64), read.cells(read.veto, bool)
    cells = read.rule_cells()
    rule = np.zeros((n, k), dtype=bool)
    rule[cells[:2]] = True
    of_turn = np.array(read.turns, dtype=np.int64)
    first = np.ones(n, dtype=bool)
    first[1:] = of_turn[1:] != of_turn[:-1]
    first[read.offsets[:-1][read.offsets[:-1] < n]] = True  # each scan starts a new answer
    opens = np.flatnonzero(first)
    turn = np.cumsum(first) - 1
    has = own > 0
    in_answer = np.add.reduceat(own, opens, axis=0) if n else np.zeros((0, k), dtype=np.int64)
    evident = np.add.reduceat(has & ~veto, opens, axis=0) if n else np.zeros((0, k), dtype=np.int64)
    about, names = read.questions(opens, of_turn, turn)
    matching = np.bincount(np.array(read.matching, dtype=np.int64), minlength=n)
    features = {
        "own": np.minimum(own, 3), "ans": np.minimum(in_answer[turn], 4), "rule": rule.astype(np.int64),
        "oth": np.minimum(matching[:, None] - has, 2),
        "len": np.repeat(np.minimum(read.length, 6)[:, None], k, 1),
        "about": about[turn].astype(np.int64), "names": names[turn].astype(np.int64),
        **_next_to(has, "match", first), **_next_to(rule, "rule", first)}
    candidate = ((evident > 0) | names)[turn] & ~veto
    return Design(list(codes), candidate, own, features, turn, first, read.offsets, read.rule_hits, cells)


class _Read:
    """A batch of scans read into flat lists: (row, code column[, value]) cells, each sentence's turn and
    length in five-word steps, and the questions' codes."""

    def __init__(self, batch: Sequence[tuple[Scan, Iterable[Hit]]], column: Mapping[str, int]) -> None:
        self.k = len(column)
        self.offsets = np.zeros(len(batch) + 1, dtype=np.int64)
        self.offsets[1:] = np.cumsum([len(scan.sentences) for scan, _ in batch])
        self.n = int(self.offsets[-1])
        self.own: list[tuple[int, int, int]] = []
        self.matching: list[int] = []  # one entry per (code of any kind, sentence) matched
        self.veto: list[tuple[int, int, bool]] = []
        self.rule_hits: list[Hit] = []  # and each one's row, code column and scan:
        self.rule_rows: list[int] = []
        self.rule_columns: list[int] = []
        self.rule_scans: list[int] = []
        self.asked: list[tuple[int, int, int, int]] = []  # (scan, turn, 0 about / 1 names, code column)
        self.turns: list[int] = []
        self.sentences: list[str] = []
        for b, (scan, hits) in enumerate(batch):
            self._scan(b, int(self.offsets[b]), scan, hits, column)
        self.length = word_counts(self.sentences) // 5

    def _scan(self, b: int, o: int, scan: Scan, hits: Iterable[Hit], column: Mapping[str, int]) -> None:
        text = scan.text
        self.matching += [o + at for _, at in scan.found]
        self.own += [(o + at, column[c], len(spans)) for (c, at), spans in scan.found.items() if c in column]
        self.veto += [(o + at, column[c], True) for c, at in scan.vetoed if c in column]
        starts, ends, turns = zip(*scan.sentences, strict=True) if scan.sentences else ((), (), ())
        index = dict(zip(starts, range(o, o + len(starts)), strict=True))
        mine = [h for h in hits if h.code_id in column and h.start in index]
        self.rule_hits += mine
        self.rule_rows += [index[h.start] for h in mine]
        self.rule_columns += [column[h.code_id] for h in mine]
        self.rule_scans += [b] * len(mine)
        for t, question in scan.asked.items():
            if question.about or question.names:
                self.asked += [(b, t, 0, column[c]) for c in question.about if c in column]
                self.asked += [(b, t, 1, column[c]) for c in question.names if c in column]
        self.turns += turns
        self.sentences += map(text.__getitem__, map(slice, starts, ends))

    def rule_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each of the rules' hits: its sentence row, code column and scan."""
        rows, columns, scans = (np.array(x, dtype=np.int64)
                                for x in (self.rule_rows, self.rule_columns, self.rule_scans))
        return rows, columns, scans

    def cells(self, cells: list[tuple[int, int, Any]], dtype: type) -> np.ndarray:
        out = np.zeros((self.n, self.k), dtype=dtype)
        if cells:
            rows, columns, values = zip(*cells, strict=True)
            out[rows, columns] = values
        return out

    def questions(self, opens: np.ndarray, of_turn: np.ndarray, turn: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(answers, codes) twice: the question before the answer was about the code; named it."""
        about = np.zeros((len(opens), self.k), dtype=bool)
        names = np.zeros((len(opens), self.k), dtype=bool)
        if self.asked and len(opens):
            asked = np.array(self.asked, dtype=np.int64)  # (scan, turn, kind, code column)
            size = int(max(of_turn.max(), asked[:, 1].max())) + 1
            # each answer by (scan, turn), as one sortable number, and each question's answer found by it
            key = (np.searchsorted(self.offsets, opens, side="right") - 1) * size + of_turn[opens]
            order = np.argsort(key, kind="stable")
            wanted = asked[:, 0] * size + asked[:, 1]
            at = np.minimum(np.searchsorted(key[order], wanted), len(key) - 1)
            hit = key[order][at] == wanted
            row, kind, code = turn[opens][order][at][hit], asked[hit, 2], asked[hit, 3]
            about[row[kind == 0], code[kind == 0]] = True
            names[row[kind == 1], code[kind == 1]] = True
        return about, names


# Every code point str.isspace() holds for lies at or below U+3000 (the ideographic space); one more
# entry stands for all above it.
_SPACE = np.array([chr(c).isspace() for c in range(0x3001)] + [False])


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """How many words ``str.split()`` finds in each text, for many texts at once (a word starts where
    a non-space follows a space or the text's start)."""
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _SPACE[np.minimum(codes, len(_SPACE) - 1)]
    opens = ~space
    opens[1:] &= space[:-1]
    running = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(opens, out=running[1:])
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths + 1) - lengths - 1  # the texts are joined by one "\n" each
    return running[starts + lengths] - running[starts]


def _next_to(flags: np.ndarray, name: str, first: np.ndarray) -> dict[str, np.ndarray]:
    """Whether the sentence before (``prev…``) and after (``next…``) in the same answer is flagged."""
    last = np.ones(len(first), dtype=bool)
    last[:-1] = first[1:]
    before, after = np.zeros_like(flags), np.zeros_like(flags)
    before[1:], after[:-1] = flags[:-1] & ~first[1:, None], flags[1:] & ~last[:-1, None]
    return {f"prev{name}": before.astype(np.int64), f"next{name}": after.astype(np.int64)}


class WordTables:
    """A weigher's word weights by spaCy word hash (sorted, for a search in compiled code): one table per
    part, a row per word plus a last row of zeros for words the weights do not know."""

    def __init__(self, weigher: Weigher, hash_string: Callable[[str], int]) -> None:
        models = [weigher.codes[c] for c in weigher.order]
        known = sorted({w for m in models for p in PARTS for w in m[p]})
        hashes = np.fromiter(map(hash_string, known), dtype=np.uint64, count=len(known))
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        row = {known[i]: r for r, i in enumerate(order.tolist())}
        self.tables = {p: np.zeros((len(known) + 1, len(models))) for p in PARTS}
        for j, m in enumerate(models):
            for p in PARTS:
                table = self.tables[p]
                for w, value in m[p].items():
                    table[row[w], j] = value
        self.stacked = np.hstack([self.tables["w"], self.tables["pw"], self.tables["q"]])
        self.index = pd.Index(self.hashes)  # a hash table: get_indexer looks words up in C

    def rows(self, lower: np.ndarray) -> np.ndarray:
        """Each word hash's row (the last row for an unknown word)."""
        found = self.index.get_indexer(lower)
        return np.where(found >= 0, found, len(self.hashes))


def word_scores(words: WordTables, lower: np.ndarray, first: np.ndarray, stop: np.ndarray, piece: np.ndarray,
                index: np.ndarray, question: np.ndarray) -> np.ndarray:
    """(sentences, codes): the words' part of each sentence's score, for a batch of answers at once.

    ``lower`` holds the batch's word hashes; sentence g spans words ``first[g]:stop[g]`` of answer
    ``piece[g]`` (in order), is its ``index[g]``-th sentence, and is the question before it when
    ``question[g]``. A word counts once per part: in the sentence, the sentence before it in the answer,
    the whole answer (its sentences, not the question) and the question. Sums are sparse products in
    SciPy's compiled code (sentences x words, then words x codes)."""
    count, codes = len(words.hashes) + 1, words.tables["w"].shape[1]
    lengths = (stop - first).astype(np.int64)
    indptr = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    at = np.arange(int(indptr[-1])) - np.repeat(indptr[:-1] - first, lengths)
    present = sp.csr_matrix((np.ones(len(at)), words.rows(lower[at]), indptr), shape=(len(first), count))
    present.sum_duplicates()
    present.data[:] = 1.0  # a word counts once per sentence
    by_sentence = present @ words.stacked  # w | pw | q
    sentence, previous, asked = (by_sentence[:, k * codes:(k + 1) * codes] for k in range(3))
    pieces = int(piece.max()) + 1 if len(piece) else 0
    spoken = np.flatnonzero(~question)
    of_answer = sp.csr_matrix((np.ones(len(spoken)), (piece[spoken], spoken)), shape=(pieces, len(first)))
    in_answer = of_answer @ present
    in_answer.data[:] = 1.0
    answer = in_answer @ words.tables["a"]
    of_question = np.zeros((pieces, codes))
    of_question[piece[question]] = asked[question]
    total = sentence + answer[piece] + of_question[piece]
    follows = (piece[1:] == piece[:-1]) & (index[1:] == index[:-1] + 1) & ~question[:-1]
    total[1:] += np.where(follows[:, None], previous[:-1], 0.0)
    return total


def _sums(table: np.ndarray, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(groups, codes): each group's rows of ``table`` summed (the groups' rows lie in order)."""
    running = np.zeros((len(rows) + 1, table.shape[1]))
    np.cumsum(table[rows], axis=0, out=running[1:])
    ends = np.cumsum(lengths)
    return running[ends] - running[ends - lengths]


def _evidence(scan: Scan, code_id: str, at: int, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    """As the rules give it: the candidate's own matches, else the nearest in its answer (the earlier on a
    tie; never a trap's sentence), else the question's words naming the code."""
    for distance in range(hi - lo):
        for near in (at - distance, at + distance):
            spans = scan.found.get((code_id, near))
            if lo <= near < hi and spans and (code_id, near) not in scan.vetoed:
                return tuple(spans) if len(spans) == 1 else merged(spans)
    return tuple(scan.asked[scan.sentences[at].turn].names[code_id])


class Weigher:
    """One linear model per code; :meth:`suggest` replaces the rules' hits for the codes it knows."""

    def __init__(self, codes: Mapping[str, Mapping[str, Any]], threshold: float, names: Mapping[str, str],
                 trained_on: Sequence[str] = ()) -> None:
        self.codes = {c: {"bias": float(m["bias"]), **{p: dict(m.get(p, {})) for p in (*PARTS, "f")}}
                      for c, m in codes.items()}
        self.threshold = float(threshold)
        self.names = dict(names)
        self.trained_on = list(trained_on)
        self._cut = math.log(self.threshold / (1 - self.threshold))
        # The same weights as arrays over (value or word, code), for scoring a whole scan at once.
        self.order = sorted(self.codes)
        models = [self.codes[c] for c in self.order]
        self.bias = np.array([m["bias"] for m in models])
        self.tables = {f: np.array([[m["f"].get(f"{f}={v}", 0.0) for v in range(size)] for m in models])
                       for f, size in FEATURES.items()}
        self._words: WordTables | None = None
        self._parts: dict[tuple[str, ...], Weigher] = {}

    def word_tables(self, hash_string: Callable[[str], int]) -> WordTables:
        """The word weights by word hash, for the engine (made once)."""
        if self._words is None:
            self._words = WordTables(self, hash_string)
        return self._words

    # -------------------------------------------------------------- data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = "weights") -> Weigher:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise UserError(f"{where}: not a consult-coder weights file of format {FORMAT}")
        threshold = data.get("threshold")
        if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
            raise UserError(f"{where}: 'threshold' must be a number between 0 and 1")
        codes = data.get("codes")
        if not isinstance(codes, Mapping):
            raise UserError(f"{where}: 'codes' must map each code id to its weights")
        for code_id, model in codes.items():
            if not isinstance(model, Mapping) or not isinstance(model.get("bias"), (int, float)) or not all(
                    _numbers(model.get(p, {})) for p in (*PARTS, "f")):
                raise UserError(f"{where}: code {code_id!r} needs a number 'bias' and tables of numbers")
        return cls(codes, threshold, data.get("names", {}), data.get("trained_on", ()))

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "threshold": self.threshold, "names": self.names,
                "trained_on": self.trained_on, "codes": self.codes}

    @cached_property
    def digest(self) -> str:
        """Changes exactly when the weigher's decisions could change (stored suggestions then refresh)."""
        blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def for_codes(self, names: Mapping[str, str]) -> Weigher | None:
        """The part of this weigher for a codebook's codes (id -> name): a code whose id or name differs
        from what the weights were trained for is left to the rules alone."""
        kept = tuple(c for c in self.order if names.get(c) == self.names.get(c))
        if not kept:
            return None
        if kept == tuple(self.order):
            return self
        if kept not in self._parts:  # made once: its tables and digest are read at every refresh
            self._parts[kept] = Weigher({c: self.codes[c] for c in kept}, self.threshold,
                                        {c: self.names[c] for c in kept}, self.trained_on)
        return self._parts[kept]

    # -------------------------------------------------------------- deciding

    def scores(self, d: Design, weighed_words: np.ndarray) -> np.ndarray:
        """(sentences, codes): each candidate's log-odds of being coded (``d`` made for :attr:`order`)."""
        columns = np.arange(len(d.codes))
        return self.bias + sum(self.tables[f][columns, v] for f, v in d.features.items()) + weighed_words

    def suggest(self, scan: Scan, rule_hits: Sequence[Hit]) -> list[Hit]:
        """The rules' hits of the codes this weigher does not know, and its own choice for the rest."""
        return self.suggest_many([(scan, rule_hits)])[0]

    def suggest_many(self, batch: Sequence[tuple[Scan, Sequence[Hit]]]) -> list[list[Hit]]:
        """:meth:`suggest` for a batch of scans at once (each with the rules' hits)."""
        for scan, _ in batch:
            if scan.word_scores is None or scan.word_scores.shape != (len(scan.sentences), len(self.order)):
                raise ValueError("the scan's words were not weighed for this weigher: match with it")
        out = [[h for h in hits if h.code_id not in self.codes] for _, hits in batch]
        d = design(batch, self.order)
        if not len(d.turn):
            return out
        weighed = np.concatenate([scan.word_scores for scan, _ in batch])
        chosen = d.candidate & (self.scores(d, weighed) > self._cut)
        # The rules' hits the weigher keeps are reused as they are (the rules never choose a filler
        # without a match of its own, so none needs that check again); the rest are made here.
        rows, columns, of_scan = d.rule_cells
        keep = chosen[rows, columns]
        chosen[rows, columns] = False
        kept = list(itertools.compress(d.rule_hits, keep.tolist()))
        ends = np.cumsum(np.bincount(of_scan[keep], minlength=len(batch))).tolist()
        for b, (start, end) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
            out[b] += kept[start:end]
        self._new_hits(batch, d, chosen, out)
        for hits in out:
            hits.sort(key=IN_TEXT_ORDER)
        return out

    def _new_hits(self, batch: Sequence[tuple[Scan, Sequence[Hit]]], d: Design, chosen: np.ndarray,
                  out: list[list[Hit]]) -> None:
        """A hit for each chosen cell the rules did not choose: none on a filler without its own match;
        the evidence is the nearest match in the answer, as the rules give it."""
        rows, columns = np.nonzero(chosen)
        own = (d.own[rows, columns] > 0).tolist()
        of_scan = (np.searchsorted(d.offsets, rows, side="right") - 1).tolist()
        answer = np.flatnonzero(d.first).tolist() + [len(d.first)]
        turn, offsets = d.turn.tolist(), d.offsets.tolist()
        for at, j, matched, b in zip(rows.tolist(), columns.tolist(), own, of_scan, strict=True):
            scan, o = batch[b][0], offsets[b]
            code_id, x = self.order[j], scan.sentences[at - o]
            if not matched:
                filler = scan.fillers.get(at - o)
                if filler is None:
                    filler = scan.fillers[at - o] = is_filler(scan.text[x.start:x.end])
                if filler:
                    continue
            row = turn[at]
            out[b].append(Hit(code_id, x.start, x.end,
                              _evidence(scan, code_id, at - o, answer[row] - o, answer[row + 1] - o)))


def _numbers(table: Any) -> bool:
    return isinstance(table, Mapping) and all(isinstance(v, (int, float)) for v in table.values())


def shipped() -> Weigher:
    """The weights trained for the shipped codebook (``codebooks/working_alliance.yaml``), read once."""
    if SHIPPED not in _CACHE:
        data = resources.files("consult_coder.data").joinpath(SHIPPED).read_bytes()
        _CACHE[SHIPPED] = Weigher.from_json(json.loads(gzip.decompress(data)), SHIPPED)
    return _CACHE[SHIPPED]


_CACHE: dict[str, Weigher] = {}


def shipped_for(codes: Iterable[Any]) -> Weigher | None:
    """The shipped weigher for those of a codebook's ``codes`` (anything with ``id`` and ``name``) it was
    trained for, or None when it knows none of them."""
    return shipped().for_codes({c.id: c.name for c in codes})


def dumps(weigher: Weigher) -> bytes:
    """A weigher as the shipped file holds it: sorted, compact JSON, gzip with no timestamp."""
    text = json.dumps(weigher.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    return gzip.compress(text.encode("utf-8"), mtime=0)
