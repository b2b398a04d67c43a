"""The pattern engine: a spaCy pipeline and matchers that find, in text + turns, where each code's patterns
match (a :class:`~consult_coder.suggestions.rules.Scan`); the passage rules (``rules.py``) then make the
(sentence, code) hits, and the weigher (``weigher.py``), when given, makes the final choice for the codes
it was trained for, from the words this engine has already tokenised.

Speed comes from doing the slow part once. Lemmatising every token is what makes ``LEMMA`` patterns
slow, so a ``{"LEMMA": "hear"}`` token is expanded, when the matcher is built, into
``{"LOWER": {"IN": ["hear", "heard", "hearing", "hears"]}}`` from the same lookup table the lookup
lemmatizer reads (spacy-lookups-data), and texts are only tokenised. Matching on the lower-case form also
catches "Listening" at the start of a sentence, which the lookup lemmatizer leaves unlemmatised.
Simple token patterns (a fixed number of tokens, each one word or a set of words) become phrases for the
``PhraseMatcher`` (a hash look-up per token). The rest run only in the sentences ``gate.py`` lets them
into, followed word by word over word hashes; a pattern of another shape runs in spaCy's ``Matcher``. A
lemma that cannot be expanded (e.g. ``{"LEMMA": {"REGEX": …}}``) switches the lemmatizer on for the
texts.

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
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.strings import hash_string
from spacy.tokens import Doc

from consult_coder.collector import collector_paused
from consult_coder.errors import UserError
from consult_coder.sentences import Sentence, split_sentences
from consult_coder.suggestions.gate import Gate
from consult_coder.suggestions.patterns import ASKED, TRAP, Pattern, kind, needs_trained_pipeline, unwrap
from consult_coder.suggestions.rules import (
    DEFAULT_CONTEXT,
    NO_QUESTION,
    Hit,
    Question,
    Scan,
    merged,
    questions_before,
)
from consult_coder.suggestions.walk import Steps, Walker, count
from consult_coder.suggestions.weigher import Weigher, word_scores
from consult_coder.text import fold

ENGINE_VERSION = "5"  # raise when matching changes, so stored suggestions are rebuilt
BATCH_SIZE = 256
# Matcher labels of a code's traps and question patterns: "not:empathy", "asked:empathy" (a colon is never
# in a code id).
_TRAP_LABEL, _ASKED_LABEL = TRAP + ":", ASKED + ":"
# Words in nearly every sentence: a word set holding one tells the gate almost nothing and costs it most
# of its work, so a pattern is gated by its other tokens when it has any (measured on the sample).
_EVERYWHERE = frozenset({".", ",", "?", "!", "i", "the", "a", "and", "it", "to"})
_COLUMNS = ["IDX", "LOWER", "LENGTH"]
MAX_PHRASE_VARIANTS = 5000  # a token pattern expanding to more phrases than this stays a token pattern
_TEXT_KEYS = ("LOWER", "ORTH", "TEXT", "LEMMA", "NORM")
# The weigher's words hold a letter ("n't" does, "." does not): punctuation carries no theme. A word it
# does not know weighs nothing, so leaving punctuation out of training leaves it out everywhere.
_LETTER = re.compile(r"[^\W\d_]")


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
    choices: list[list[str | None]] = []
    for t in tokens:
        optional = t.get("OP") == "?"
        if set(t) - {"OP"} != {"LOWER"} or t.get("OP", "") not in ("", "?"):
            return None
        v = t["LOWER"]
        if isinstance(v, str):
            choices.append([v])
        elif isinstance(v, dict) and set(v) == {"IN"} and all(isinstance(x, str) for x in v["IN"]):
            choices.append(list(v["IN"]))
        else:
            return None
        if optional:  # an optional word: the phrases with it and without it
            choices[-1] = [*choices[-1], None]
    total = 1
    for c in choices:
        total *= max(len(c), 1)
    if total > MAX_PHRASE_VARIANTS:
        return None
    phrases = {tuple(w for w in combo if w is not None) for combo in itertools.product(*choices)}
    return sorted(p for p in phrases if p)


def fingerprint(patterns: Sequence[Pattern], pipeline: str = "", all_speakers: bool = False,
                context: int = 0, weights: str = "") -> str:
    """Changes exactly when a code's suggestions could change (``weights``: the weigher's digest)."""
    # A code the weigher does not know keeps the fingerprint it had before there was a weigher, so an
    # upgrade does not match a team's own codebook again for nothing.
    blob = json.dumps([ENGINE_VERSION, spacy.__version__, pipeline, all_speakers, context, list(patterns)]
                      + ([weights] if weights else []),
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class PatternMatcher:
    """Every code's patterns compiled once; then :meth:`match` per transcript (or :meth:`match_many`)."""

    def __init__(self, codes: Mapping[str, Sequence[Pattern]], pipeline: str = "",
                 context: int = DEFAULT_CONTEXT, weigher: Weigher | None = None, keep_words: bool = False
                 ) -> None:
        self.pipeline = pipeline
        self.context = max(0, int(context))
        # The weigher decides, with context, for the codes it was trained for (weigher.py); each scan then
        # carries its sentences' words weighed. ``keep_words`` keeps the words themselves (for training).
        self.weigher = weigher if self.context else None
        self.words = self.weigher.word_tables(hash_string) if self.weigher else None
        self.keep_words = keep_words
        self.nlp = load_pipeline(pipeline)
        self.trained = bool(pipeline)
        self.needs_lemmas = False
        token_patterns, phrases = self._sorted(codes)
        if self.needs_lemmas and not self.trained:
            add_lookup_lemmatizer(self.nlp)
        # Token patterns run only on sentences holding a word for each token they cannot do without
        # (gate.py finds those sentences for a whole batch at once). Patterns made of word sets and gaps
        # (nearly all) are then followed for the whole batch at once in NumPy (walk.py); any other kind
        # runs in its own spaCy Matcher.
        checker = Matcher(self.nlp.vocab, validate=True)  # spaCy still checks every pattern
        self.gated: list[Steps | Matcher] = []
        self.label: list[int] = []  # pattern -> its code's string hash
        required: list[list[frozenset[int]]] = []  # pattern -> the word sets it needs
        for code_id, pats in token_patterns.items():
            checker.add(code_id, pats)
            for tokens in pats:
                required.append(self._add_gated(code_id, tokens))
        self.gate = Gate(required)
        walked = [n for n, steps in enumerate(self.gated) if isinstance(steps, Steps)]
        self.walker = Walker([self.gated[n] for n in walked])  # type: ignore[misc]
        self.walked = np.full(len(self.gated), -1, dtype=np.int64)  # pattern -> its row in the walker
        self.walked[walked] = np.arange(len(walked))
        self.labels = np.array(self.label, dtype=np.uint64)
        self.on_spans = len(walked) < len(self.gated)  # some patterns run in spaCy Matchers
        self._names = _Names(self.nlp.vocab.strings)
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for code_id, seqs in phrases.items():
            self.phrase_matcher.add(code_id, [Doc(self.nlp.vocab, words=list(w)) for w in sorted(seqs)])
        self.code_ids = sorted(c for c in set(token_patterns) | set(phrases) if ":" not in c)

    def _sorted(self, codes: Mapping[str, Sequence[Pattern]]
                ) -> tuple[dict[str, list[list[dict[str, Any]]]], dict[str, set[tuple[str, ...]]]]:
        """Each code's patterns compiled, as token patterns and as word sequences for the PhraseMatcher,
        by label (the code id, or ``not:``/``asked:`` before it for traps and question patterns)."""
        token_patterns: dict[str, list[list[dict[str, Any]]]] = {}
        phrases: dict[str, set[tuple[str, ...]]] = {}
        for code, patterns in codes.items():
            for index, pattern in enumerate(patterns, 1):
                if not self.trained and (missing := needs_trained_pipeline(pattern)):
                    raise UserError(f"code {code!r} pattern #{index}: {', '.join(sorted(missing))} "
                                    "needs a trained spaCy pipeline; use LOWER or LEMMA, or choose one")
                code_id = f"{kind(pattern)}:{code}" if kind(pattern) else code
                pattern = unwrap(pattern)
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
        return token_patterns, phrases

    def _add_gated(self, code_id: str, tokens: list[dict[str, Any]]) -> list[frozenset[int]]:
        """Add a token pattern; returns the word sets it needs."""
        strings = self.nlp.vocab.strings
        steps = None if self.trained or self.needs_lemmas else Steps.compile(tokens, strings)
        if steps is None:
            steps = Matcher(self.nlp.vocab)
            steps.add(code_id, [tokens])
        self.gated.append(steps)
        self.label.append(strings.add(code_id))
        return self._required(tokens)

    def _required(self, tokens: list[dict[str, Any]]) -> list[frozenset[int]]:
        """For each token the pattern must match at least once, the LOWER hashes it accepts: all of them, or
        only those without a common word when there are such (see _EVERYWHERE)."""
        if self.trained or self.needs_lemmas:
            return []
        strings = self.nlp.vocab.strings
        required = []
        for t in tokens:
            if count(str(t.get("OP", "")))[0] < 1:
                continue  # the pattern can match without this token
            value = t.get("LOWER")
            words = [value] if isinstance(value, str) else None
            if isinstance(value, dict):
                words = value.get("IN")
            if words and set(t) <= {"LOWER", "OP"} and (not isinstance(value, dict) or set(value) == {"IN"}):
                required.append((frozenset(strings.add(w) for w in words), _EVERYWHERE.isdisjoint(words)))
        telling = [hashes for hashes, rare in required if rare]
        return telling or [hashes for hashes, _ in required]

    def _compile(self, pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.trained:
            return [{str(k).upper(): _fold_value(v) for k, v in t.items()} for t in pattern]
        expanded = [expand_token(t) for t in pattern]
        if any(t is None for t in expanded):
            self.needs_lemmas = True  # keep LEMMA: the lemmatizer runs on every text
            return [{str(k).upper(): _fold_value(v) for k, v in t.items()} for t in pattern]
        return [t for t in expanded if t is not None]

    # ------------------------------------------------------------ matching

    def _weigh_words(self, scans: Sequence[Scan], pieces: Sequence[tuple[int, int, int, int, Any]],
                     firsts: Sequence[int], words: _Words | None) -> None:
        """Give each scan of a batch its sentences' words weighed (and, with ``keep_words``, the words)."""
        offset = np.cumsum([0, *(len(scan.sentences) for scan in scans)])
        every = np.zeros((int(offset[-1]), len(self.weigher.order) if self.weigher else 0))
        if self.keep_words:
            for scan in scans:
                scan.words = [[] for _ in scan.sentences]
        if words is not None:
            item = np.array([p[0] for p in pieces], dtype=np.int64)[words.piece]
            question = (np.array([p[4] is not None for p in pieces], dtype=bool)[words.piece]
                        & (words.index == 0))
            sentence = np.array(firsts, dtype=np.int64)[words.piece] + words.index  # within its scan
        if self.words is not None:
            if words is not None:
                scores = word_scores(self.words, words.lower, words.first, words.stop, words.piece,
                                     words.index, question)
                every[(offset[item] + sentence)[~question]] = scores[~question]
            for k, scan in enumerate(scans):
                scan.word_scores = every[offset[k]:offset[k + 1]]
        if self.keep_words and words is not None:
            strings, lower = self.nlp.vocab.strings, words.lower.tolist()
            for g in range(len(words.first)):
                found = [w for h in dict.fromkeys(lower[words.first[g]:words.stop[g]])
                         if _LETTER.search(w := strings[h])]
                scan = scans[item[g]]
                if question[g]:
                    scan.question_words[pieces[words.piece[g]][1]] = found
                else:
                    scan.words[sentence[g]] = found

    def _docs(self, texts: Iterable[str]) -> Iterator[Doc]:
        """One doc per text. (Joining texts into fewer docs is slower: spaCy's tokenizer stops caching
        words for the rest of a doc once it has met a special case such as "don't".)"""
        if self.trained or self.needs_lemmas:
            return self.nlp.pipe(texts, batch_size=BATCH_SIZE)
        return self.nlp.tokenizer.pipe(texts, batch_size=BATCH_SIZE)

    def _scan_batch(self, pieces: Sequence[tuple[str, Sequence[tuple[int, int]]]]
                    ) -> tuple[_Matches, _Words | None]:
        """Matches in each ``(text, bounds)`` of a batch as arrays (piece, label, start, end, k), in piece
        order: character offsets in the text, and ``k`` the index of the span in ``bounds`` (the text's
        sentences) holding the whole match; a match across two of them is dropped. With them, the batch's
        words by sentence (:class:`_Words`).

        The batch's docs are laid end to end in one coordinate space (``base``: where each text starts,
        in characters; tokens are numbered across the docs), so sentences are cut and token patterns
        gated for the whole batch at once, in compiled code."""
        out = _no_matches()
        if not any(bounds for _, bounds in pieces):
            return out, None
        texts = [text for text, _ in pieces]
        base = [0] * len(pieces)
        docs: list[Doc] = []
        doc_token: list[int] = []  # the first token of each doc
        columns = []
        found: list[tuple[int, int, int]] = []  # phrase matches: (label, token a, token b)
        at, tokens = 0, 0
        for i, doc in enumerate(self._docs(texts)):
            base[i] = at
            at += len(texts[i]) + 1
            cols = doc.to_array(_COLUMNS)  # offsets and word hashes from arrays: no Token objects
            cols[:, 0] += base[i]
            columns.append(cols)
            found += [(m, tokens + a, tokens + b) for m, a, b in self.phrase_matcher(doc)]
            if self.on_spans:  # a doc kept alive is memory not reused for the next: only when needed
                docs.append(doc)
            doc_token.append(tokens)
            tokens += len(doc)
        if not tokens:
            return out, None
        table = np.concatenate(columns)
        starts = table[:, 0].astype(np.int64)
        counts = np.array([len(bounds) for _, bounds in pieces], dtype=np.int64)
        piece = np.repeat(np.arange(len(pieces)), counts)  # sentence -> its piece, and its index there
        index = np.arange(len(piece)) - np.repeat(np.cumsum(counts) - counts, counts)
        flat = itertools.chain.from_iterable(itertools.chain.from_iterable(b for _, b in pieces))
        spans = np.fromiter(flat, dtype=np.int64, count=2 * len(piece)).reshape(-1, 2)
        spans += np.array(base, dtype=np.int64)[piece][:, None]
        first, stop = np.searchsorted(starts, spans[:, 0]), np.searchsorted(starts, spans[:, 1])
        kept = np.flatnonzero(stop > first)  # sentences with tokens: g -> sentence kept[g]
        first, stop = first[kept], stop[kept]
        words = self._batch_words(table[:, 1], first, stop, piece, index, kept)
        labels, ta, tb, g = self._inside(found, first, stop)
        if self.gated:
            more = self._gated_hits(docs, doc_token, table[:, 1], first, stop)
            labels, ta, tb, g = (np.concatenate(x) for x in zip((labels, ta, tb, g), more, strict=True))
        if not len(labels):
            return out, words
        sentence = kept[g]
        of_piece = piece[sentence]
        where = np.array(base, dtype=np.int64)[of_piece]
        begin = starts[ta] - where
        end = starts[tb - 1] + table[tb - 1, 2].astype(np.int64) - where
        order = np.argsort(of_piece, kind="stable")
        k = index[sentence]
        return (of_piece[order], labels[order], begin[order], end[order], k[order]), words

    def _batch_words(self, lower: np.ndarray, first: np.ndarray, stop: np.ndarray, piece: np.ndarray,
                     index: np.ndarray, kept: np.ndarray) -> _Words | None:
        """The batch's words by sentence, for the weigher (None when nothing will read them)."""
        if self.words is None and not self.keep_words:
            return None
        return _Words(lower, first, stop, piece[kept], index[kept])

    @staticmethod
    def _inside(matches: Sequence[tuple[int, int, int]], first: np.ndarray, stop: np.ndarray) -> _Found:
        """(label, start token, end token, sentence) of the matches that lie inside one sentence."""
        found = np.array(matches, dtype=np.uint64).reshape(-1, 3)
        a, b = found[:, 1].astype(np.int64), found[:, 2].astype(np.int64)
        g = np.searchsorted(first, a, side="right") - 1
        inside = (g >= 0) & (b <= stop[np.maximum(g, 0)])
        return found[inside, 0], a[inside], b[inside], g[inside]

    def _gated_hits(self, docs: Sequence[Doc], doc_token: Sequence[int], lower: np.ndarray, first: np.ndarray,
                    stop: np.ndarray) -> _Found:
        """Each token pattern run in the sentences the gate lets it into, as :meth:`_inside` gives them."""
        rows, patterns = self.gate.pairs(lower, first, stop)
        walked = self.walked[patterns]
        steps = walked >= 0
        i, ta, tb = self.walker.walk(lower, first, stop, rows[steps], walked[steps])
        hits = [(self.labels[patterns[steps][i]], ta, tb, rows[steps][i])]
        spacy_hits = []
        for g, n in zip(rows[~steps].tolist(), patterns[~steps].tolist(), strict=True):
            # spaCy's Matcher, on the sentence's span of its own doc
            a, b = int(first[g]), int(stop[g])
            d = bisect_right(doc_token, a) - 1
            lo = a - doc_token[d]
            spacy_hits += [(m, a + x, a + y, g) for m, x, y in self.gated[n](docs[d][lo:lo + b - a])]
        if spacy_hits:
            label, x, y, g = zip(*spacy_hits, strict=True)
            hits.append((np.array(label, dtype=np.uint64), *(np.array(v, dtype=np.int64) for v in (x, y, g))))
        return tuple(np.concatenate(x) for x in zip(*hits, strict=True))  # type: ignore[return-value]

    def match_many(self, items: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, list[Hit]]]:
        """``(key, text, turns[, prompts])`` -> ``(key, hits)``; spans are ``(start, end)`` in ``text``.

        ``turns`` are the speech to suggest codes for; ``prompts`` (optional) the interviewer's turns,
        read only for the question each answer follows. Texts are tokenised in batches across
        transcripts (one doc per turn), which is what keeps the per-text overhead low.
        """
        for batch in self._item_batches(items):
            # One pause of the cycle collector per batch, from splitting its sentences to its hits, with
            # the scans dropped inside it: only the hits are alive when it runs again, so it has little
            # to walk (its passes over each batch's objects took about a tenth of the time).
            with collector_paused():
                scans = self._scan(batch)
                rules = [scan.suggest(self.context) for _, scan in scans]
                if self.weigher is not None:  # the weigher reads a batch of scans at once
                    rules = self.weigher.suggest_many([(scan, hits) for (_, scan), hits
                                                       in zip(scans, rules, strict=True)])
                del scans
            yield from zip([item[0] for item in batch], rules, strict=True)

    def scan_many(self, items: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, Scan]]:
        """As :meth:`match_many`, but what the patterns found, before the passage rules (a :class:`Scan`)."""
        for batch in self._item_batches(items):
            with collector_paused():
                scans = self._scan(batch)
            yield from scans

    def _item_batches(self, items: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
        """The items, a batch to be tokenised together at a time (read by :meth:`_read`)."""
        buffered: list[tuple[Any, ...]] = []
        size = 0
        for item in items:
            buffered.append(item)
            size += len(item[2])
            if size >= BATCH_SIZE:
                yield buffered
                buffered, size = [], 0
        if buffered:
            yield buffered

    def _read(self, batch: Sequence[tuple[Any, ...]]) -> list[_Item]:
        """A batch's items with their sentences split and the question before each answer found."""
        out = []
        for key, text, turns, *rest in batch:
            turns = [(lo, hi) for lo, hi in turns if hi > lo]
            prompts = [(lo, hi) for lo, hi in (rest[0] if rest else ()) if hi > lo]
            out.append(_Item(key, text, split_sentences(text, turns), turns,
                             questions_before(text, turns, prompts) if self.context else {}))
        return out

    def _scan(self, batch: Sequence[tuple[Any, ...]]) -> list[tuple[Any, Scan]]:
        """Each item of a batch with what the patterns found in it (tokenised together)."""
        buffered = self._read(batch)
        pieces, texts, firsts = _pieces(buffered)
        matched, words = self._scan_batch(texts)
        found: list[dict[tuple[str, int], list[tuple[int, int]]]] = [{} for _ in buffered]
        vetoed: list[set[tuple[str, int]]] = [set() for _ in buffered]
        asked: list[dict[int, Question]] = [{} for _ in buffered]
        in_question: dict[int, list[tuple[str, int, int]]] = {}
        names = self._names
        piece, label, a, b, k = matched
        lo, first = (np.array([x[2] for x in pieces], dtype=np.int64), np.array(firsts, dtype=np.int64))
        of_question = np.array([x[4] is not None for x in pieces], dtype=bool)[piece] & (k == 0)
        item = [x[0] for x in pieces]
        # each match: its piece, label, span in the transcript, sentence there, whether in the question
        for p, m, start, end, at, asks in zip(piece.tolist(), label.tolist(), (lo[piece] + a).tolist(),
                                              (lo[piece] + b).tolist(), (first[piece] + k).tolist(),
                                              of_question.tolist(), strict=True):
            code_id = names[m]
            if asks:
                in_question.setdefault(p, []).append((code_id, start, end))
            elif code_id.startswith(_TRAP_LABEL):
                vetoed[item[p]].add((code_id[len(_TRAP_LABEL):], at))
            elif not code_id.startswith(_ASKED_LABEL):
                found[item[p]].setdefault((code_id, at), []).append((start, end))
        for p, (i, turn, _, _, question) in enumerate(pieces):
            if question:
                asked[i][turn] = _question(in_question[p]) if p in in_question else NO_QUESTION
        scans = [(item.key, Scan(item.text, item.sentences, f, v, q))
                 for item, f, v, q in zip(buffered, found, vetoed, asked, strict=True)]
        if self.words is not None or self.keep_words:
            self._weigh_words([scan for _, scan in scans], pieces, firsts, words)
        return scans

    def match(self, text: str, turns: Sequence[tuple[int, int]],
              prompts: Sequence[tuple[int, int]] = ()) -> list[Hit]:
        return next(self.match_many([(None, text, turns, prompts)]))[1]


class _Names(dict):
    """Label hash -> label, looked up in the vocabulary's strings once per label."""

    def __init__(self, strings: Any) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, key: int) -> str:
        self[key] = name = self.strings[key]
        return name


_Found = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # label, start token, end token, sentence
_Matches = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # piece, label, start, end, k


def _no_matches() -> _Matches:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64), *(np.zeros(0, dtype=np.int64)
                                                                         for _ in range(3))


@dataclass
class _Words:
    """A batch's word hashes, and its sentences (those with words): word range, answer, index in it."""

    lower: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    piece: np.ndarray
    index: np.ndarray


@dataclass
class _Item:
    key: Any
    text: str
    sentences: list[Sentence]
    turns: list[tuple[int, int]]
    questions: dict[int, tuple[int, int]]  # turn index -> span of the question it answers


def _pieces(buffered: Sequence[_Item]) -> tuple[list[tuple[int, int, int, int, Any]],
                                                 list[tuple[str, list[tuple[int, int]]]], list[int]]:
    """A batch's answers: (item, turn, start, end, question span or None) each; the text read for it,
    from the start of the question it follows (the few words of the speaker label between them belong to
    no sentence, so nothing there is kept), with its sentences' bounds in that text (the question's
    first); and the index of the item's sentence its bounds start at."""
    pieces = []
    for i, item in enumerate(buffered):
        for turn, (lo, hi) in enumerate(item.turns):
            question = item.questions.get(turn)
            pieces.append((i, turn, question[0] if question else lo, hi, question))
    starts = [[x.start for x in item.sentences] for item in buffered]
    texts: list[tuple[str, list[tuple[int, int]]]] = []
    firsts: list[int] = []
    for i, turn, lo, hi, question in pieces:
        sentences = buffered[i].sentences
        first = bisect_left(starts[i], buffered[i].turns[turn][0])
        bounds = [(x.start - lo, x.end - lo) for x in sentences[first:bisect_left(starts[i], hi)]]
        if question:  # bounds[0] is the question, the answer's sentences follow
            bounds.insert(0, (0, question[1] - lo))
            first -= 1
        texts.append((fold(buffered[i].text[lo:hi]), bounds))
        firsts.append(first)
    return pieces, texts, firsts


def _question(spans: Sequence[tuple[str, int, int]]) -> Question:
    traps = {c[len(_TRAP_LABEL):] for c, _, _ in spans if c.startswith(_TRAP_LABEL)}
    names: dict[str, list[tuple[int, int]]] = {}
    for c, a, b in spans:
        if c.startswith(_ASKED_LABEL) and c[len(_ASKED_LABEL):] not in traps:
            names.setdefault(c[len(_ASKED_LABEL):], []).append((a, b))
    return Question(frozenset(c for c, _, _ in spans if ":" not in c and c not in traps),
                    {c: merged(v) for c, v in names.items()})


def match_texts(matcher: PatternMatcher, texts: Iterable[str]) -> int:
    """Suggest over plain texts, each one turn; returns the number of hits. For the benchmark suite."""
    items = ((i, t, [(0, len(t))]) for i, t in enumerate(texts))
    return sum(len(hits) for _, hits in matcher.match_many(items))
