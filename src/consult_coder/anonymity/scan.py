"""Run every rule over a text and keep one finding per stretch of text."""

from __future__ import annotations

from consult_coder.anonymity import rules
from consult_coder.anonymity.redact import PLACEHOLDERS, Finding
from consult_coder.importers.base import ParsedTranscript

KINDS = tuple(PLACEHOLDERS)
# Where two rules claim overlapping text, the more specific wins: an email holds a name, a clinic's
# name holds a place ("Harare Central Hospital"), a date may look like a phone number.
_PRIORITY = {"EMAIL": 0, "URL": 1, "ID": 2, "PHONE": 3, "DATE": 4, "CLINIC": 5, "SCHOOL": 5, "PLACE": 6,
             "NAME": 7}


CHUNK_CHARS = 100_000  # text tokenised at a time, cut at a line break: memory stays flat on long texts


def scan(text: str, part: str = "text") -> list[Finding]:
    """Residual identifiers in ``text``, in order, none overlapping another, none across a line break."""
    candidates: list[tuple[int, int, str]] = []
    for lo, hi in _chunks(text):
        piece = text[lo:hi]
        candidates += [(lo + s, lo + e, k) for s, e, k in (*rules.structured(piece),
                                                           *rules.names_and_places(piece))]
    candidates = [(s, e, k) for s, e, k in candidates if s < e and "\n" not in text[s:e]]
    candidates.sort(key=lambda c: (_PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in candidates:
        if all(end <= s or e <= start for s, e, _ in kept):
            kept.append((start, end, kind))
    return [Finding(s, e, text[s:e], k, part) for s, e, k in sorted(kept)]


def _chunks(text: str) -> list[tuple[int, int]]:
    """Spans of at most about CHUNK_CHARS, each ending at a line break (no finding crosses one)."""
    spans, lo = [], 0
    while lo < len(text):
        hi = min(len(text), lo + CHUNK_CHARS)
        if hi < len(text):
            cut = text.rfind("\n", lo, hi)
            hi = cut + 1 if cut > lo else hi
        spans.append((lo, hi))
        lo = hi
    return spans


def scan_parsed(parsed: ParsedTranscript) -> list[Finding]:
    """Findings in a parsed transcript: its stored text, then its front matter (``part``)."""
    return [*scan(parsed.text), *scan(parsed.front_matter, "front_matter")]
