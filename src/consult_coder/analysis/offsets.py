"""Lookups within one transcript by bisection: the words, turns and counted speech a span touches.

Built once per transcript when a study loads (:func:`consult_coder.analysis.layers.load_study`), so a
coding costs a few binary searches instead of a scan of its transcript's turns and a regex over its
text. Words are those of :func:`consult_coder.text.word_count`, counted as that function counts them
in a slice of the text: a word cut by the slice's start still counts if a letter of it is inside.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from copy import copy
from itertools import pairwise

from consult_coder.text import _WORD  # the one definition of a word

Span = tuple[int, int]
_LETTER = re.compile(r"\w")


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with overlapping or touching spans joined (so no word is counted twice)."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


class TranscriptIndex:
    """One transcript's text, turns and counted speech, ready for span lookups."""

    __slots__ = ("text", "kinds", "starts", "ends", "speakers", "speech", "_speech_starts", "_speech_ends",
                 "_bisect", "_words")

    def __init__(self, text: str, turns: list[tuple[str, Span]], include_interviewer: bool,
                 speakers: list[str] | None = None) -> None:
        """``turns``: (speaker kind, span) ordered by start, with the turns' speaker labels if known.
        Counted speech is the participant turns (every turn with ``include_interviewer``); a transcript
        without turns is all participant."""
        self.text = text
        self.speakers = speakers or []
        self.kinds = [kind for kind, _ in turns]
        self.starts = [s for _, (s, _) in turns]
        self.ends = [e for _, (_, e) in turns]
        # Turns as importers store them follow one another; bisection needs their ends in order too.
        self._bisect = all(a <= b for a, b in pairwise(self.ends))
        self._words: list[int] | None = None
        self._count(include_interviewer)

    def counting(self, include_interviewer: bool) -> TranscriptIndex:
        """The same transcript with the other setting's counted speech: the text, turns and word starts
        are shared, not found again."""
        self.word_starts  # noqa: B018 - found now, so both indexes share them
        other = copy(self)
        other._count(include_interviewer)
        return other

    def _count(self, include_interviewer: bool) -> None:
        """Set the counted speech: the one place that decides which turns count."""
        if self.kinds:
            turns = zip(self.kinds, self.starts, self.ends, strict=True)
            self.speech = merge_spans((s, e) for kind, s, e in turns
                                      if (include_interviewer or kind == "participant") and s < e)
        else:
            self.speech = [(0, len(self.text))] if self.text else []
        self._speech_starts = [s for s, _ in self.speech]
        self._speech_ends = [e for _, e in self.speech]

    @property
    def word_starts(self) -> list[int]:
        if self._words is None:
            self._words = [m.start() for m in _WORD.finditer(self.text)]
        return self._words

    def clip(self, span: Span) -> list[Span]:
        """The parts of ``span`` inside counted speech."""
        s, e = span
        lo, hi = bisect_right(self._speech_ends, s), bisect_left(self._speech_starts, e)
        return [(max(s, self._speech_starts[i]), min(e, self._speech_ends[i])) for i in range(lo, hi)]

    def touching(self, span: Span) -> range | list[int]:
        """The turns ``span`` overlaps, in order."""
        s, e = span
        if self._bisect:
            return range(bisect_right(self.ends, s), bisect_left(self.starts, e))
        return [i for i, (ts, te) in enumerate(zip(self.starts, self.ends, strict=True)) if ts < e and s < te]

    def speaker_names(self, spans: Iterable[Span]) -> list[str]:
        """The speakers of the turns the spans overlap, in order, each once."""
        return list(dict.fromkeys(self.speakers[i] for span in spans for i in self.touching(span)))

    def speaker_kind(self, span: Span) -> str:
        """participant | interviewer | mixed (turns of both) | outside (between turns)."""
        if not self.kinds:
            return "participant"
        kinds = {self.kinds[i] for i in self.touching(span)}
        if not kinds:
            return "outside"
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def words(self, spans: list[Span]) -> int:
        """Words in the spans (merged first, so none is counted twice)."""
        if len(spans) == 1:
            return self._words_in(*spans[0])
        return sum(self._words_in(s, e) for s, e in merge_spans(spans))

    def speech_words(self) -> int:
        return sum(self._words_in(s, e) for s, e in self.speech)

    def _words_in(self, s: int, e: int) -> int:
        """``word_count(text[s:e])``: the words starting inside, plus one cut by ``s`` if a letter of
        it lies inside."""
        if s >= e:
            return 0
        starts = self.word_starts
        first = bisect_left(starts, s)
        n = bisect_left(starts, e) - first
        if first > 0 and _in_word(self.text[s - 1]):  # s may cut a word: does it reach past s?
            end = _WORD.match(self.text, starts[first - 1]).end()  # type: ignore[union-attr]
            if end > s and _LETTER.search(self.text, s, min(e, end)):
                n += 1
        return n


def _in_word(ch: str) -> bool:
    """Whether ``ch`` can be inside a word (``\\w`` or an apostrophe or hyphen after a letter)."""
    return ch.isalnum() or ch in "_'’-"
