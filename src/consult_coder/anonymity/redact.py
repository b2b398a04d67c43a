"""Replacing identifiers with typed placeholders, and moving every offset that points into the text.

:func:`redact` returns the new text and an :class:`OffsetMap`; the map moves any offset of the old
text to the new one, deterministically: outside a replaced span by the length difference so far, and
inside one to the placeholder's start (a span's start) or end (a span's end). So a coding that
overlaps a replaced identifier grows or shrinks to cover the whole placeholder — never silently
off its words — and :func:`moved_spans` says which ones did.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from consult_coder.errors import UserError

PLACEHOLDERS = {
    "NAME": "[NAME]", "PLACE": "[PLACE]", "PHONE": "[PHONE]", "EMAIL": "[EMAIL]", "URL": "[URL]",
    "DATE": "[DATE]", "ID": "[ID]", "SCHOOL": "[SCHOOL]", "CLINIC": "[CLINIC]",
}
Choice = bool | str  # False: keep; True: the kind's placeholder; a string: that replacement


@dataclass(frozen=True)
class Finding:
    """A residual identifier: ``text[start:end]`` (code points of the normalised text) and its kind
    (a key of :data:`PLACEHOLDERS`); ``part`` is "text", or "front_matter" for a transcript's header."""

    start: int
    end: int
    text: str
    kind: str
    part: str = "text"

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text, "kind": self.kind}


@dataclass(frozen=True)
class Edit:
    old_start: int
    old_end: int
    new_start: int
    new_end: int
    kind: str


@dataclass
class OffsetMap:
    """Where each offset of the old text is in the new one (see the module's docstring)."""

    edits: list[Edit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [e.old_start for e in self.edits]

    def start(self, offset: int) -> int:
        """The new position of a span's start (inside a replacement: the placeholder's start)."""
        return self._map(offset, at_end=False)

    def end(self, offset: int) -> int:
        """The new position of a span's end (inside a replacement: the placeholder's end)."""
        return self._map(offset, at_end=True)

    def _map(self, offset: int, at_end: bool) -> int:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        e = self.edits[i]
        if e.old_start < offset < e.old_end:
            return e.new_end if at_end else e.new_start
        if offset == e.old_start:  # just before the replaced text: nothing before it moved differently
            return e.new_start
        return offset - e.old_end + e.new_end  # at or after the edit's end

    def touches(self, start: int, end: int) -> list[Edit]:
        """The replacements a span ``[start, end)`` overlaps (partly or wholly)."""
        return [e for e in self.edits if e.old_start < end and start < e.old_end]


def _replacement(finding: Finding, choice: Choice) -> str | None:
    if choice is False:
        return None
    if isinstance(choice, str):
        return choice
    return PLACEHOLDERS.get(finding.kind, f"[{finding.kind}]")


def redact(text: str, findings: Sequence[Finding], choices: Sequence[Choice] | None = None
           ) -> tuple[str, OffsetMap]:
    """``text`` with each chosen finding replaced (``choices[i]`` for ``findings[i]``; all of them by
    default), and the map of old offsets to new. Overlapping findings are refused: :func:`scan`
    never returns any."""
    if choices is not None and len(choices) != len(findings):
        raise UserError(f"Redaction: {len(choices)} choices for {len(findings)} findings")
    chosen = [(f, r) for f, c in zip(findings, choices or [True] * len(findings), strict=True)
              if (r := _replacement(f, c)) is not None]
    chosen.sort(key=lambda fr: fr[0].start)
    pieces: list[str] = []
    edits: list[Edit] = []
    pos = shift = 0
    for f, replacement in chosen:
        if f.start < pos or not 0 <= f.start < f.end <= len(text):
            raise UserError(f"Redaction: finding {f.text!r} at {f.start}-{f.end} overlaps another or lies "
                            "outside the text")
        if text[f.start:f.end] != f.text:
            raise UserError(f"Redaction: the text at {f.start}-{f.end} is no longer {f.text!r}; scan again")
        pieces += [text[pos:f.start], replacement]
        new_start = f.start + shift
        edits.append(Edit(f.start, f.end, new_start, new_start + len(replacement), f.kind))
        shift += len(replacement) - (f.end - f.start)
        pos = f.end
    pieces.append(text[pos:])
    return "".join(pieces), OffsetMap(edits)


@dataclass(frozen=True)
class MovedSpan:
    """A span (a coding, a turn) that overlapped a replaced identifier: where it was and is now."""

    key: object
    old: tuple[int, int]
    new: tuple[int, int]
    kinds: tuple[str, ...]


def moved_spans(omap: OffsetMap, spans: Sequence[tuple[object, int, int]]) -> tuple[
        dict[object, tuple[int, int]], list[MovedSpan]]:
    """New ``(start, end)`` for each ``(key, start, end)``, and those that overlapped a replacement."""
    new: dict[object, tuple[int, int]] = {}
    moved: list[MovedSpan] = []
    for key, start, end in spans:
        span = (omap.start(start), omap.end(end))
        new[key] = span
        hit = omap.touches(start, end)
        if hit:
            moved.append(MovedSpan(key, (start, end), span, tuple(e.kind for e in hit)))
    return new, moved
