"""Small pure functions for stored text and offsets.

Offsets everywhere are Unicode code points of the normalised text (Python ``str`` indices), end
exclusive. Only the browser counts UTF-16 code units; the reader component converts at that edge
(``ui/component/reader_pure.js``), so Python never sees them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SENTENCE_END = r"[.!?…]+[\"'’”)\]]*(?=\s|$)"
_SENTENCE = re.compile(rf"(?=\S)(?:[^\n]*?{_SENTENCE_END}|[^\n]*\S)")
_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)
_FOLDED = ("\u2019", "\u2018", "\u02bc", "\u2032")  # typographic apostrophes, primes


def normalise(text: str) -> str:
    """NFC, no BOM, ``\\n`` line endings, no trailing spaces on lines: the form text is stored in."""
    text = text.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def fold(text: str) -> str:
    """Typographic apostrophes and primes as ``'`` (one code point for one, so offsets hold): "won’t" and
    "won't" are the same word to the patterns."""
    for mark in _FOLDED:  # a search and a replace in C beat translate(), which looks up every character
        if mark in text:
            text = text.replace(mark, "'")
    return text


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clamp_span(text: str, start: int, end: int) -> tuple[int, int]:
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    return (start, end) if start <= end else (end, start)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace at either edge of a selection, as a mouse selection often includes it."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span so it neither starts nor ends inside a word."""
    start, end = clamp_span(text, start, end)
    for m in _WORD.finditer(text):
        if m.start() < start < m.end():
            start = m.start()
        if m.start() < end < m.end():
            end = m.end()
        if m.start() > end:
            break
    return trim_span(text, start, end)


def sentence_spans(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Sentences in ``text[lo:hi]`` as (start, end) spans; line breaks also end a sentence.

    A sentence starts at a non-blank character and runs to its first sentence end (``.``, ``!``, ``?``
    or ``…``, with any closing quotes or brackets, before a blank or the end), or else to the last
    non-blank character of its line. One compiled scan: this runs over every turn of every transcript.
    """
    return [m.span() for m in _SENTENCE.finditer(text, lo, len(text) if hi is None else hi)]


def snap_to_sentences(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to whole sentences."""
    start, end = clamp_span(text, start, end)
    new_start, new_end = start, end
    for s, e in sentence_spans(text):
        if s <= start < e or (start == e):
            new_start = min(new_start, s)
        if s < end <= e:
            new_end = max(new_end, e)
    return new_start, new_end


def word_spans(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Each word of ``text[lo:hi]`` as a (start, end) span, in order."""
    return [m.span() for m in _WORD.finditer(text, lo, len(text) if hi is None else hi)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
