"""Write the project as a REFI-QDA ``.qde`` document, streamed, plus the plain texts it points to.

Element order follows Project.xsd exactly (Users, CodeBook, Variables, Cases, Sources, Notes, Links,
Sets, NoteRef). Every GUID is derived from our own ids (lower case) and every date from the data, the
project's own dates from its last change, so an unchanged project exports to the same bytes. What
other tools read (see docs/refi.md): one ``PlainTextSelection`` per coded span, coder and memo, with
the coder as ``creatingUser`` and the coding memo as its ``Description``; other memos as Notes with
their text inline and as a file; each participant's values as Cases, as variables on their sources
and as document Sets ("group: young people"); archived codes as codable codes in an "Archived codes"
set, so their codings are never dropped.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import __version__, audit
from consult_coder.analysis.labels import GROUP_PLURAL, attribute_label
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Memo, Participant, Transcript
from consult_coder.refi import guids
from consult_coder.refi.codes import write_codes
from consult_coder.refi.project_import import ARCHIVED_SET, PROJECT_NAME_SETTING
from consult_coder.refi.xml import PROJECT_NS, XmlWriter, xml_datetime
from consult_coder.storage import get_setting

ORIGIN = f"consult-coder {__version__}"
FIELD_VARIABLES = ("group", "role", "age_band")  # Participant columns exported as variables
SOURCE_VARIABLE = "Participant"  # on each source: whose transcript it is (then "Participant group", …)
EXCERPT_CHARS = 60
NO_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # an empty project has no dates of its own
STREAM_ROWS = 10_000


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Note:
    guid: str
    name: str
    text: str
    user: str | None
    created: datetime
    target_kind: str
    target_guid: str

    @property
    def file(self) -> str:
        return f"{self.guid}.txt"


@dataclass
class _Export:
    """Everything small the document needs, read once; codings are streamed separately."""

    coder_ids: dict[int, str]  # coder id → user guid
    coders: list[Coder]
    codes: list[Code]
    code_guids: dict[str, str]
    transcripts: list[Transcript]  # without their text (deferred)
    participants: list[Participant]
    notes: list[_Note] = field(default_factory=list)
    created: datetime = NO_DATE
    modified: datetime = NO_DATE

    def transcript_guid(self, t: Transcript) -> str:
        return guids.transcript_guid(t.content_hash)


# --- reading what is exported -------------------------------------------------------------------

def _coders(session: Session, coder: str | None) -> list[Coder]:
    coders = list(session.scalars(select(Coder).order_by(Coder.name)))
    if coder is not None:
        coders = [c for c in coders if c.name == coder]
        if not coders:
            raise UserError(f"There is no coder named {coder!r} in this project")
    return coders


def _dates(session: Session) -> tuple[datetime, datetime]:
    """The project's first and last change: from the audit trail and the rows' own dates."""
    first_event, last_event = audit.event_span(session)
    firsts = [first_event, *(session.scalar(select(func.min(col)))
                             for col in (Transcript.imported_at, Coder.created_at))]
    lasts = [last_event, *(session.scalar(select(func.max(col))) for col in (
        Coding.updated_at, Code.updated_at, Memo.updated_at, Transcript.imported_at))]
    known = [_utc(d) for d in [*firsts, *lasts] if d is not None]
    if not known:
        return NO_DATE, NO_DATE
    return min(known), max(known)


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _memo_notes(session: Session, ex: _Export) -> list[_Note]:
    coder_names = {c.id: c.name for c in ex.coders}
    titles = {str(t.id): (t.title, ex.transcript_guid(t)) for t in ex.transcripts}
    code_names = {c.id: c.name for c in ex.codes}
    notes, taken = [], set()
    for m in session.scalars(select(Memo).order_by(Memo.target_kind, Memo.target_id, Memo.id)):
        if not m.text.strip() or (m.coder_id is not None and m.coder_id not in ex.coder_ids):
            continue
        if m.target_kind == "transcript" and m.target_id in titles:
            about, target = f"transcript {titles[m.target_id][0]}", titles[m.target_id][1]
        elif m.target_kind == "code" and m.target_id in code_names:
            about, target = f"code {code_names[m.target_id]}", ex.code_guids[m.target_id]
        elif m.target_kind == "project":
            about, target = "the project", ""
        else:
            continue
        name = _unique(f"Memo on {about} ({coder_names.get(m.coder_id, 'shared')})", taken)
        key = f"memo:{m.target_kind}:{m.target_id}:{coder_names.get(m.coder_id, '')}"
        notes.append(_Note(guids.derived("note", key), name, m.text,
                           ex.coder_ids.get(m.coder_id) if m.coder_id else None, _utc(m.created_at),
                           m.target_kind, target))
    return notes


def _unique(name: str, taken: set[str]) -> str:
    """QualCoder turns notes into journals, whose names must differ."""
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate, n = f"{name} {n}", n + 1
    taken.add(candidate.casefold())
    return candidate


def _load(session: Session, coder: str | None) -> _Export:
    coders = _coders(session, coder)
    codes = list(session.scalars(select(Code)))
    transcripts = list(session.scalars(select(Transcript).order_by(Transcript.id)
                                       .options(_defer_text())))
    ex = _Export(
        coder_ids={c.id: guids.coder_guid(c.name) for c in coders}, coders=coders, codes=codes,
        code_guids=guids.export_code_guids(session, [c.id for c in codes]), transcripts=transcripts,
        participants=list(session.scalars(select(Participant).order_by(Participant.id))),
    )
    ex.notes = _memo_notes(session, ex)
    ex.created, ex.modified = _dates(session)
    return ex


def _defer_text() -> Any:
    from sqlalchemy.orm import defer

    return defer(Transcript.text)


def _transcript_text(session: Session, transcript_id: int) -> str:
    return session.scalar(select(Transcript.text).where(Transcript.id == transcript_id)) or ""


def source_files(session: Session, coder: str | None = None) -> Iterator[tuple[str, str]]:
    """``(file name in sources/, text)`` for each transcript and each memo note, one at a time.
    The coder is checked now, before any file is written."""
    ex = _load(session, coder)

    def files() -> Iterator[tuple[str, str]]:
        for t in ex.transcripts:
            yield f"{ex.transcript_guid(t)}.txt", _transcript_text(session, t.id)
        for note in ex.notes:
            yield note.file, note.text

    return files()


# --- writing ------------------------------------------------------------------------------------

def write_qde(session: Session, out: BinaryIO, coder: str | None = None) -> None:
    """Stream ``project.qde`` into ``out``; ``coder`` limits codings and memos to one coder's."""
    ex = _load(session, coder)
    w = XmlWriter(out)
    w.start("Project", {
        "xmlns": PROJECT_NS,
        "name": get_setting(session, PROJECT_NAME_SETTING, "") or "consult-coder project",
        "origin": ORIGIN, "creationDateTime": xml_datetime(ex.created),
        "modifiedDateTime": xml_datetime(ex.modified),
    })
    _users(w, ex)
    _codebook(w, ex)
    variables = _variables(w, ex)
    _cases(w, ex, variables)
    _sources(w, session, ex, variables)
    _notes(w, ex)
    _links(w, ex)
    _sets(w, ex)
    for note in ex.notes:
        if note.target_kind == "project":
            w.leaf("NoteRef", {"targetGUID": note.guid})
    w.close()


def _users(w: XmlWriter, ex: _Export) -> None:
    if ex.coders:
        w.start("Users")
        for c in ex.coders:
            w.leaf("User", {"guid": ex.coder_ids[c.id], "name": c.name})
        w.end()


def _codebook(w: XmlWriter, ex: _Export) -> None:
    if not ex.codes:
        return
    refs: dict[str, list[str]] = defaultdict(list)
    by_guid = {g: cid for cid, g in ex.code_guids.items()}
    for note in ex.notes:
        if note.target_kind == "code":
            refs[by_guid[note.target_guid]].append(note.guid)
    book = Element("CodeBook")
    write_codes(book, ex.codes, ex.code_guids, refs, archived_codable=True)
    w.element(book)


@dataclass(frozen=True)
class _Variable:
    name: str  # as shown in other tools
    key: str  # the participant field or attribute it holds ("" for the participant id)
    on_source: bool

    @property
    def guid(self) -> str:
        return guids.variable_guid(self.name if not self.on_source else f"source:{self.name}")


def _participant_values(p: Participant) -> dict[str, str]:
    values = {"group": p.group, "role": p.role, "age_band": p.age_band}
    values.update({k: str(v) for k, v in (p.attributes or {}).items() if k not in FIELD_VARIABLES})
    return {k: str(v) for k, v in values.items() if v is not None and str(v) != ""}


def _variables(w: XmlWriter, ex: _Export) -> list[_Variable]:
    """Case variables by their own names; source variables as "Participant", "Participant group" …
    (QualCoder keeps case and file attributes apart by name)."""
    if not ex.participants:
        return []
    extra = sorted({k for p in ex.participants for k in (p.attributes or {})} - set(FIELD_VARIABLES))
    keys = [*FIELD_VARIABLES, *extra]
    variables = [_Variable(k, k, False) for k in keys]
    variables += [_Variable(SOURCE_VARIABLE, "", True)]
    variables += [_Variable(f"{SOURCE_VARIABLE} {attribute_label(k).lower()}", k, True) for k in keys]
    w.start("Variables")
    for v in variables:
        w.leaf("Variable", {"guid": v.guid, "name": v.name, "typeOfVariable": "Text"})
    w.end()
    return variables


def _variable_values(w: XmlWriter, variables: list[_Variable], values: dict[str, str]) -> None:
    for v in variables:
        if value := values.get(v.key):
            w.start("VariableValue")
            w.leaf("VariableRef", {"targetGUID": v.guid})
            w.leaf("TextValue", text=value)
            w.end()


def _cases(w: XmlWriter, ex: _Export, variables: list[_Variable]) -> None:
    if not ex.participants:
        return
    sources_of: dict[str, list[str]] = defaultdict(list)
    for t in ex.transcripts:
        if t.participant_id:
            sources_of[t.participant_id].append(ex.transcript_guid(t))
    w.start("Cases")
    for p in ex.participants:
        w.start("Case", {"guid": guids.participant_guid(p.id), "name": p.id})
        _variable_values(w, [v for v in variables if not v.on_source], _participant_values(p))
        for ref in sources_of[p.id]:
            w.leaf("SourceRef", {"targetGUID": ref})
        w.end()
    w.end()


def _coding_rows(session: Session, ex: _Export) -> Iterator[Any]:
    stmt = (select(Coding.transcript_id, Coding.start, Coding.end, Coding.coder_id, Coding.memo,
                   Coding.code_id, Coding.created_at)
            .where(Coding.coder_id.in_(list(ex.coder_ids)))
            .order_by(Coding.transcript_id, Coding.start, Coding.end, Coding.coder_id, Coding.memo,
                      Coding.code_id, Coding.id)
            .execution_options(yield_per=STREAM_ROWS))
    return iter(session.execute(stmt))


def _sources(w: XmlWriter, session: Session, ex: _Export, variables: list[_Variable]) -> None:
    if not ex.transcripts:
        return
    participants = {p.id: p for p in ex.participants}
    by_transcript = itertools.groupby(_coding_rows(session, ex), key=lambda r: r.transcript_id)
    pending = next(by_transcript, None)
    w.start("Sources")
    for t in ex.transcripts:
        while pending is not None and pending[0] < t.id:  # codings of a transcript not exported: none
            pending = next(by_transcript, None)
        rows = pending[1] if pending is not None and pending[0] == t.id else iter(())
        _text_source(w, session, ex, t, rows)
        p = participants.get(t.participant_id or "")
        if p is not None:
            _variable_values(w, [v for v in variables if v.on_source], {"": p.id, **_participant_values(p)})
        w.end()
        if pending is not None and pending[0] == t.id:
            pending = next(by_transcript, None)
    w.end()


def _text_source(w: XmlWriter, session: Session, ex: _Export, t: Transcript, rows: Iterator[Any]) -> None:
    """A TextSource's opening and its selections; the caller adds variable values and closes it."""
    guid = ex.transcript_guid(t)
    w.start("TextSource", {"guid": guid, "name": t.title, "plainTextPath": f"internal://{guid}.txt",
                           "creationDateTime": xml_datetime(_utc(t.imported_at))})
    if t.front_matter:
        w.leaf("Description", text=t.front_matter)
    text: str | None = None
    coder_names = {c.id: c.name for c in ex.coders}
    spans = itertools.groupby(rows, key=lambda r: (r.start, r.end, r.coder_id))
    for (start, end, coder_id), same_span in spans:
        text = _transcript_text(session, t.id) if text is None else text
        for n, (memo, group) in enumerate(itertools.groupby(same_span, key=lambda r: r.memo)):
            key = f"{t.content_hash}:{start}:{end}:{coder_names[coder_id]}"
            _selection(w, ex, key, n, text[start:end], start, end, coder_id, memo, list(group))


def _selection(w: XmlWriter, ex: _Export, key: str, n: int, excerpt: str, start: int, end: int,
               coder_id: int, memo: str, codings: list[Any]) -> None:
    """One coder's codings of one span that share a memo: the memo is the selection's Description."""
    user = ex.coder_ids[coder_id]
    w.start("PlainTextSelection", {
        "guid": guids.derived("selection", f"{key}:{n}" if n else key), "name": _excerpt(excerpt),
        "startPosition": str(start), "endPosition": str(end), "creatingUser": user,
        "creationDateTime": xml_datetime(_utc(min(c.created_at for c in codings))),
    })
    if memo.strip():
        w.leaf("Description", text=memo)
    seen: set[str] = set()
    for c in codings:
        coding_key = f"{key}:{c.code_id}"
        guid, dup = guids.derived("coding", coding_key), 1
        while guid in seen:  # the same code twice on one span by one coder: still distinct
            guid, dup = guids.derived("coding", f"{coding_key}:{n}:{dup}"), dup + 1
        seen.add(guid)
        w.start("Coding", {"guid": guid, "creatingUser": user,
                           "creationDateTime": xml_datetime(_utc(c.created_at))})
        w.leaf("CodeRef", {"targetGUID": ex.code_guids[c.code_id]})
        w.end()
    w.end()


def _notes(w: XmlWriter, ex: _Export) -> None:
    """Each memo as a Note with its text inline and as a file (QualCoder and NVivo read the file)."""
    if not ex.notes:
        return
    w.start("Notes")
    for note in ex.notes:
        attrs = {"guid": note.guid, "name": note.name, "plainTextPath": f"internal://{note.file}"}
        if note.user:
            attrs["creatingUser"] = note.user
        attrs["creationDateTime"] = xml_datetime(note.created)
        w.start("Note", attrs)
        w.leaf("PlainTextContent", text=note.text)
        w.end()
    w.end()


def _links(w: XmlWriter, ex: _Export) -> None:
    """A memo on a transcript is linked to it (as ATLAS.ti and NVivo link memos), not NoteRef'd from
    the source: QualCoder takes a source's NoteRef for a text annotation and drops the memo."""
    linked = [n for n in ex.notes if n.target_kind == "transcript"]
    if not linked:
        return
    w.start("Links")
    for note in linked:
        w.leaf("Link", {"guid": guids.derived("link", note.guid), "name": "Memo on", "direction": "OneWay",
                        "originGUID": note.guid, "targetGUID": note.target_guid})
    w.end()


def _attribute_sets(ex: _Export) -> dict[str, list[str]]:
    """"group: young people", "gender: female" … → the sources of the participants they describe."""
    of_participant: dict[str, list[str]] = defaultdict(list)
    for t in ex.transcripts:
        if t.participant_id:
            of_participant[t.participant_id].append(ex.transcript_guid(t))
    sets: dict[str, list[str]] = defaultdict(list)
    for p in ex.participants:
        for key, value in _participant_values(p).items():
            shown = GROUP_PLURAL.get(value, value).lower() if key == "group" else value
            sets[f"{key}: {shown}"].extend(of_participant[p.id])
    return {name: members for name, members in sorted(sets.items()) if members}


def _sets(w: XmlWriter, ex: _Export) -> None:
    archived = [ex.code_guids[c.id] for c in sorted(ex.codes, key=lambda c: c.id) if c.archived]
    attribute_sets = _attribute_sets(ex)
    if not archived and not attribute_sets:
        return
    w.start("Sets")
    if archived:
        w.start("Set", {"guid": guids.derived("set", ARCHIVED_SET), "name": ARCHIVED_SET})
        w.leaf("Description", text="Codes archived in consult-coder: kept for their codings, not for new "
                                   "coding.")
        for guid in archived:
            w.leaf("MemberCode", {"targetGUID": guid})
        w.end()
    for name, members in attribute_sets.items():
        w.start("Set", {"guid": guids.derived("set", name), "name": name})
        for guid in members:
            w.leaf("MemberSource", {"targetGUID": guid})
        w.end()
    w.end()
