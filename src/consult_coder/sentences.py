"""The sentences of a transcript: one splitter for the whole project (agreement units, suggestions).

spaCy's rule-based ``sentencizer`` on ``spacy.blank("en")`` — punctuation rules, no model to download.
It runs on each turn separately, and on each line of a turn, so a turn boundary or a line break always
ends a sentence. Spans are code-point offsets into the stored text, end exclusive, trimmed of
whitespace at both edges; pieces that are only whitespace are dropped.

Pure and deterministic: the same text and turns always give the same spans, so a caller may cache by
content. The last few results are cached here too (a transcript is often split twice in a row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import spacy
from spacy.language import Language

from consult_coder.text import trim_span

Span = tuple[int, int]

_LINE = re.compile(r"[^\n]+")


@cache
def _nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    # The tokenizer and sentencizer hold little per character: a long turn-less transcript is fine.
    nlp.max_length = 50_000_000
    return nlp


def sentence_spans(text: str, turns: Sequence[Span] | None = None) -> list[Span]:
    """Sentences of ``text`` inside ``turns`` (each ``(start, end)``), in order.

    ``turns=None`` treats the whole text as one turn. Turns are taken as given (sorted or not);
    the result follows their order.
    """
    key = ((0, len(text)),) if turns is None else tuple((int(s), int(e)) for s, e in turns)
    return list(_split(text, key))


@lru_cache(maxsize=64)
def _split(text: str, turns: tuple[Span, ...]) -> tuple[Span, ...]:
    pieces: list[Span] = []
    for start, end in turns:
        pieces.extend((start + m.start(), start + m.end()) for m in _LINE.finditer(text[start:end]))
    spans: list[Span] = []
    for (start, _end), doc in zip(pieces, _nlp().pipe(text[s:e] for s, e in pieces), strict=True):
        for sent in doc.sents:
            s, e = trim_span(text, start + sent.start_char, start + sent.end_char)
            if s < e:
                spans.append((s, e))
    return tuple(spans)
