"""Map character positions in a source's text to positions in its stored (normalised) form.

Other tools count positions in the text as they wrote it: with a BOM, ``\\r\\n`` line endings,
decomposed accents or trailing spaces. consult-coder stores :func:`consult_coder.text.normalise` of
that text, so every position is carried through the same steps normalise takes. ATLAS.ti writes
``\\r\\n`` but counts it as one character: ``crlf_as_one`` says so.
"""

from __future__ import annotations

import unicodedata

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


def _crlf_units(text: str) -> Offsets:
    """Source positions when ``\\r\\n`` counts as one: unit index → index in ``text``."""
    units: Offsets = []
    i = 0
    while i < len(text):
        units.append(i)
        i += 2 if text[i] == "\r" and text[i + 1 : i + 2] == "\n" else 1
    units.append(len(text))
    return units


def normalise_mapped(raw: str, crlf_as_one: bool = False) -> tuple[str, Offsets]:
    """``(normalise(raw), offsets)``: ``offsets[p]`` is where source position ``p`` lands.

    A span ``(s, e)`` of the source becomes ``(offsets[s], offsets[e])`` and covers the same
    characters, minus what normalisation removed (a BOM, ``\\r``, trailing spaces).
    """
    text, offsets = raw, _identity(len(raw))
    for step in (_strip_bom, _line_endings, _nfc, _rstrip_lines):
        text, moved = step(text)
        offsets = _compose(offsets, moved)
    if crlf_as_one:
        offsets = [offsets[i] for i in _crlf_units(raw)]
    assert text == normalise(raw), "positions.normalise_mapped drifted from text.normalise"
    return text, offsets


def source_length(raw: str, crlf_as_one: bool = False) -> int:
    """How many positions the source has, as the writing tool counts them."""
    return len(raw) - (raw.count("\r\n") if crlf_as_one else 0)
