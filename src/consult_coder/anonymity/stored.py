"""Redaction applied to a transcript: before import (a parsed file) or after (a stored transcript,
whose turns and codings move with the text).

Redaction should happen before coding; when a stored transcript must change later, every coding is
moved through the :class:`~consult_coder.anonymity.redact.OffsetMap`, so it stays on its words. A
coding that overlapped a replaced identifier now covers the whole placeholder (the rule is
deterministic: a start inside the identifier moves to the placeholder's start, an end inside it to
the placeholder's end) and is listed in the report and the audit event, never silently off.

The transcript keeps its content hash, the hash of the text as imported: importing the original file
again is then recognised and skipped (it would bring the identifiers back), and its REFI-QDA GUID stays
the same. The audit event records where and what kind of identifier was replaced, never its text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import require_lead
from consult_coder.anonymity.redact import Choice, Finding, MovedSpan, OffsetMap, moved_spans, redact
from consult_coder.anonymity.scan import scan
from consult_coder.errors import UserError
from consult_coder.importers.base import LABEL_SEPARATOR, ParsedTranscript, ParsedTurn
from consult_coder.model import Coder, Coding, Transcript, Turn


def _by_part(findings: Sequence[Finding], choices: Sequence[Choice] | None, part: str
             ) -> tuple[list[Finding], list[Choice]]:
    chosen = list(choices) if choices is not None else [True] * len(findings)
    if len(chosen) != len(findings):
        raise UserError(f"Redaction: {len(chosen)} choices for {len(findings)} findings")
    pairs = [(f, c) for f, c in zip(findings, chosen, strict=True) if f.part == part]
    return [f for f, _ in pairs], [c for _, c in pairs]


def _label_before(text: str, start: int) -> str:
    """The speaker label in front of a turn's spoken text (``Label: spoken``)."""
    head = start - len(LABEL_SEPARATOR)
    return text[text.rfind("\n", 0, head) + 1:head]


def redact_parsed(parsed: ParsedTranscript, findings: Sequence[Finding],
                  choices: Sequence[Choice] | None = None) -> ParsedTranscript:
    """A parsed transcript (before import) with the chosen findings replaced; turns move with the
    text, and a speaker whose label was replaced is renamed to the placeholder."""
    text_findings, text_choices = _by_part(findings, choices, "text")
    front_findings, front_choices = _by_part(findings, choices, "front_matter")
    text, omap = redact(parsed.text, text_findings, text_choices)
    front, _ = redact(parsed.front_matter, front_findings, front_choices)
    turns = []
    for t in parsed.turns:
        start, end = omap.start(t.start), omap.end(t.end)
        speaker = _label_before(text, start) if omap.touches(t.start - 2 - len(t.speaker), t.start) \
            else t.speaker
        turns.append(ParsedTurn(speaker, t.speaker_kind, start, end, t.cue_start, t.cue_end))
    return dataclasses.replace(parsed, text=text, front_matter=front, turns=turns,
                               source_hash=parsed.content_hash)


@dataclass(frozen=True)
class MovedCoding:
    coding_id: int
    code_id: str
    coder: str
    old: tuple[int, int]
    new: tuple[int, int]
    kinds: tuple[str, ...]  # the kinds of identifier it overlapped

    def describe(self, text: str) -> str:
        return (f"coding {self.coding_id} ({self.code_id}, {self.coder}) overlapped a redacted "
                f"{'/'.join(self.kinds)}: {self.old[0]}-{self.old[1]} is now {self.new[0]}-{self.new[1]} "
                f"{text[self.new[0]:self.new[1]]!r}")


@dataclass
class RedactionReport:
    transcript_id: int
    replaced: int = 0
    codings_moved: list[MovedCoding] = field(default_factory=list)
    speakers_renamed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"transcript {self.transcript_id}: {self.replaced} identifier(s) replaced"]
        if self.speakers_renamed:
            parts.append(f"{len(self.speakers_renamed)} speaker label(s) renamed")
        parts.append(f"{len(self.codings_moved)} coding(s) overlapped an identifier and now cover its "
                     "placeholder" if self.codings_moved else "no coding touched an identifier")
        return "; ".join(parts)


def scan_transcript(session: Session, transcript_id: int) -> list[Finding]:
    """Findings in a stored transcript's text and front matter."""
    tr = _transcript(session, transcript_id)
    return [*scan(tr.text), *scan(tr.front_matter or "", "front_matter")]


def _transcript(session: Session, transcript_id: int) -> Transcript:
    tr = session.get(Transcript, transcript_id)
    if tr is None:
        raise UserError(f"There is no transcript with id {transcript_id}")
    return tr


def redact_transcript(session: Session, transcript_id: int, findings: Sequence[Finding],
                      choices: Sequence[Choice] | None, actor: str) -> RedactionReport:
    """Replace the chosen findings in a stored transcript, moving its turns and every coding (all
    coders') with the text, in the caller's unit of work; one audit event."""
    require_lead(session, actor, "Redacting a transcript")
    tr = _transcript(session, transcript_id)
    text_findings, text_choices = _by_part(findings, choices, "text")
    front_findings, front_choices = _by_part(findings, choices, "front_matter")
    old_text = tr.text
    text, omap = redact(old_text, text_findings, text_choices)
    front, front_map = redact(tr.front_matter or "", front_findings, front_choices)
    report = RedactionReport(transcript_id, replaced=len(omap.edits) + len(front_map.edits))
    if not report.replaced:
        return report
    turns = list(session.scalars(select(Turn).where(Turn.transcript_id == tr.id).order_by(Turn.index)))
    for turn in turns:
        label_touched = omap.touches(turn.start - len(LABEL_SEPARATOR) - len(turn.speaker), turn.start)
        turn.start, turn.end = omap.start(turn.start), omap.end(turn.end)
        if label_touched:
            new = _label_before(text, turn.start)
            report.speakers_renamed.setdefault(turn.speaker, new)
            turn.speaker = new
    report.codings_moved = _move_codings(session, tr.id, omap)
    tr.text, tr.front_matter = text, front
    audit.transcript_redacted(
        session, actor, tr.id,
        replaced=[{"part": part, "start": e.old_start, "end": e.old_end, "kind": e.kind}
                  for part, m in (("text", omap), ("front_matter", front_map)) for e in m.edits],
        codings_moved=[{"id": c.coding_id, "before": list(c.old), "after": list(c.new)}
                       for c in report.codings_moved],
        speakers_renamed=len(report.speakers_renamed),
    )
    return report


def _move_codings(session: Session, transcript_id: int, omap: OffsetMap) -> list[MovedCoding]:
    rows = list(session.execute(
        select(Coding, Coder.name).join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.transcript_id == transcript_id)))
    new, moved = moved_spans(omap, [(c.id, c.start, c.end) for c, _ in rows])
    by_id = {c.id: (c, name) for c, name in rows}
    for coding, _ in rows:
        coding.start, coding.end = new[coding.id]
    return [_moved(m, *by_id[m.key]) for m in moved]  # type: ignore[index]


def _moved(m: MovedSpan, coding: Coding, coder: str) -> MovedCoding:
    return MovedCoding(coding.id, coding.code_id, coder, m.old, m.new, m.kinds)
