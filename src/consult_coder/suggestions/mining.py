"""Learning patterns from coding: words and phrases that mark a code's sentences, one call from a pattern.

For each code, the lemmas and lemma pairs of the sentences a coder coded with it are set against those
of the sentences they left without it (on their finished transcripts), by the weighted log-odds ratio
with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", §3.5). The prior
is the word's share of the whole project's speech, scaled to ``PRIOR_WEIGHT`` pseudo-counts: it shrinks
the odds of rare words towards the background, so a word seen once in a coded sentence does not top the
list. Candidates are ranked by the z-score (log-odds divided by its standard error).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, require_lead, visible
from consult_coder.codebook import bump_version
from consult_coder.errors import UserError
from consult_coder.model import Code, Transcript, utcnow
from consult_coder.suggestions.patterns import Pattern, patterns_for_code
from consult_coder.suggestions.quality import reference
from consult_coder.text import fold

PRIOR_WEIGHT = 500.0  # pseudo-counts the background contributes (α0)
MIN_IN_CODED = 2  # a candidate must occur in at least this many of the code's sentences


@dataclass(frozen=True)
class Candidate:
    lemmas: tuple[str, ...]  # one lemma, or two in a row
    z: float  # how much more typical of the code's sentences than of the others
    in_coded: int  # sentences of the code holding it
    in_other: int  # other sentences holding it

    @property
    def text(self) -> str:
        return " ".join(self.lemmas)

    @property
    def pattern(self) -> Pattern:
        """The token pattern matching this candidate in any inflection."""
        return [{"LEMMA": lemma} for lemma in self.lemmas]


def _nlp():  # noqa: ANN202
    from consult_coder.suggestions.engine import add_lookup_lemmatizer, load_pipeline

    nlp = load_pipeline()
    add_lookup_lemmatizer(nlp)
    return nlp


def features(lemmas: list[tuple[str, bool]]) -> set[tuple[str, ...]]:
    """Unigrams that are not stop words, and bigrams with at least one word that is not."""
    words = [(lemma, stop) for lemma, stop in lemmas]
    out = {(lemma,) for lemma, stop in words if not stop}
    out |= {(a, b) for (a, sa), (b, sb) in zip(words, words[1:], strict=False) if not (sa and sb)}
    return out


def sentence_features(texts: Iterable[str]) -> list[set[tuple[str, ...]]]:
    from spacy.lang.en.stop_words import STOP_WORDS

    nlp = _nlp()
    out = []
    for doc in nlp.pipe((fold(t.lower()) for t in texts), batch_size=256):
        lemmas = [(t.lemma_, t.lemma_ in STOP_WORDS or t.lower_ in STOP_WORDS)
                  for t in doc if t.is_alpha or "'" in t.text]
        out.append(features(lemmas))
    return out


def log_odds(coded: Counter, other: Counter, prior: Counter) -> dict[tuple[str, ...], float]:
    """z-scores of the weighted log-odds ratio, coded vs other, with the informative Dirichlet prior."""
    n_i, n_j, n_p = sum(coded.values()), sum(other.values()), sum(prior.values()) or 1
    scores = {}
    for w in coded:
        a = PRIOR_WEIGHT * prior[w] / n_p
        a0 = PRIOR_WEIGHT
        y_i, y_j = coded[w], other[w]
        delta = (math.log((y_i + a) / (n_i + a0 - y_i - a)) - math.log((y_j + a) / (n_j + a0 - y_j - a)))
        scores[w] = delta / math.sqrt(1 / (y_i + a) + 1 / (y_j + a))
    return scores


def candidates(session: Session, coder: str, code_id: str, top: int = 20, *,
               viewer: Viewer) -> list[Candidate]:
    """The words and phrases most typical of ``code_id`` in ``coder``'s coding, best first."""
    visible(viewer, coder, "The codings")
    if session.get(Code, code_id) is None:
        raise UserError(f"There is no code {code_id!r} in the codebook")
    ref = reference(session, coder)
    keys = sorted(ref.keys)
    texts = {tid: session.get(Transcript, tid).text for tid in ref.sentences}
    feats = sentence_features(texts[tid][s:e] for tid, s, e in keys)
    positive = {k for k, c in ref.gold if c == code_id}
    coded, other = Counter(), Counter()
    for key, fs in zip(keys, feats, strict=True):
        (coded if key in positive else other).update(fs)
    prior = coded + other
    scores = log_odds(coded, other, prior)
    ranked = sorted((w for w in scores if coded[w] >= MIN_IN_CODED and scores[w] > 0),
                    key=lambda w: (-scores[w], w))
    return [Candidate(w, round(scores[w], 3), coded[w], other[w]) for w in ranked[:top]]


def add_pattern(session: Session, code_id: str, pattern: Pattern, actor: str) -> list[Pattern]:
    """Give a code one more pattern (a candidate's, or typed): validated, audited, versioned."""
    code = session.get(Code, code_id)
    if code is None:
        raise UserError(f"There is no code {code_id!r} in the codebook")
    return set_patterns(session, code_id, [*(code.patterns or []), pattern], actor)


def set_patterns(session: Session, code_id: str, patterns: list[Pattern], actor: str) -> list[Pattern]:
    """Replace a code's patterns; the next refresh re-matches that code alone."""
    code = session.get(Code, code_id)
    if code is None:
        raise UserError(f"There is no code {code_id!r} in the codebook")
    require_lead(session, actor, "Changing the codebook")
    checked = patterns_for_code(code.name, patterns)
    before = list(code.patterns or [])
    if checked != before:
        code.patterns, code.updated_at = checked, utcnow()
        audit.code_updated(session, actor, code_id, {"patterns": before}, {"patterns": checked})
        bump_version(session)
    return checked

