"""Finding text: a plain-text search across transcripts, and every segment coded with a code.

Offsets in results are code points of the stored text (Python ``str`` indices), end exclusive, the same
as codings, so a hit or a segment can be opened in context at exactly that place.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer, coder_clause
from consult_coder.errors import UserError
from consult_coder.model import Coder, Coding, Participant, Transcript, Turn

CONTEXT = 60  # characters of text shown either side of a hit
MAX_QUERY = 500


@dataclass(frozen=True)
class SearchHit:
    transcript_id: int
    transcript_title: str
    participant_id: str | None
    group: str
    role: str
    speaker: str
    start: int
    end: int
    before: str  # snippet = before + match + after; kept apart so the match can be highlighted
    match: str
    after: str

    @property
    def snippet(self) -> str:
        return f"{self.before}{self.match}{self.after}"


@dataclass(frozen=True)
class Segment:
    coding_id: int
    transcript_id: int
    transcript_title: str
    start: int
    end: int
    quote: str
    participant_id: str | None
    group: str
    role: str
    speaker: str
    coder: str
    memo: str
    pinned: bool
    origin: str


def _pattern(query: str, case_sensitive: bool, whole_word: bool) -> re.Pattern[str]:
    # Stored text is NFC; a query typed or pasted in another form must be too, or "é" would not match.
    body = re.escape(unicodedata.normalize("NFC", query))
    if whole_word:
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    lo, hi = max(0, start - width), min(len(text), end + width)
    # Widen to whole words at the cut so a snippet does not begin or end mid-word.
    while lo > 0 and not text[lo - 1].isspace() and start - lo < width + 20:
        lo -= 1
    while hi < len(text) and not text[hi].isspace() and hi - end < width + 20:
        hi += 1
    before = ("…" if lo > 0 else "") + text[lo:start].lstrip()
    after = text[end:hi].rstrip() + ("…" if hi < len(text) else "")
    return before.replace("\n", " "), after.replace("\n", " ")


def search(session: Session, query: str, transcript_id: int | None = None, *, case_sensitive: bool = False,
           whole_word: bool = False, limit: int | None = 1000, context: int = CONTEXT) -> list[SearchHit]:
    """Every occurrence of ``query`` (plain text, not a pattern) in one transcript or all of them,
    in transcript order then text order; at most ``limit`` hits."""
    if not query or not query.strip():
        return []
    if len(query) > MAX_QUERY:
        raise UserError(f"Search: the text to find is longer than {MAX_QUERY} characters")
    pattern = _pattern(query, case_sensitive, whole_word)
    q = (
        select(Transcript.id, Transcript.title, Transcript.text, Transcript.participant_id,
               Participant.group, Participant.role)
        .outerjoin(Participant, Participant.id == Transcript.participant_id)
        .order_by(Transcript.participant_id, Transcript.title, Transcript.id)
    )
    if transcript_id is not None:
        if session.get(Transcript, transcript_id) is None:
            raise UserError(f"Search: no transcript with id {transcript_id}")
        q = q.where(Transcript.id == transcript_id)
    found: list[tuple] = []
    for tid, title, text, pid, group, role in session.execute(q):
        for m in pattern.finditer(text):
            if m.end() > m.start():
                found.append((tid, title, text, pid, group or "", role or "", m.start(), m.end()))
                if limit is not None and len(found) >= limit:
                    break
        if limit is not None and len(found) >= limit:
            break
    speakers = _speakers(session, {f[0] for f in found})
    hits = []
    for tid, title, text, pid, group, role, start, end in found:
        before, after = _context(text, start, end, context)
        hits.append(SearchHit(tid, title, pid, group, role, _speaker_at(speakers.get(tid), start),
                              start, end, before, text[start:end], after))
    return hits


def _speakers(session: Session, transcript_ids: set[int]) -> dict[int, tuple[list[int], list[str]]]:
    """Per transcript, turn start offsets (sorted) and their speakers: one query for all hits."""
    out: dict[int, tuple[list[int], list[str]]] = {}
    if not transcript_ids:
        return out
    q = (select(Turn.transcript_id, Turn.start, Turn.speaker)
         .where(Turn.transcript_id.in_(transcript_ids)).order_by(Turn.transcript_id, Turn.start))
    for tid, start, speaker in session.execute(q):
        starts, names = out.setdefault(tid, ([], []))
        starts.append(start)
        names.append(speaker)
    return out


def _speaker_at(turns: tuple[list[int], list[str]] | None, offset: int) -> str:
    if not turns:
        return ""
    i = bisect.bisect_right(turns[0], offset) - 1
    return turns[1][i] if i >= 0 else ""


def coded_segments(session: Session, code_id: str, *, viewer: Viewer, coder: str | None = None,
                   group: str | None = None) -> list[Segment]:
    """Every segment coded with ``code_id`` that ``viewer`` may see (optionally by one coder, or from one
    participant group), with its quote and who said it, from a single SQL query."""
    # SUBSTR counts characters (code points) on both SQLite and PostgreSQL, matching our offsets.
    quote = func.substr(Transcript.text, Coding.start + 1, Coding.end - Coding.start)
    speaker = (
        select(Turn.speaker)
        .where(Turn.transcript_id == Coding.transcript_id, Turn.start <= Coding.start)
        .order_by(Turn.start.desc())
        .limit(1)
        .correlate(Coding)
        .scalar_subquery()
    )
    q = (
        select(Coding.id, Coding.transcript_id, Transcript.title, Coding.start, Coding.end, quote,
               Transcript.participant_id, Participant.group, Participant.role, speaker, Coder.name,
               Coding.memo, Coding.pinned, Coding.origin)
        .join(Transcript, Transcript.id == Coding.transcript_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .outerjoin(Participant, Participant.id == Transcript.participant_id)
        .where(Coding.code_id == code_id, coder_clause(viewer))
        .order_by(Transcript.participant_id, Transcript.title, Coding.start, Coding.end, Coder.name)
    )
    if coder is not None:
        q = q.where(Coder.name == coder)
    if group is not None:
        q = q.where(Participant.group == group)
    return [
        Segment(cid, tid, title, start, end, text, pid, grp or "", role or "", spk or "", name, memo or "",
                bool(pinned), origin)
        for cid, tid, title, start, end, text, pid, grp, role, spk, name, memo, pinned, origin
        in session.execute(q)
    ]
