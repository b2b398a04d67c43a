"""Sentences of a transcript's speech: the one sentence unit of the project — suggestions are made,
reviewed and scored on it, agreement counts it, and co-occurrence and "snap to sentence" use its rule.

Pure and small on purpose (no database, no spaCy): text plus turns in, sentence spans out. A turn
boundary is always a sentence boundary (captions often have no final full stop), and inside a turn
the split is :func:`consult_coder.text.sentence_spans` — the same rule that snaps a coding to whole
sentences — so an accepted suggestion's span is exactly what "snap to sentence" would give.
Offsets are code points of the stored text, end exclusive.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from consult_coder.text import sentence_spans as _sentences_between


class Sentence(NamedTuple):
    start: int
    end: int
    turn: int  # index of the turn it lies in, in the order the turns were given


def split_sentences(text: str, turns: Sequence[tuple[int, int]]) -> list[Sentence]:
    """Every sentence inside ``turns`` (``(start, end)`` spans of spoken text), in text order."""
    out: list[Sentence] = []
    for index, (lo, hi) in enumerate(turns):
        out += [Sentence(s, e, index) for s, e in _sentences_between(text, lo, hi)]
    return sorted(out)


def sentence_spans(text: str, turns: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence inside ``turns`` (the whole text when None), in text order."""
    return [(s.start, s.end) for s in split_sentences(text, [(0, len(text))] if turns is None else turns)]


def sentences_touching(sentences: Sequence[Sentence], start: int, end: int,
                       starts: Sequence[int] | None = None) -> list[int]:
    """Indexes of the sentences a span ``[start, end)`` shares at least one character with.

    ``sentences`` must be sorted and non-overlapping, as :func:`split_sentences` returns them;
    ``starts`` (their start offsets) may be passed in when looking up many spans.
    """
    starts = [s.start for s in sentences] if starts is None else starts
    i = max(bisect_right(starts, start) - 1, 0)
    hits = []
    while i < len(sentences) and sentences[i].start < end:
        if sentences[i].end > start:
            hits.append(i)
        i += 1
    return hits


def sentence_at(sentences: Sequence[Sentence], start: int, end: int,
                starts: Sequence[int] | None = None) -> int | None:
    """The index of the one sentence holding all of ``[start, end)``, or None if it spans two."""
    found = sentences_touching(sentences, start, end, starts)
    if len(found) == 1 and sentences[found[0]].start <= start and end <= sentences[found[0]].end:
        return found[0]
    return None


def speech_turns(turns: Iterable[tuple[int, int, str]], all_speakers: bool = False) -> list[tuple[int, int]]:
    """``(start, end)`` of the turns to read from ``(start, end, speaker_kind)`` triples.

    Participant speech only unless ``all_speakers``; a transcript with no turns at all is not handled
    here (importers always produce turns).
    """
    return [(s, e) for s, e, kind in turns if all_speakers or kind == "participant"]
