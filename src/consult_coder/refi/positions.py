"""Map character positions in a source's text to positions in its stored (normalised) form.

Other tools count positions in the text as they wrote it: with a BOM, ``\\r\\n`` line endings,
decomposed accents or trailing spaces. consult-coder stores :func:`consult_coder.text.normalise` of
that text, so every position is carried through the same steps normalise takes.

What "a character" is depends on the tool that wrote the file (:func:`position_unit`, from the root's
``origin``): most count Unicode code points, as consult-coder does; NVivo counts UTF-16 code units (.NET
strings: an emoji counts as two), and so does QualCoder for codings made in its editor (Qt's text
cursor counts UTF-16 units and is stored unconverted); ATLAS.ti writes ``\\r\\n`` but counts it as one.
:func:`unit_offsets` turns such positions into code points of the text as written.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from consult_coder.text import normalise

Offsets = list[int]  # offsets[p] = the normalised position of source position p (len = source + 1)


def _identity(n: int) -> Offsets:
    return list(range(n + 1))


def _compose(first: Offsets, then: Offsets) -> Offsets:
    return [then[p] for p in first]


def _strip_bom(text: str) -> tuple[str, Offsets]:
    k = len(text) - len(text.lstrip("\ufeff"))
    return text[k:], [max(0, p - k) for p in range(len(text) + 1)]


def _line_endings(text: str) -> tuple[str, Offsets]:
    out: list[str] = []
    offsets: Offsets = []
    i = 0
    while i < len(text):
        ch = text[i]
        offsets.append(len(out))
        if ch == "\r" and text[i + 1 : i + 2] == "\n":
            offsets.append(len(out) + 1)  # between \r and \n: after the one \n it becomes
            out.append("\n")
            i += 2
            continue
        out.append("\n" if ch in "\r\u2028" else ch)
        i += 1
    offsets.append(len(out))
    return "".join(out), offsets


def _nfc(text: str) -> tuple[str, Offsets]:
    if unicodedata.is_normalized("NFC", text):
        return text, _identity(len(text))
    # Cut before each starter, then rejoin pieces that compose across the cut (Hangul, …).
    cuts = [i for i, ch in enumerate(text) if i and unicodedata.combining(ch) == 0]
    bounds = [0, *cuts, len(text)]
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    merged: list[str] = []
    for piece in pieces:
        if merged:
            last = merged[-1]
            joined = unicodedata.normalize("NFC", last + piece)
            if joined != unicodedata.normalize("NFC", last) + unicodedata.normalize("NFC", piece):
                merged[-1] = last + piece
                continue
        merged.append(piece)
    out: list[str] = []
    offsets: Offsets = []
    pos = 0
    for piece in merged:
        composed = unicodedata.normalize("NFC", piece)
        if len(composed) == len(piece):
            offsets.extend(range(pos, pos + len(piece)))
        else:  # a position inside a composed character means the character's start
            offsets.extend([pos] * len(piece))
        out.append(composed)
        pos += len(composed)
    offsets.append(pos)
    result = "".join(out)
    if result != unicodedata.normalize("NFC", text):  # never expected; be exact rather than clever
        whole = unicodedata.normalize("NFC", text)
        return whole, [0] * len(text) + [len(whole)]
    return result, offsets


def _rstrip_lines(text: str) -> tuple[str, Offsets]:
    out: list[str] = []
    offsets: Offsets = []
    pos = 0
    lines = text.split("\n")
    for n, line in enumerate(lines):
        kept = line.rstrip()
        offsets.extend(range(pos, pos + len(kept)))
        offsets.extend([pos + len(kept)] * (len(line) - len(kept)))  # trailing spaces → line end
        out.append(kept)
        pos += len(kept)
        if n < len(lines) - 1:
            offsets.append(pos)  # the \n itself
            pos += 1
    offsets.append(pos)
    return "\n".join(out), offsets


class Unit(StrEnum):
    """What one position counts in a producer's file."""

    CODE_POINT = "code point"  # consult-coder, qc, Taguette, MAXQDA (as far as known)
    UTF16 = "UTF-16 code unit"  # NVivo (.NET strings), QualCoder (Qt's text cursor)
    CRLF_AS_ONE = "code point, CRLF as one"  # ATLAS.ti


_UTF16_PRODUCERS = ("nvivo", "qualcoder")


def position_unit(origin: str) -> Unit:
    """The unit of positions in a file whose root says ``origin="…"`` (e.g. "NVivo 14", "ATLAS.ti 8.4")."""
    producer = origin.casefold()
    if "atlas.ti" in producer or "atlasti" in producer:
        return Unit.CRLF_AS_ONE
    if any(name in producer for name in _UTF16_PRODUCERS):
        return Unit.UTF16
    return Unit.CODE_POINT


def unit_offsets(text: str, unit: Unit) -> Offsets | None:
    """``offsets[p]`` = the code-point index in ``text`` of position ``p`` counted in ``unit``
    (``len = positions + 1``); None when the two agree (no astral character, no CRLF to collapse).

    A UTF-16 position between the two halves of a surrogate pair (which no tool should write) falls
    after the character, so a span never holds half an emoji.
    """
    if unit is Unit.UTF16 and not text.isascii() and any(ord(ch) > 0xFFFF for ch in text):
        offsets: Offsets = []
        for i, ch in enumerate(text):
            offsets.append(i)
            if ord(ch) > 0xFFFF:
                offsets.append(i + 1)
        offsets.append(len(text))
        return offsets
    if unit is Unit.CRLF_AS_ONE and "\r\n" in text:
        offsets = []
        i = 0
        while i < len(text):
            offsets.append(i)
            i += 2 if text[i] == "\r" and text[i + 1 : i + 2] == "\n" else 1
        offsets.append(len(text))
        return offsets
    return None


def source_length(raw: str, unit: Unit = Unit.CODE_POINT) -> int:
    """How many positions the source has, as the writing tool counts them."""
    units = unit_offsets(raw, unit)
    return len(raw) if units is None else len(units) - 1


class PositionMap:
    """Positions of a source, as its tool counts them, to positions in the normalised stored text."""

    def __init__(self, raw: str, unit: Unit = Unit.CODE_POINT) -> None:
        self.text, self._offsets = normalise_mapped(raw, unit)
        self.length = source_length(raw, unit)

    def __getitem__(self, position: int) -> int:
        return position if self._offsets is None else self._offsets[position]


def normalise_mapped(raw: str, unit: Unit = Unit.CODE_POINT) -> tuple[str, Offsets | None]:
    """``(normalise(raw), offsets)``: ``offsets[p]`` is where source position ``p`` lands, or None
    when every position lands on itself (the common case: plain text, nothing to change).

    A span ``(s, e)`` of the source becomes ``(offsets[s], offsets[e])`` and covers the same
    characters, minus what normalisation removed (a BOM, ``\\r``, trailing spaces).
    """
    units = unit_offsets(raw, unit)
    text = normalise(raw)
    if units is None and text == raw:
        return text, None
    offsets = _identity(len(raw))
    mapped = raw
    for step in (_strip_bom, _line_endings, _nfc, _rstrip_lines):
        mapped, moved = step(mapped)
        offsets = _compose(offsets, moved)
    assert mapped == text, "positions.normalise_mapped drifted from text.normalise"
    return text, offsets if units is None else [offsets[i] for i in units]
