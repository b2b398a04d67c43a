"""The sentences of a transcript: one splitter for the whole project (agreement units, suggestions).

spaCy's rule-based ``sentencizer`` on ``spacy.blank("en")`` — punctuation rules, no model to download.
It runs on each turn separately, and on each line of a turn, so a turn boundary or a line break always
ends a sentence. Spans are code-point offsets into the stored text, end exclusive, trimmed of
whitespace at both edges; pieces that are only whitespace are dropped.

Pure and deterministic: the same text and turns always give the same spans. Results are cached here
by a digest of the text and the turns (a few bytes per sentence, never the text itself), so a page that
recomputes agreement, or suggestions after agreement, does not split the same transcript again: spaCy's
tokenizer is most of the cost (about 10 million characters a second).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache

import spacy
from spacy.language import Language

from consult_coder.text import trim_span

Span = tuple[int, int]

_LINE = re.compile(r"[^\n]+")
CACHE_SIZE = 8192  # (transcript, turns) entries; each holds only offsets
_cache: OrderedDict[tuple[bytes, tuple[Span, ...]], tuple[Span, ...]] = OrderedDict()
_lock = threading.Lock()  # Streamlit serves sessions from several threads


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
    spans = ((0, len(text)),) if turns is None else tuple((int(s), int(e)) for s, e in turns)
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), spans)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return list(found)
    result = _split(text, spans)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return list(result)


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
