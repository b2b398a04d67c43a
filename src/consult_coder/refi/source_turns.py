"""Speaker turns of an imported text, found without changing a character of it.

REFI-QDA positions point into the source text as it is, so the transcript importer's renderer (which
lays text out as ``Speaker: spoken text`` blocks) can only be used when the text already has exactly
that layout, as consult-coder's own exports do. Otherwise the labels the importer's turn parser
recognises are located line by line in the text; with none, the whole text is one participant turn.
"""

from __future__ import annotations

import re

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTurn, build_transcript
from consult_coder.importers.speakers import speaker_kind
from consult_coder.importers.turns import SourceLine, assemble
from consult_coder.limits import check_text_shape

WHOLE_TEXT_SPEAKER = "Participant"


def find_turns(text: str, name: str, whole_text_speaker: str = WHOLE_TEXT_SPEAKER) -> list[ParsedTurn]:
    """Turns of ``text`` (already normalised), offsets into ``text`` itself."""
    check_text_shape(name, text)
    lines = text.split("\n")
    front, raw_turns = assemble(SourceLine(line) for line in lines)
    if raw_turns:
        try:
            rendered = build_transcript(name, "txt", raw_turns, front)
        except UserError:
            rendered = None
        if rendered is not None and rendered.text == text:
            return rendered.turns  # already in stored layout: the importer's own offsets
        located = _locate(text, {t.speaker for t in raw_turns})
        if located:
            return located
    start, end = _trimmed(text, 0, len(text))
    return [ParsedTurn(whole_text_speaker, "participant", start, end)] if start < end else []


def _locate(text: str, labels: set[str]) -> list[ParsedTurn]:
    """Each line starting with a known label and a colon starts a turn that runs to the next one."""
    pattern = re.compile(
        r"^[ \t]*(" + "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
        + r")[ \t]*:[ \t]*", re.M,
    )
    starts = list(pattern.finditer(text))
    turns = []
    for m, nxt in zip(starts, [*starts[1:], None], strict=False):
        start, end = _trimmed(text, m.end(), nxt.start() if nxt else len(text))
        if start < end:
            speaker = m.group(1)
            turns.append(ParsedTurn(speaker, speaker_kind(speaker), start, end))
    return turns


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
