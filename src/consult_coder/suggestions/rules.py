"""The passage rules: which (sentence, code) pairs to suggest, given where each code's patterns matched.

Pure and small on purpose (no spaCy, no database): the engine (``engine.py``) finds the matches and the
question before each answer; :func:`suggest` weighs them within each answer, the way a coder reads a
passage. The command line and the pages read the rules' constants from here without loading spaCy.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from consult_coder.sentences import Sentence, sentence_spans
from consult_coder.text import fold

if TYPE_CHECKING:
    from consult_coder.suggestions.weigher import Weigher

# People talk about a theme over a few sentences and coders code the passage: with context k >= 1 a
# match also suggests its code for the k sentences after it in the same turn, for the sentences between
# two matches of the code in a turn, and for the whole answer when the question asked about the code
# (see suggest()); 0 = the matching sentence only.
DEFAULT_CONTEXT = 1
# With context, a code needs this many pieces of evidence in one answer (two matches, or one match of two
# separate words) unless the question before the answer was about it: a lone word for a theme in an
# answer about something else is most often background (measured on consultations the patterns were not
# written from: right 29 % of the time alone, 64 % with a second, 92 % with a third; docs/suggestions.md).
MIN_EVIDENCE = 2
# ... and one with this many pieces of evidence in an answer is what the answer is about: the answer is
# suggested the code, as when the question asked about it (92 % of such matches were right there), except
# beyond a sentence with words of its own for another code (outside the code's matches such sentences
# were right 5-39 % of the time, the others 54-89 %; docs/suggestions.md).
WHOLE_ANSWER_EVIDENCE = 3
MAX_CONTEXT = 5  # sentences after a match: more would suggest a code for most of a turn

# A sentence made only of these words ("Yeah.", "Um, no.", "I don't know.") says nothing of its own: it
# gets a code only from its own words, never from its neighbours or the question.
FILLER_WORDS = frozenset({
    "yeah", "yes", "yep", "yup", "no", "nope", "nah", "um", "umm", "uh", "er", "erm", "mm", "mhm", "hmm",
    "okay", "ok", "right", "sure", "so", "and", "but", "oh", "ah", "well", "like", "i", "dunno", "don't",
    "do", "not", "know", "thanks", "thank", "you", "cheers", "ha", "haha", "really"})
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


class Hit(NamedTuple):
    """One code suggested for one sentence, with the words that made it (code-point spans)."""

    code_id: str
    start: int
    end: int
    evidence: tuple[tuple[int, int], ...]
    score: float | None = None


def is_filler(sentence: str) -> bool:
    """Only acknowledgement and hesitation words ("Yeah.", "Um.", "I dunno."): nothing of its own."""
    # word by word, stopping at the first that is not a filler (most sentences: the first or second)
    return all(m.group().lower() in FILLER_WORDS for m in _WORDS.finditer(fold(sentence)))


@dataclass
class Scan:
    """What the patterns found in one transcript, before the passage rules: each code's matching
    sentences with their evidence, the sentences holding one of its traps, and what the question before
    each answer matched. Codes are found independently of one another, so the scans of different codes
    (and of different matchers) combine (:meth:`merge`), and :meth:`suggest` applies the rules to all."""

    text: str
    sentences: list[Sentence]
    found: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    vetoed: set[tuple[str, int]] = field(default_factory=set)
    asked: dict[int, Question] = field(default_factory=dict)
    # Filled by the engine for the weigher: each sentence's words weighed (sentences x the weigher's codes);
    # and, kept for training only, each sentence's words and each answer's question's words.
    word_scores: Any = field(default=None, compare=False)
    words: list[list[str]] | None = None
    question_words: dict[int, list[str]] = field(default_factory=dict)
    fillers: dict[int, bool] = field(default_factory=dict, compare=False)  # sentence -> is_filler, once

    def suggest(self, context: int = DEFAULT_CONTEXT, weigher: Weigher | None = None) -> list[Hit]:
        """The rules' hits; with context and a weigher, the weigher decides for the codes it knows."""
        hits = suggest(self.text, self.sentences, self.found, self.vetoed, self.asked, context, self.fillers)
        return weigher.suggest(self, hits) if weigher is not None and context > 0 else hits

    def of_code(self, code_id: str) -> dict[str, Any]:
        """One code's part, as plain JSON data: sentence and turn indices, evidence spans."""
        return {
            "found": [[at, [list(x) for x in spans]] for (c, at), spans in sorted(self.found.items())
                      if c == code_id],
            "vetoed": sorted(at for c, at in self.vetoed if c == code_id),
            "about": sorted(turn for turn, q in self.asked.items() if code_id in q.about),
            "names": [[turn, [list(x) for x in q.names[code_id]]] for turn, q in sorted(self.asked.items())
                      if code_id in q.names],
        }

    def merge(self, code_id: str, part: Mapping[str, Any]) -> None:
        """Add one code's part (as :meth:`of_code` gave it) to this scan."""
        for at, spans in part.get("found", ()):
            self.found[(code_id, at)] = [(a, b) for a, b in spans]
        self.vetoed.update((code_id, at) for at in part.get("vetoed", ()))
        for turn in part.get("about", ()):
            q = self.asked.get(turn, NO_QUESTION)
            self.asked[turn] = Question(q.about | {code_id}, q.names)
        for turn, spans in part.get("names", ()):
            q = self.asked.get(turn, NO_QUESTION)
            self.asked[turn] = Question(q.about, {**q.names, code_id: tuple((a, b) for a, b in spans)})


@dataclass(frozen=True)
class Question:
    """What the question before an answer matched: codes its words match (``about``), and codes it names
    outright with a code's question patterns (``names``, with the words)."""

    about: frozenset[str] = frozenset()
    names: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)


NO_QUESTION = Question()  # an answer whose question matched nothing (shared: a Question is never changed)
IN_TEXT_ORDER = itemgetter(1, 0)  # hits by start, then code


def questions_before(text: str, turns: Sequence[tuple[int, int]], prompts: Sequence[tuple[int, int]]
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
            pieces = sentence_spans(text, [prompts[j]])
            if pieces:
                out[index] = pieces[-1]
        if (lo, hi) not in is_prompt:  # with every speaker read, a question is also a turn
            previous_end = hi
    return out


def suggest(text: str, sentences: Sequence[Sentence], found: Mapping[tuple[str, int], list[tuple[int, int]]],
            vetoed: Set[tuple[str, int]] = frozenset(), asked: Mapping[int, Question] | None = None,
            context: int = DEFAULT_CONTEXT, fillers: dict[int, bool] | None = None) -> list[Hit]:
    """The decision rules: which (sentence, code) pairs to suggest from where each code's patterns matched.

    ``found`` holds each matching sentence's evidence by (code, sentence index), ``vetoed`` the
    sentences holding one of the code's traps, ``asked`` what the question before each turn (by turn
    index) matched. With ``context`` 0 a sentence is suggested a code only on its own words. With
    ``context`` k >= 1, within one answer (turn), a code is also suggested for

    - the k sentences after a sentence that matched it (people go on about a point), stopping at a
      sentence with words of its own for another code (a new point),
    - every sentence between two that matched it (one passage),
    - every sentence of the answer when the question before it matched the code too (the question set
      the topic and the answer took it up),
    - the sentences of the answer before and after its matches, up to a sentence with words of its own
      for another code, when the answer holds :data:`WHOLE_ANSWER_EVIDENCE` pieces of evidence, and
    - every sentence of the answer when the question names the code with one of its question patterns
      ("And confidentiality?"); their evidence is the question's words,

    never for a sentence holding one of the code's traps, nor for a filler ("Yeah.", "Um.") that has no
    match of its own. A sentence without its own match carries the evidence of the nearest one that has.
    With ``context`` >= 1 a code is suggested in an answer only on :data:`MIN_EVIDENCE` pieces of evidence
    there, or when the question before it was about the code.
    """
    asked = asked or {}
    own = {key: (tuple(spans) if len(spans) == 1 else merged(spans)) for key, spans in found.items()
           if key not in vetoed}
    if context <= 0:
        return _hits(sentences, own)
    own, evidence = _supported(own, sentences, asked)
    chosen = dict(own)
    turn_of = [x.turn for x in sentences]
    matching = {at for _, at in own}
    fillers = {} if fillers is None else fillers  # sentence -> is_filler, kept by the caller if it likes
    for (code_id, turn), matched in _matches_by_turn(own, sentences, asked).items():
        lo, hi = bisect_left(turn_of, turn), bisect_left(turn_of, turn + 1)
        question = asked.get(turn, NO_QUESTION)
        whole = evidence.get((code_id, turn), 0) >= WHOLE_ANSWER_EVIDENCE
        for near in _reach(code_id, matched, question, lo, hi, matching, context, whole):
            if (code_id, near) in vetoed:
                continue
            if near not in fillers:
                fillers[near] = is_filler(text[sentences[near].start:sentences[near].end])
            if not fillers[near]:
                chosen[(code_id, near)] = (own[(code_id, _nearest(matched, near))] if matched
                                           else question.names[code_id])
    return _hits(sentences, chosen)


def _hits(sentences: Sequence[Sentence], chosen: Mapping[tuple[str, int], tuple[tuple[int, int], ...]]
          ) -> list[Hit]:
    """(code, sentence index) -> evidence, as hits in text order."""
    hits = [Hit(code_id, sentences[at].start, sentences[at].end, spans)
            for (code_id, at), spans in chosen.items()]
    hits.sort(key=IN_TEXT_ORDER)
    return hits


def _supported(own: dict[tuple[str, int], tuple[tuple[int, int], ...]], sentences: Sequence[Sentence],
               asked: Mapping[int, Question]
               ) -> tuple[dict[tuple[str, int], tuple[tuple[int, int], ...]], dict[tuple[str, int], int]]:
    """The matches of codes with enough evidence in their answer, or asked about before it; and the
    pieces of evidence of each (code, turn)."""
    evidence: dict[tuple[str, int], int] = {}
    for (code_id, at), spans in own.items():
        key = (code_id, sentences[at].turn)
        evidence[key] = evidence.get(key, 0) + len(spans)

    def kept(code_id: str, turn: int) -> bool:
        question = asked.get(turn, NO_QUESTION)
        return (evidence[(code_id, turn)] >= MIN_EVIDENCE or code_id in question.about
                or code_id in question.names)

    kept_matches = {(code_id, at): spans for (code_id, at), spans in own.items()
                    if kept(code_id, sentences[at].turn)}
    return kept_matches, evidence


def _matches_by_turn(own: Mapping[tuple[str, int], Any], sentences: Sequence[Sentence],
                     asked: Mapping[int, Question]) -> dict[tuple[str, int], list[int]]:
    """(code, turn) -> the sentences of that turn matching the code, in order; a turn whose question
    names a code is there too, with no sentence of its own perhaps."""
    by_turn: dict[tuple[str, int], list[int]] = {}
    for code_id, at in sorted(own):
        by_turn.setdefault((code_id, sentences[at].turn), []).append(at)
    for turn, question in asked.items():
        for code_id in question.names:
            by_turn.setdefault((code_id, turn), [])
    return by_turn


def _reach(code_id: str, matched: list[int], question: Question, lo: int, hi: int, matching: Set[int],
           context: int, whole: bool) -> list[int]:
    """The sentences of one answer (``lo``..``hi``) a code reaches beyond those matching it (``whole``:
    the answer is about the code)."""
    if (matched and code_id in question.about) or code_id in question.names:
        wanted = set(range(lo, hi))  # the whole answer
    elif whole:  # the answer is about the code up to a sentence with words of another code (a new point)
        wanted = set(range(matched[0], matched[-1] + 1))
        for step, stop in ((-1, lo - 1), (1, hi)):
            near = (matched[0] if step < 0 else matched[-1]) + step
            while near != stop and near not in matching:
                wanted.add(near)
                near += step
    else:
        wanted = set(range(matched[0], matched[-1] + 1))  # the passage between matches
        for at in matched:  # and what follows each match, up to a new point
            for near in range(at + 1, min(hi, at + context + 1)):
                if near in matching:
                    break
                wanted.add(near)
    wanted.difference_update(matched)
    return sorted(wanted)


def _nearest(matched: list[int], near: int) -> int:
    """The matching sentence nearest to ``near``, the earlier on a tie."""
    j = bisect_left(matched, near)
    if j == len(matched) or (j and near - matched[j - 1] <= matched[j] - near):
        j -= 1
    return matched[j]


def merged(spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Evidence spans sorted, overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return tuple(out)
