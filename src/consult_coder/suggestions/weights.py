"""Fitting the weigher's weights (``weigher.py``) to a reference coding: the candidates of each scan as
examples, then L2-regularised logistic regression per code. Used by ``evaluation/train_weights.py``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from consult_coder.suggestions.rules import Hit, Scan, is_filler
from consult_coder.suggestions.weigher import PARTS, Weigher, design


def examples(scan: Scan, rule_hits: Sequence[Hit], code_ids: Sequence[str], coded: set[tuple[str, int]]
             ) -> Iterable[tuple[str, list[str], bool]]:
    """(code, feature names, coded?) for each candidate of one scan, the features :meth:`Weigher.scores`
    weighs; ``coded`` holds (code, sentence index) pairs of the reference coding. The scan must keep its
    words (``PatternMatcher(..., keep_words=True)``)."""
    if scan.words is None:
        raise ValueError("the scan kept no words: match with keep_words=True")
    d = design([(scan, rule_hits)], list(code_ids))
    words = scan.words
    answers: list[list[str]] = [[] for _ in range(int(d.turn.max()) + 1 if len(d.turn) else 0)]
    for at, found in enumerate(words):
        answers[int(d.turn[at])].extend(found)
    answers = [list(dict.fromkeys(a)) for a in answers]
    for at, j in zip(*np.nonzero(d.candidate), strict=True):
        at, code_id = int(at), d.codes[j]
        x = scan.sentences[at]
        if not d.own[at, j] and is_filler(scan.text[x.start:x.end]):
            continue
        names = [f"f:{f}={int(v[at, j])}" for f, v in d.features.items()]
        names += [f"w:{w}" for w in words[at]]
        if not d.first[at]:
            names += [f"pw:{w}" for w in words[at - 1]]
        row = int(d.turn[at])
        names += [f"a:{w}" for w in answers[row]]
        names += [f"q:{w}" for w in scan.question_words.get(scan.sentences[at].turn, ())]
        yield code_id, names, (code_id, at) in coded


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
