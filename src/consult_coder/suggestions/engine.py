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
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
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
from consult_coder.suggestions.patterns import TRAP, Pattern, is_trap, needs_trained_pipeline

ENGINE_VERSION = "2"  # raise when matching changes, so stored suggestions are rebuilt
BATCH_SIZE = 256
# People talk about a theme over a few sentences and coders code the passage: with context k >= 1 a
# match also suggests its code for the k sentences after it in the same turn, for the sentences between
# two matches of the code in a turn, and for the whole answer when the question asked about the code
# (see suggest()); 0 = the matching sentence only.
DEFAULT_CONTEXT = 1
BEFORE = 0  # sentences before a match that get its code too
BRIDGE = True
QUESTION = True
_TRAP_LABEL = TRAP + ":"  # matcher label of a code's traps: "not:empathy" (a colon is never in a code id)
# A sentence made only of these words ("Yeah.", "Um, no.", "I don't know.") says nothing of its own: it
# gets a code only from its own words, never from its neighbours or the question.
FILLER_WORDS = frozenset({
    "yeah", "yes", "yep", "yup", "no", "nope", "nah", "um", "umm", "uh", "er", "erm", "mm", "mhm", "hmm",
    "okay", "ok", "right", "sure", "so", "and", "but", "oh", "ah", "well", "like", "i", "dunno", "don't",
    "do", "not", "know", "thanks", "thank", "you", "cheers", "ha", "haha", "really"})
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
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


def is_filler(sentence: str) -> bool:
    """Only acknowledgement and hesitation words ("Yeah.", "Um.", "I dunno."): nothing of its own."""
    return all(w in FILLER_WORDS for w in _WORDS.findall(fold(sentence).lower()))


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
        for code, patterns in codes.items():
            for index, pattern in enumerate(patterns, 1):
                if not self.trained and (missing := needs_trained_pipeline(pattern)):
                    raise UserError(f"code {code!r} pattern #{index}: {', '.join(sorted(missing))} "
                                    "needs a trained spaCy pipeline; use LOWER or LEMMA, or choose one")
                code_id = _TRAP_LABEL + code if is_trap(pattern) else code
                if is_trap(pattern):
                    pattern = pattern[TRAP]  # type: ignore[index]
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
        self.code_ids = sorted(c for c in set(token_patterns) | set(phrases) if not c.startswith(_TRAP_LABEL))

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

    def match_many(self, items: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, list[Hit]]]:
        """``(key, text, turns[, prompts])`` -> ``(key, hits)``; spans are ``(start, end)`` in ``text``.

        ``turns`` are the speech to suggest codes for; ``prompts`` (optional) the interviewer's turns,
        read only for the question each answer follows. Texts are tokenised in batches across
        transcripts (one doc per turn), which is what keeps the per-text overhead low.
        """
        buffered: list[_Item] = []

        def flush() -> Iterator[tuple[Any, list[Hit]]]:
            pieces = [(i, lo, hi, False) for i, item in enumerate(buffered) for lo, hi in item.turns]
            pieces += [(i, lo, hi, True) for i, item in enumerate(buffered)
                       for lo, hi in item.questions.values()]
            found: list[dict[tuple[str, int], list[tuple[int, int]]]] = [{} for _ in buffered]
            vetoed: list[set[tuple[str, int]]] = [set() for _ in buffered]
            asked: list[dict[tuple[int, int], set[str]]] = [{} for _ in buffered]
            texts = (fold(buffered[i].text[lo:hi]) for i, lo, hi, _ in pieces)
            starts = [[x.start for x in item.sentences] for item in buffered]
            for (i, lo, hi, question), doc in zip(pieces, self._docs(texts), strict=True):
                if question:
                    spans = list(self._spans(doc, [(0, hi - lo)]))
                    traps = {c[len(_TRAP_LABEL):] for c, _, _ in spans if c.startswith(_TRAP_LABEL)}
                    asked[i][(lo, hi)] = {c for c, _, _ in spans if c not in traps}
                    continue
                sentences = buffered[i].sentences
                first = bisect_left(starts[i], lo)
                bounds = [(x.start - lo, x.end - lo) for x in sentences[first:bisect_left(starts[i], hi)]]
                for code_id, a, b in self._spans(doc, bounds):
                    at = sentence_at(sentences, lo + a, lo + b, starts[i])
                    if at is None:  # a match across two sentences suggests neither
                        continue
                    if code_id.startswith(_TRAP_LABEL):
                        vetoed[i].add((code_id[len(_TRAP_LABEL):], at))
                    else:
                        found[i].setdefault((code_id, at), []).append((lo + a, lo + b))
            for item, f, v, q in zip(buffered, found, vetoed, asked, strict=True):
                topics = {turn: q.get(span, set()) for turn, span in item.questions.items()}
                yield item.key, suggest(item.text, item.sentences, f, v, topics, self.context)
            buffered.clear()

        size = 0
        for key, text, turns, *rest in items:
            turns = [(lo, hi) for lo, hi in turns if hi > lo]
            prompts = [(lo, hi) for lo, hi in (rest[0] if rest else ()) if hi > lo]
            buffered.append(_Item(key, text, split_sentences(text, turns), turns,
                                  _questions(text, turns, prompts) if self.context else {}))
            size += len(turns)
            if size >= BATCH_SIZE:
                yield from flush()
                size = 0
        if buffered:
            yield from flush()

    def match(self, text: str, turns: Sequence[tuple[int, int]],
              prompts: Sequence[tuple[int, int]] = ()) -> list[Hit]:
        return next(self.match_many([(None, text, turns, prompts)]))[1]


@dataclass
class _Item:
    key: Any
    text: str
    sentences: list[Sentence]
    turns: list[tuple[int, int]]
    questions: dict[int, tuple[int, int]]  # turn index -> span of the question it answers


def _questions(text: str, turns: Sequence[tuple[int, int]], prompts: Sequence[tuple[int, int]]
               ) -> dict[int, tuple[int, int]]:
    """turn index -> the last sentence of the prompt right before that turn (nobody else spoke between)."""
    out: dict[int, tuple[int, int]] = {}
    prompts = sorted(prompts)
    ends = [hi for _, hi in prompts]
    is_prompt = set(prompts)
    previous_end = 0
    for index, (lo, hi) in enumerate(turns):
        j = bisect_right(ends, lo) - 1  # the last prompt ending before this turn starts
        if j >= 0 and prompts[j][0] >= previous_end:
            pieces = split_sentences(text, [prompts[j]])
            if pieces:
                out[index] = (pieces[-1].start, pieces[-1].end)
        if (lo, hi) not in is_prompt:  # with every speaker read, a question is also a turn
            previous_end = hi
    return out


def suggest(text: str, sentences: Sequence[Sentence], found: Mapping[tuple[str, int], list[tuple[int, int]]],
            vetoed: Set[tuple[str, int]] = frozenset(), asked: Mapping[int, set[str]] | None = None,
            context: int = DEFAULT_CONTEXT) -> list[Hit]:
    """The decision rules: which (sentence, code) pairs to suggest from where each code's patterns matched.

    ``found`` holds each matching sentence's evidence by (code, sentence index), ``vetoed`` the
    sentences holding one of the code's traps, ``asked`` the codes the question before each turn
    (by turn index) matched. With ``context`` 0 a sentence is suggested a code only on its own words.
    With ``context`` k >= 1, within one turn, a code is also suggested for

    - the k sentences after a sentence that matched it (people go on about a point),
    - every sentence between two that matched it (one passage), and
    - every sentence of the answer when the question before it matched the code too (the question set
      the topic and the answer took it up),

    never for a sentence holding one of the code's traps, nor for a filler ("Yeah.", "Um.") that has no
    match of its own. A sentence without its own match carries the evidence of the nearest one that has.
    """
    asked = asked or {}
    own = {key: spans for key, spans in found.items() if key not in vetoed}
    chosen: dict[tuple[str, int], list[tuple[int, int]]] = dict(own)
    if context > 0:
        by_turn: dict[tuple[str, int], list[int]] = {}
        for code_id, at in sorted(own):
            by_turn.setdefault((code_id, sentences[at].turn), []).append(at)
        turn_of = [x.turn for x in sentences]
        for (code_id, turn), matched in by_turn.items():
            lo, hi = bisect_left(turn_of, turn), bisect_left(turn_of, turn + 1)
            wanted = set(range(matched[0], matched[-1] + 1)) if BRIDGE else set()
            for at in matched:
                wanted.update(range(max(lo, at - BEFORE), min(hi, at + context + 1)))
            if QUESTION and code_id in asked.get(turn, ()):
                wanted.update(range(lo, hi))
            for near in sorted(wanted - set(matched)):
                if (code_id, near) in vetoed or is_filler(text[sentences[near].start:sentences[near].end]):
                    continue
                nearest = min(matched, key=lambda at: (abs(at - near), at))
                chosen[(code_id, near)] = list(own[(code_id, nearest)])
    hits = []
    for (code_id, at), spans in chosen.items():
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
