"""The pattern engine: a spaCy pipeline and matchers that turn text + turns into (sentence, code) hits.

Speed comes from doing the slow part once. Lemmatising every token is what makes ``LEMMA`` patterns
slow, so a ``{"LEMMA": "hear"}`` token is expanded, when the matcher is built, into
``{"LOWER": {"IN": ["hear", "heard", "hearing", "hears"]}}`` from the same lookup table the lookup
lemmatizer reads (spacy-lookups-data), and texts are only tokenised. Matching on the lower-case form also
catches "Listening" at the start of a sentence, which the lookup lemmatizer leaves unlemmatised.
Simple token patterns (a fixed number of tokens, each one word or a set of words) become phrases for the
``PhraseMatcher`` (a hash look-up per token); the rest go to the ``Matcher``. A lemma that cannot be
expanded (e.g. ``{"LEMMA": {"REGEX": …}}``) switches the lemmatizer on for the texts.

Typographic apostrophes are folded to ``'`` (one code point for one, so offsets hold) in texts and
patterns alike, so "won’t" and "won't" are the same words.

An installed trained pipeline (a package name or a folder) may be chosen instead of the blank one; it
is loaded from disk, never downloaded, and its own lemmatizer, tagger and parser then run on every text,
which is slower but lets patterns use ``POS``, ``DEP`` and the like.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from consult_coder.errors import UserError
from consult_coder.sentences import Sentence, sentence_at, split_sentences
from consult_coder.suggestions.patterns import Pattern, needs_trained_pipeline

ENGINE_VERSION = "1"  # raise when matching changes, so stored suggestions are rebuilt
BATCH_SIZE = 256
# People talk about a theme over a few sentences and coders code the passage: a match also suggests its
# code for this many sentences either side of it, within the same turn (0 = the matching sentence only).
DEFAULT_CONTEXT = 1
MAX_PHRASE_VARIANTS = 5000  # a token pattern expanding to more phrases than this stays a token pattern
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_TEXT_KEYS = ("LOWER", "ORTH", "TEXT", "LEMMA", "NORM")


@dataclass(frozen=True)
class Hit:
    """One code suggested for one sentence, with the words that made it (code-point spans)."""

    code_id: str
    start: int
    end: int
    evidence: tuple[tuple[int, int], ...]
    score: float | None = None


def fold(text: str) -> str:
    return text.translate(_FOLD)


# ---------------------------------------------------------------- the pipeline

def load_pipeline(name: str = "") -> Language:
    """The blank English pipeline, or an installed trained one by package name or folder path."""
    if not name:
        return spacy.blank("en")
    if not (spacy.util.is_package(name) or Path(name).is_dir()):
        raise UserError(f"spaCy pipeline {name!r} is not installed here (consult-coder never downloads "
                        "models): install it with pip, or clear the suggestion pipeline setting")
    try:
        return spacy.load(name)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"spaCy pipeline {name!r} could not be loaded: {str(exc).splitlines()[0]}") from None


def add_lookup_lemmatizer(nlp: Language) -> None:
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()


@lru_cache(maxsize=1)
def lemma_forms() -> dict[str, frozenset[str]]:
    """lemma -> every lower-case form the lookup table maps to it (the lemma itself included)."""
    from spacy.util import load_language_data, registry

    table: dict[str, str] = load_language_data(registry.lookups.get("en")["lemma_lookup"])
    forms: dict[str, set[str]] = {}
    for form, lemma in table.items():
        forms.setdefault(fold(lemma.lower()), set()).add(fold(form.lower()))
    return {lemma: frozenset(f | {lemma}) for lemma, f in forms.items()}


def forms_of(lemma: str) -> frozenset[str]:
    key = fold(lemma.lower())
    return lemma_forms().get(key, frozenset({key}))


# ---------------------------------------------------------------- compiling patterns

def _fold_value(value: Any) -> Any:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, dict):
        return {k: [fold(v) if isinstance(v, str) else v for v in vs] if isinstance(vs, list) else vs
                for k, vs in value.items()}
    return value


def _lower_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):
        return {k: [v.lower() if isinstance(v, str) else v for v in vs] if k in ("IN", "NOT_IN") else vs
                for k, vs in value.items()}
    return value


def expand_token(token: Mapping[str, Any]) -> dict[str, Any] | None:
    """A token dict with LEMMA turned into LOWER forms, or None when that cannot be done."""
    out: dict[str, Any] = {}
    for key, value in token.items():
        key = str(key).upper()
        if key == "OP":
            out[key] = value
            continue
        value = _fold_value(value) if key in _TEXT_KEYS else value
        if key == "LOWER":
            value = _lower_value(value)
        out[key] = value
    if "LEMMA" not in out:
        return out
    lemma = out.pop("LEMMA")
    if "LOWER" in out:
        return None
    if isinstance(lemma, str):
        out["LOWER"] = {"IN": sorted(forms_of(lemma))}
    elif isinstance(lemma, dict) and set(lemma) <= {"IN", "NOT_IN"}:
        out["LOWER"] = {op: sorted(set().union(*(forms_of(v) for v in values)))
                        for op, values in lemma.items()}
    else:
        return None
    return out


def _as_phrases(tokens: list[dict[str, Any]]) -> list[tuple[str, ...]] | None:
    """Word sequences equal to a token pattern made only of fixed LOWER words or sets of them."""
    choices: list[list[str]] = []
    for t in tokens:
        if set(t) != {"LOWER"}:
            return None
        v = t["LOWER"]
        if isinstance(v, str):
            choices.append([v])
        elif isinstance(v, dict) and set(v) == {"IN"} and all(isinstance(x, str) for x in v["IN"]):
            choices.append(list(v["IN"]))
        else:
            return None
    total = 1
    for c in choices:
        total *= max(len(c), 1)
    if total > MAX_PHRASE_VARIANTS:
        return None
    return list(itertools.product(*choices))


def fingerprint(patterns: Sequence[Pattern], pipeline: str = "", all_speakers: bool = False,
                context: int = 0) -> str:
    """Changes exactly when a code's suggestions could change."""
    blob = json.dumps([ENGINE_VERSION, spacy.__version__, pipeline, all_speakers, context, list(patterns)],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class PatternMatcher:
    """Every code's patterns compiled once; then :meth:`match` per transcript (or :meth:`match_many`)."""

    def __init__(self, codes: Mapping[str, Sequence[Pattern]], pipeline: str = "",
                 context: int = DEFAULT_CONTEXT) -> None:
        self.pipeline = pipeline
        self.context = max(0, int(context))
        self.nlp = load_pipeline(pipeline)
        self.trained = bool(pipeline)
        self.needs_lemmas = False
        token_patterns: dict[str, list[list[dict[str, Any]]]] = {}
        phrases: dict[str, set[tuple[str, ...]]] = {}
        for code_id, patterns in codes.items():
            for index, pattern in enumerate(patterns, 1):
                if not self.trained and (missing := needs_trained_pipeline(pattern)):
                    raise UserError(f"code {code_id!r} pattern #{index}: {', '.join(sorted(missing))} "
                                    "needs a trained spaCy pipeline; use LOWER or LEMMA, or choose one")
                if isinstance(pattern, str):
                    words = tuple(t.lower_ for t in self.nlp.tokenizer(fold(pattern)))
                    phrases.setdefault(code_id, set()).add(words)
                    continue
                tokens = self._compile(pattern)
                as_phrases = None if self.trained else _as_phrases(tokens)
                if as_phrases is not None:
                    phrases.setdefault(code_id, set()).update(as_phrases)
                else:
                    token_patterns.setdefault(code_id, []).append(tokens)
        if self.needs_lemmas and not self.trained:
            add_lookup_lemmatizer(self.nlp)
        # One small Matcher per token pattern, run only on sentences holding a word for each token it
        # cannot do without: the Matcher checks IN sets in Python token by token, so skipping is the saving.
        self.gated: list[Matcher] = []
        self.always: list[int] = []  # patterns with nothing to check first
        self.required: list[int] = []  # how many word sets each pattern needs
        self.index: dict[int, list[tuple[int, int]]] = {}  # word hash -> (pattern, which set)
        for code_id, pats in token_patterns.items():
            for tokens in pats:
                matcher = Matcher(self.nlp.vocab, validate=True)
                matcher.add(code_id, [tokens])
                sets = self._required(tokens)
                number = len(self.gated)
                self.gated.append(matcher)
                self.required.append(len(sets))
                if not sets:
                    self.always.append(number)
                for which, words in enumerate(sets):
                    for h in words:
                        self.index.setdefault(h, []).append((number, which))
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for code_id, seqs in phrases.items():
            self.phrase_matcher.add(code_id, [Doc(self.nlp.vocab, words=list(w)) for w in sorted(seqs)])
        self.code_ids = sorted(set(token_patterns) | set(phrases))

    def _required(self, tokens: list[dict[str, Any]]) -> list[frozenset[int]]:
        """For each token the pattern must match at least once: the LOWER hashes it accepts."""
        if self.trained or self.needs_lemmas:
            return []
        strings = self.nlp.vocab.strings
        required = []
        for t in tokens:
            if t.get("OP", "") not in ("", "+") and not str(t.get("OP", "")).startswith("{1"):
                continue
            value = t.get("LOWER")
            words = [value] if isinstance(value, str) else None
            if isinstance(value, dict):
                words = value.get("IN")
            if words and set(t) <= {"LOWER", "OP"} and (not isinstance(value, dict) or set(value) == {"IN"}):
                required.append(frozenset(strings.add(w) for w in words))
        return required

    def _compile(self, pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.trained:
            return [{str(k).upper(): _fold_value(v) for k, v in t.items()} for t in pattern]
        expanded = [expand_token(t) for t in pattern]
        if any(t is None for t in expanded):
            self.needs_lemmas = True  # keep LEMMA: the lemmatizer runs on every text
            return [{str(k).upper(): _fold_value(v) for k, v in t.items()} for t in pattern]
        return [t for t in expanded if t is not None]

    # ------------------------------------------------------------ matching

    def _docs(self, texts: Iterable[str]) -> Iterator[Doc]:
        if self.trained or self.needs_lemmas:
            return self.nlp.pipe(texts, batch_size=BATCH_SIZE)
        return self.nlp.tokenizer.pipe(texts, batch_size=BATCH_SIZE)

    def _spans(self, doc: Doc, bounds: Sequence[tuple[int, int]]) -> Iterator[tuple[str, int, int]]:
        """Matches in one doc as (code, start, end) character offsets; ``bounds``: its sentences' spans."""
        if not len(doc):
            return
        strings = self.nlp.vocab.strings
        found = [(m, a, b) for m, a, b in self.phrase_matcher(doc)]
        idx = doc.to_array("IDX")
        if self.gated:
            lower = doc.to_array("LOWER")
            for start, end in bounds:
                ta, tb = int(idx.searchsorted(start)), int(idx.searchsorted(end))
                met: dict[int, set[int]] = {}
                for h in set(lower[ta:tb].tolist()):
                    for number, which in self.index.get(h, ()):
                        met.setdefault(number, set()).add(which)
                run = [n for n, sets in met.items() if len(sets) == self.required[n]] + self.always
                if run:
                    sentence = doc[ta:tb]
                    found += [(m, ta + a, ta + b) for n in run for m, a, b in self.gated[n](sentence)]
        if found:
            lengths = doc.to_array("LENGTH")  # offsets from arrays: no Token objects per match
            for match_id, a, b in found:
                yield strings[match_id], int(idx[a]), int(idx[b - 1] + lengths[b - 1])

    def match_many(
        self, items: Iterable[tuple[Any, str, Sequence[tuple[int, int]]]]
    ) -> Iterator[tuple[Any, list[Hit]]]:
        """``(key, text, turns)`` -> ``(key, hits)``, turns as ``(start, end)`` spans of text to read.

        Texts are tokenised in batches across transcripts (one doc per turn), which is what keeps the
        per-text overhead low.
        """
        buffered: list[tuple[Any, str, list[Sentence], list[tuple[int, int]]]] = []

        def flush() -> Iterator[tuple[Any, list[Hit]]]:
            pieces = [(i, lo, hi) for i, (_, _, _, turns) in enumerate(buffered) for lo, hi in turns]
            evidence: list[dict[tuple[str, int], list[tuple[int, int]]]] = [{} for _ in buffered]
            texts = (fold(buffered[i][1][lo:hi]) for i, lo, hi in pieces)
            starts = [[x.start for x in sentences] for _, _, sentences, _ in buffered]
            for (i, lo, hi), doc in zip(pieces, self._docs(texts), strict=True):
                sentences = buffered[i][2]
                first = bisect_left(starts[i], lo)
                bounds = [(x.start - lo, x.end - lo) for x in sentences[first:bisect_left(starts[i], hi)]]
                for code_id, a, b in self._spans(doc, bounds):
                    at = sentence_at(sentences, lo + a, lo + b, starts[i])
                    if at is not None:  # a match across two sentences suggests neither
                        evidence[i].setdefault((code_id, at), []).append((lo + a, lo + b))
            for (key, _, sentences, _), found in zip(buffered, evidence, strict=True):
                yield key, _hits(found, sentences, self.context)
            buffered.clear()

        size = 0
        for key, text, turns in items:
            turns = [(lo, hi) for lo, hi in turns if hi > lo]
            buffered.append((key, text, split_sentences(text, turns), turns))
            size += len(turns)
            if size >= BATCH_SIZE:
                yield from flush()
                size = 0
        if buffered:
            yield from flush()

    def match(self, text: str, turns: Sequence[tuple[int, int]]) -> list[Hit]:
        return next(self.match_many([(None, text, turns)]))[1]


def _hits(found: Mapping[tuple[str, int], list[tuple[int, int]]], sentences: Sequence[Sentence],
          context: int = 0) -> list[Hit]:
    """One hit per (code, sentence); with ``context``, also for that many sentences either side in the
    same turn, carrying the evidence of the sentence that matched (when they have none of their own)."""
    found = dict(found)
    for (code_id, at), spans in list(found.items()):
        for near in range(max(0, at - context), min(len(sentences), at + context + 1)):
            if sentences[near].turn == sentences[at].turn and (code_id, near) not in found:
                found[(code_id, near)] = list(spans)
    hits = []
    for (code_id, at), spans in found.items():
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        sentence = sentences[at]
        hits.append(Hit(code_id, sentence.start, sentence.end, tuple((s, e) for s, e in merged)))
    return sorted(hits, key=lambda h: (h.start, h.code_id))


def match_texts(matcher: PatternMatcher, texts: Iterable[str]) -> int:
    """Suggest over plain texts, each one turn; returns the number of hits. For the benchmark suite."""
    items = ((i, t, [(0, len(t))]) for i, t in enumerate(texts))
    return sum(len(hits) for _, hits in matcher.match_many(items))
