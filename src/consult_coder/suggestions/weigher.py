"""The weigher: a learned second look at each answer where a code's patterns matched.

The passage rules (``rules.py``) decide by counting a code's matches in an answer. The weigher decides,
for each *candidate* — a sentence of an answer where the code's patterns matched, or whose question named
the code — with one linear model per code over what the patterns found there (the sentence's own
matches, the answer's, whether the rules chose it and its neighbours, the question's theme) and the words
of the sentence, of the sentence before it, of the whole answer and of the question. Words carry what the
patterns miss; the matches keep every suggestion tied to evidence a reader can see.

Its weights are plain data (``data/*_weights.json``), trained from the coded development consultations
by ``evaluation/train_weights.py`` for one codebook; a code is weighed only when its id and name are
those the weights were trained for. Pure and small like the rules: no spaCy, no database.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from consult_coder.errors import UserError
from consult_coder.suggestions.rules import Hit, Scan, is_filler, merged
from consult_coder.text import fold

FORMAT = 1
SHIPPED = "working_alliance_weights.json"  # in consult_coder/data: the shipped codebook's weights
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The parts of a candidate's words, each with its own weights: the sentence, the one before it in the
# answer, the whole answer and the question before it.
PARTS = ("w", "pw", "a", "q")


def words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text).lower()))


@dataclass(frozen=True)
class Candidate:
    code_id: str
    at: int  # sentence index in the scan
    features: tuple[str, ...]  # the pattern features; the words are read per part (see _Turn)


class _Turn:
    """One answer's words, read once for all its candidates."""

    def __init__(self, scan: Scan, lo: int, hi: int, question: tuple[int, int] | None) -> None:
        text = scan.text
        self.sentence = [words(text[x.start:x.end]) for x in scan.sentences[lo:hi]]
        self.answer = set().union(*self.sentence) if self.sentence else set()
        self.question = words(text[question[0]:question[1]]) if question else set()
        self.lo = lo

    def parts(self, at: int) -> dict[str, Iterable[str]]:
        k = at - self.lo
        return {"w": self.sentence[k], "pw": self.sentence[k - 1] if k else (), "a": self.answer,
                "q": self.question}


def candidates(scan: Scan, rule_hits: Iterable[Hit], code_ids: Iterable[str]
               ) -> Iterable[tuple[Candidate, _Turn]]:
    """Every (sentence, code) the weigher may suggest, with its pattern features: sentences of an answer
    holding a match of the code or following a question that names it, never one holding the code's
    trap, nor a filler ("Yeah.") without a match of its own. (A match in a trap's sentence counts as a
    feature of its answer, but alone makes no candidate.)"""
    wanted = set(code_ids)
    sentences = scan.sentences
    chosen = {(h.code_id, h.start) for h in rule_hits}
    own: dict[int, dict[str, int]] = {}
    for (code_id, at), spans in scan.found.items():
        own.setdefault(at, {})[code_id] = len(spans)
    bounds: dict[int, list[int]] = {}
    for at, x in enumerate(sentences):
        bounds.setdefault(x.turn, [at, at])[1] = at + 1
    in_turn: dict[int, dict[str, int]] = {}
    evident: dict[int, set[str]] = {}  # turn -> codes with a match outside their traps' sentences
    for (code_id, at), spans in scan.found.items():
        counts = in_turn.setdefault(sentences[at].turn, {})
        counts[code_id] = counts.get(code_id, 0) + len(spans)
        if (code_id, at) not in scan.vetoed:
            evident.setdefault(sentences[at].turn, set()).add(code_id)
    for turn, (lo, hi) in sorted(bounds.items()):
        question = scan.asked.get(turn)
        codes = evident.get(turn, set()) | set(question.names if question else ())
        codes &= wanted
        if not codes:
            continue
        words_of = _Turn(scan, lo, hi, scan.questions.get(turn))
        for at in range(lo, hi):
            here = own.get(at, {})
            filler = None
            for code_id in sorted(codes):
                if (code_id, at) in scan.vetoed:
                    continue
                if code_id not in here:
                    if filler is None:
                        x = sentences[at]
                        filler = is_filler(scan.text[x.start:x.end])
                    if filler:
                        continue
                yield Candidate(code_id, at, _pattern_features(
                    code_id, at, lo, hi, here, own, in_turn.get(turn, {}).get(code_id, 0), question,
                    chosen, scan)), words_of


def _pattern_features(code_id: str, at: int, lo: int, hi: int, here: Mapping[str, int],
                      own: Mapping[int, Mapping[str, int]], in_answer: int, question: Any,
                      chosen: set[tuple[str, int]], scan: Scan) -> tuple[str, ...]:
    x = scan.sentences[at]
    f = [f"own{min(here.get(code_id, 0), 3)}", f"ans{min(in_answer, 4)}",
         "rule" if (code_id, x.start) in chosen else "norule",
         f"oth{min(sum(1 for c in here if c != code_id), 2)}",
         f"len{min(len(scan.text[x.start:x.end].split()) // 5, 6)}"]
    if question is not None and code_id in question.about:
        f.append("about")
    if question is not None and code_id in question.names:
        f.append("names")
    for step, name in ((-1, "prev"), (1, "next")):
        near = at + step
        if lo <= near < hi:
            if code_id in own.get(near, ()):
                f.append(f"{name}match")
            if (code_id, scan.sentences[near].start) in chosen:
                f.append(f"{name}rule")
    return tuple(f)


def _evidence(scan: Scan, code_id: str, at: int, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    """As the rules give it: the candidate's own matches, else the nearest in its answer (the earlier on a
    tie; never a trap's sentence), else the question's words naming the code."""
    for distance in range(hi - lo):
        for near in (at - distance, at + distance):
            spans = scan.found.get((code_id, near))
            if lo <= near < hi and spans and (code_id, near) not in scan.vetoed:
                return tuple(spans) if len(spans) == 1 else merged(spans)
    turn = scan.sentences[at].turn
    return tuple(scan.asked[turn].names[code_id])


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

    @property
    def digest(self) -> str:
        """Changes exactly when the weigher's decisions could change (stored suggestions then refresh)."""
        blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def for_codes(self, names: Mapping[str, str]) -> Weigher | None:
        """The part of this weigher for a codebook's codes (id -> name): a code whose id or name differs
        from what the weights were trained for is left to the rules alone."""
        kept = {c: m for c, m in self.codes.items() if names.get(c) == self.names.get(c)}
        if not kept:
            return None
        return Weigher(kept, self.threshold, {c: self.names[c] for c in kept}, self.trained_on)

    # -------------------------------------------------------------- deciding

    def score(self, candidate: Candidate, turn: _Turn) -> float:
        """The candidate's log-odds of being coded."""
        model = self.codes[candidate.code_id]
        f = model["f"]
        total = model["bias"] + sum(f.get(name, 0.0) for name in candidate.features)
        for part, found in turn.parts(candidate.at).items():
            table = model[part]
            total += sum(table.get(w, 0.0) for w in found)
        return total

    def suggest(self, scan: Scan, rule_hits: Sequence[Hit]) -> list[Hit]:
        """The rules' hits of the codes this weigher does not know, and its own choice for the rest."""
        hits = [h for h in rule_hits if h.code_id not in self.codes]
        by_rule = {(h.code_id, h.start): h for h in rule_hits}
        for candidate, turn in candidates(scan, rule_hits, self.codes):
            if self.score(candidate, turn) > self._cut:
                x = scan.sentences[candidate.at]
                hit = by_rule.get((candidate.code_id, x.start))
                hits.append(hit or Hit(candidate.code_id, x.start, x.end, _evidence(
                    scan, candidate.code_id, candidate.at, turn.lo, turn.lo + len(turn.sentence))))
        hits.sort(key=lambda h: (h.start, h.code_id))
        return hits


def _numbers(table: Any) -> bool:
    return isinstance(table, Mapping) and all(isinstance(v, (int, float)) for v in table.values())


def shipped() -> Weigher:
    """The weights trained for the shipped codebook (``codebooks/working_alliance.yaml``)."""
    return _load_shipped()


_CACHE: dict[str, Weigher] = {}


def _load_shipped() -> Weigher:
    if SHIPPED not in _CACHE:
        text = resources.files("consult_coder.data").joinpath(SHIPPED).read_text(encoding="utf-8")
        _CACHE[SHIPPED] = Weigher.from_json(json.loads(text), SHIPPED)
    return _CACHE[SHIPPED]


# ------------------------------------------------------------------ training

def examples(scan: Scan, rule_hits: Sequence[Hit], code_ids: Iterable[str], coded: set[tuple[str, int]]
             ) -> Iterable[tuple[str, list[str], bool]]:
    """(code, feature names, coded?) for each candidate of one scan; ``coded`` holds (code, sentence
    index) pairs of the reference coding."""
    for candidate, turn in candidates(scan, rule_hits, code_ids):
        names = [f"f:{f}" for f in candidate.features]
        for part, found in turn.parts(candidate.at).items():
            names += [f"{part}:{w}" for w in found]
        yield candidate.code_id, names, (candidate.code_id, candidate.at) in coded


def fit(rows: Iterable[tuple[str, list[str], bool]], names: Mapping[str, str], threshold: float,
        l2: float = 1.0, keep: float = 0.01, trained_on: Sequence[str] = ()) -> Weigher:
    """L2-regularised logistic regression per code over the candidates' binary features (SciPy's L-BFGS,
    deterministic); weights smaller than ``keep`` are dropped and the rest rounded, to keep the file
    small."""
    by_code: dict[str, list[tuple[list[str], bool]]] = {}
    for code_id, feats, label in rows:
        by_code.setdefault(code_id, []).append((feats, label))
    models: dict[str, dict[str, Any]] = {}
    for code_id, data in sorted(by_code.items()):
        vocab: dict[str, int] = {}
        ii: list[int] = []
        jj: list[int] = []
        for i, (feats, _) in enumerate(data):
            for f in feats:
                ii.append(i)
                jj.append(vocab.setdefault(f, len(vocab)))
        x = sp.csr_matrix((np.ones(len(ii)), (ii, jj)), shape=(len(data), len(vocab)))
        y = np.array([label for _, label in data], dtype=float)
        w = _logistic(x, y, l2)
        model: dict[str, Any] = {"bias": round(float(w[-1]), 4), **{p: {} for p in (*PARTS, "f")}}
        for f, j in vocab.items():
            if abs(w[j]) >= keep:
                part, _, name = f.partition(":")
                model[part][name] = round(float(w[j]), 4)
        models[code_id] = model
    return Weigher(models, threshold, {c: names[c] for c in models}, trained_on)


def _logistic(x: sp.csr_matrix, y: np.ndarray, l2: float) -> np.ndarray:
    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        p = 1 / (1 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0, z) - y * z) + l2 * np.dot(w[:-1], w[:-1]))
        return value, np.concatenate([x.T @ (p - y) + 2 * l2 * w[:-1], [np.sum(p - y)]])

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                      options={"maxiter": 500})
    return result.x
