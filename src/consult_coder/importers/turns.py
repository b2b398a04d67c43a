"""Find speaker turns in lines of text: ``Speaker: spoken text``, with or without timestamps.

A line starts a turn when it begins with a short label and a colon (``Interviewer: …``), optionally
with a timestamp such as ``[00:01:23]``, ``(00:01:23)`` or ``00:01:23`` before or after the label, or
when it is just a label and a timestamp (``Jane Doe  0:03``, the text on the next lines). A sentence
with a colon ("Honestly: it was hard") must not become a speaker, so a label counts only if it is
short and either a known speaker label or one that recurs in the file. Lines without a label continue
the previous turn; lines before the first turn are front matter.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from consult_coder.importers.base import INVISIBLE, RawTurn
from consult_coder.importers.speakers import is_known_label

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# Bare "10:30" may be something said; only bracketed stamps or a bare h:mm:ss are certain.
_HMS = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
_STRICT = rf"(?:\[\s*{_TIME}\s*\]|\(\s*{_TIME}\s*\)|{_HMS})"
_LOOSE = rf"(?:{_STRICT}|{_TIME})"
_LEADING_STRICT = re.compile(rf"^\s*({_STRICT})\s*(?:[-–—|]\s*)?")
_LEADING_LOOSE = re.compile(rf"^\s*({_LOOSE})\s*(?:[-–—|]\s*)?")
_ONLY_STAMP = re.compile(rf"^\s*({_LOOSE})\s*$")
# "Interviewer [00:01:23]: text" / "Interviewer (00:01:23): text": the stamp holds colons itself.
_LABEL_STAMP_COLON = re.compile(
    rf"^(?P<label>[^:\[\]]{{1,60}}?)\s*(?P<stamp>{_STRICT})\s*:(?:\s+|$)(?P<rest>.*)$"
)
# The colon is followed by a space, the line end, or a letter ("P07:Yeah"), never a digit ("10:30")
# or a slash ("https://").
_LABEL_COLON = re.compile(r"^(?P<label>[^:]{1,60}?)\s*:(?:\s+|$|(?=[^\W\d_]))(?P<rest>.*)$")
# "Jane Doe  0:03" on a line of its own, the words on the next lines (Teams/Otter exports).
_LABEL_STAMP_LINE = re.compile(rf"^(?P<label>[^:\[\]]{{1,60}}?)\s+(?P<stamp>{_LOOSE})$")

_EDGES = re.compile(rf"^[\s{INVISIBLE}]+|[\s{INVISIBLE}]+$")
MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
# Field names of a header block ("Date: 3 May", "Transcribed by: …"): a first paragraph holding one
# is all front matter, even its "Interviewer: A. Example" line.
_HEADER_FIELDS = {
    "date", "time", "location", "venue", "site", "place", "setting", "duration", "length",
    "transcribed by", "transcriber", "transcription", "recorded", "recording", "audio", "audio file",
    "file", "project", "study", "session", "interview date", "consent", "language", "title",
}


def seconds(stamp: str) -> float:
    """``[01:02:03.5]`` → 3723.5; two parts are minutes and seconds."""
    parts = stamp.strip("[]() ").replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def plausible_label(label: str) -> bool:
    """Short, at line start, and shaped like a name or a role rather than the start of a sentence."""
    if not label or len(label) > MAX_LABEL_CHARS or not label[0].isalnum() or label.isdigit():
        return False
    outside = re.sub(r"\([^()]*\)", "", label)
    if len(outside.split()) > MAX_LABEL_WORDS:
        return False
    return not any(ch in outside for ch in "?!;\"“”,")


def clean_label(label: str) -> str:
    return label.strip().strip("*_").strip()


@dataclass
class SourceLine:
    """One line or paragraph of a source. Layouts that show the label themselves (a bold run, a table
    cell) pass ``label`` and ``rest``; plain text passes only ``text`` and the label is looked for."""

    text: str
    label: str | None = None
    rest: str | None = None
    cue: float | None = None
    continuation: bool = False  # certainly more of the previous turn (a table cell's next paragraph)


@dataclass
class _Candidate:
    raw: str  # the line as written
    plain: str  # the line without a leading timestamp: what it adds when it is not a turn
    label: str | None
    rest: str  # the spoken text after the label
    cue: float | None


def _split(line: SourceLine) -> _Candidate:
    raw = _EDGES.sub("", line.text)  # a stray BOM or zero-width space must not hide a label
    plain, plain_cue = _strip_stamp(raw, _LEADING_STRICT)
    if line.continuation:
        return _Candidate(raw, plain, None, plain, plain_cue)
    if line.label is not None:
        rest, cue = _strip_stamp(line.rest or "", _LEADING_STRICT)
        label = clean_label(line.label)
        ok = plausible_label(label)
        return _Candidate(raw, plain, label if ok else None, rest, line.cue if line.cue is not None else cue)
    after, lead_cue = _strip_stamp(raw, _LEADING_LOOSE)
    for pattern in (_LABEL_STAMP_COLON, _LABEL_COLON, _LABEL_STAMP_LINE):
        m = pattern.match(after)
        if not m:
            continue
        label = clean_label(m["label"])
        if not plausible_label(label):
            continue
        groups = m.groupdict()
        rest, rest_cue = _strip_stamp(groups.get("rest") or "", _LEADING_STRICT)
        cue = next((c for c in (lead_cue, groups.get("stamp"), rest_cue) if c is not None), None)
        return _Candidate(raw, plain, label, rest, seconds(cue) if isinstance(cue, str) else cue)
    return _Candidate(raw, plain, None, plain, plain_cue)


def _strip_stamp(text: str, pattern: re.Pattern[str]) -> tuple[str, float | None]:
    """Drop a timestamp at the start of ``text`` (not the "10:30" of "10:30am")."""
    text = text.strip()
    m = pattern.match(text)
    if m and (m.end() == len(text) or not text[m.end() - 1].isalnum()):
        return text[m.end():].strip(), seconds(m.group(1))
    return text, None


def _key(label: str) -> str:
    return " ".join(label.casefold().split())


def _header_block_length(candidates: list[_Candidate]) -> int:
    """How many lines the header block takes: the first paragraph, if it has a header field and
    more follows it; else 0."""
    blank = next((i for i, c in enumerate(candidates) if not c.raw), None)
    if blank is None or not any(c.raw for c in candidates[blank:]):
        return 0
    fields = [c for c in candidates[:blank] if c.label and _key(c.label) in _HEADER_FIELDS]
    return blank if fields else 0


def _speaker_spellings(candidates: list[_Candidate]) -> tuple[dict[str, str], set[str]]:
    """Each label's spelling as first seen ("Interviewer", "INTERVIEWER" and "interviewer:" in one file
    are one speaker), and the labels that recur."""
    counts = Counter(_key(c.label) for c in candidates if c.label)
    spelling: dict[str, str] = {}
    for c in candidates:
        if c.label:
            spelling.setdefault(_key(c.label), c.label)
    return spelling, {k for k, n in counts.items() if n >= 2}


def _starts_turn(c: _Candidate, recurring: set[str], body_started: bool) -> bool:
    if c.label is None:
        return False
    # A known label used once (e.g. "Participant: P07" in a header) starts a turn only once the body has
    # begun, or when no label recurs at all.
    return _key(c.label) in recurring or (is_known_label(c.label) and (body_started or not recurring))


def assemble(lines: Iterable[SourceLine]) -> tuple[str, list[RawTurn]]:
    """Group lines into (front matter, turns)."""
    candidates = [_split(line) for line in lines]
    spelling, recurring = _speaker_spellings(candidates)
    header = _header_block_length(candidates)
    front: list[str] = []
    turns: list[RawTurn] = []
    pending_cue: float | None = None
    for i, c in enumerate(candidates):
        if i >= header and _starts_turn(c, recurring, bool(turns)):
            assert c.label is not None
            cue = c.cue if c.cue is not None else pending_cue
            turns.append(RawTurn(spelling[_key(c.label)], [c.rest] if c.rest else [], cue_start=cue))
            pending_cue = None
        elif not turns:
            if c.raw:
                front.append(c.raw)
        elif _ONLY_STAMP.match(c.raw):
            pending_cue = seconds(c.raw)
        elif c.plain:
            turns[-1].paragraphs.append(c.plain)
    return "\n".join(front), turns
