"""Write the project as a REFI-QDA ``.qde`` document plus the plain texts of its sources.

Element order follows Project.xsd exactly (Users, CodeBook, Variables, Cases, Sources, Notes, …,
NoteRef). Every GUID is derived from our own ids, so the same project exports to the same file.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import __version__
from consult_coder.errors import UserError
from consult_coder.memos import PROJECT_TARGET
from consult_coder.model import Code, Coder, Coding, Memo, Participant, Transcript
from consult_coder.refi import guids
from consult_coder.refi.codes import write_codes
from consult_coder.refi.xml import PROJECT_NS, to_bytes, xml_datetime
from consult_coder.storage import get_setting

ORIGIN = f"consult-coder {__version__}"
FIELD_VARIABLES = ("group", "role", "age_band")  # Participant columns exported as variables
EXCERPT_CHARS = 60


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


class _Notes:
    """Collects memos as Note elements; returns the GUID each NoteRef points at."""

    def __init__(self, coder_guids: dict[int, str]) -> None:
        self.items: list[tuple[str, str, str, str | None, datetime | None]] = []
        self.coder_guids = coder_guids

    def add(self, key: str, name: str, text: str, coder_id: int | None, created: datetime | None) -> str:
        guid = guids.derived("note", key)
        self.items.append((guid, name, text, self.coder_guids.get(coder_id) if coder_id else None, created))
        return guid

    def write(self, root: Element) -> None:
        if not self.items:
            return
        notes = SubElement(root, "Notes")
        for guid, name, text, user, created in self.items:
            attrs = {"guid": guid, "name": name, "creationDateTime": xml_datetime(created)}
            if user:
                attrs["creatingUser"] = user
            SubElement(SubElement(notes, "Note", attrs), "PlainTextContent").text = text


def build_qde(session: Session, coder: str | None = None) -> tuple[bytes, dict[str, str]]:
    """``(project.qde bytes, {file name in sources/: text})``; ``coder`` limits codings and memos."""
    coders = list(session.scalars(select(Coder).order_by(Coder.name)))
    if coder is not None:
        coders = [c for c in coders if c.name == coder]
        if not coders:
            raise UserError(f"There is no coder named {coder!r} in this project")
    coder_guids = {c.id: guids.coder_guid(c.name) for c in coders}
    coder_ids = set(coder_guids)
    codes = list(session.scalars(select(Code)))
    code_guids = guids.export_code_guids(session, [c.id for c in codes])
    code_names = {c.id: c.name for c in codes}
    transcripts = list(session.scalars(select(Transcript).order_by(Transcript.id)))
    participants = list(session.scalars(select(Participant).order_by(Participant.id)))
    memos = [m for m in session.scalars(select(Memo).order_by(Memo.id))
             if m.text.strip() and (m.coder_id is None or m.coder_id in coder_ids)]
    codings = [c for c in session.scalars(select(Coding).order_by(Coding.transcript_id, Coding.start,
                                                                   Coding.end, Coding.id))
               if c.coder_id in coder_ids]
    notes = _Notes(coder_guids)
    memo_refs: dict[tuple[str, str], list[str]] = defaultdict(list)
    names = {"transcript": {str(t.id): t.title for t in transcripts}, "code": code_names}
    for m in memos:
        target = names.get(m.target_kind, {}).get(m.target_id, m.target_id)
        key = f"memo:{m.target_kind}:{m.target_id}:{m.coder_id or ''}"
        title = "Memo on the project" if m.target_kind == "project" else f"Memo on {m.target_kind} {target}"
        guid = notes.add(key, title, m.text, m.coder_id, m.created_at)
        memo_refs[(m.target_kind, m.target_id)].append(guid)

    created = min((t.imported_at for t in transcripts), default=None)
    root = Element("Project", {
        "xmlns": PROJECT_NS,
        "name": get_setting(session, "project_name", "") or "consult-coder project",
        "origin": ORIGIN,
        "creationDateTime": xml_datetime(created),
        "modifiedDateTime": xml_datetime(datetime.now(UTC)),
    })
    if coders:
        users = SubElement(root, "Users")
        for c in coders:
            SubElement(users, "User", {"guid": coder_guids[c.id], "name": c.name})
    if codes:
        book = SubElement(root, "CodeBook")
        write_codes(book, codes, code_guids,
                    {cid: memo_refs[("code", cid)] for cid in code_names if ("code", cid) in memo_refs})
    _participants(root, participants, transcripts)
    sources: dict[str, str] = {}
    if transcripts:
        sources_el = SubElement(root, "Sources")
        by_transcript: dict[int, list[Coding]] = defaultdict(list)
        for c in codings:
            by_transcript[c.transcript_id].append(c)
        for t in transcripts:
            guid = guids.transcript_guid(t.content_hash)
            sources[f"{guid}.txt"] = t.text
            el = SubElement(sources_el, "TextSource", {
                "guid": guid, "name": t.title, "plainTextPath": f"internal://{guid}.txt",
                "creationDateTime": xml_datetime(t.imported_at),
            })
            if t.front_matter:
                SubElement(el, "Description").text = t.front_matter
            _selections(el, t, by_transcript[t.id], code_guids, coder_guids, code_names, notes)
            for ref in memo_refs[("transcript", str(t.id))]:
                SubElement(el, "NoteRef", {"targetGUID": ref})
    notes.write(root)
    for ref in memo_refs[("project", PROJECT_TARGET)]:
        SubElement(root, "NoteRef", {"targetGUID": ref})
    return to_bytes(root), sources


def _participants(root: Element, participants: list[Participant], transcripts: list[Transcript]) -> None:
    if not participants:
        return
    extra = sorted({k for p in participants for k in (p.attributes or {})} - set(FIELD_VARIABLES))
    names = [*FIELD_VARIABLES, *extra]
    variables = SubElement(root, "Variables")
    for name in names:
        SubElement(variables, "Variable", {"guid": guids.variable_guid(name), "name": name,
                                           "typeOfVariable": "Text"})
    sources_of: dict[str, list[str]] = defaultdict(list)
    for t in transcripts:
        if t.participant_id:
            sources_of[t.participant_id].append(guids.transcript_guid(t.content_hash))
    cases = SubElement(root, "Cases")
    for p in participants:
        case = SubElement(cases, "Case", {"guid": guids.participant_guid(p.id), "name": p.id})
        values = {"group": p.group, "role": p.role, "age_band": p.age_band}
        values.update({k: v for k, v in (p.attributes or {}).items() if k not in FIELD_VARIABLES})
        for name in names:
            value = values.get(name)
            if value is None or str(value) == "":
                continue
            vv = SubElement(case, "VariableValue")
            SubElement(vv, "VariableRef", {"targetGUID": guids.variable_guid(name)})
            SubElement(vv, "TextValue").text = str(value)
        for ref in sources_of[p.id]:
            SubElement(case, "SourceRef", {"targetGUID": ref})


def _selections(el: Element, t: Transcript, codings: list[Coding], code_guids: dict[str, str],
                coder_guids: dict[int, str], code_names: dict[str, str], notes: _Notes) -> None:
    """One PlainTextSelection per coded span; each coder's coding of it inside, memo as a NoteRef."""
    spans: dict[tuple[int, int], list[Coding]] = defaultdict(list)
    for c in codings:
        spans[(c.start, c.end)].append(c)
    seen: set[str] = set()
    for (start, end), group in spans.items():
        first = min(group, key=lambda c: c.id)
        sel = SubElement(el, "PlainTextSelection", {
            "guid": guids.derived("selection", f"{t.content_hash}:{start}:{end}"),
            "name": _excerpt(t.text[start:end]), "startPosition": str(start), "endPosition": str(end),
            "creatingUser": coder_guids[first.coder_id], "creationDateTime": xml_datetime(first.created_at),
        })
        for c in group:
            key = f"{t.content_hash}:{start}:{end}:{c.code_id}:{c.coder_id and coder_guids[c.coder_id]}"
            guid, n = guids.derived("coding", key), 1
            while guid in seen:  # the same code twice on one span by one coder: still distinct
                guid, n = guids.derived("coding", f"{key}:{n}"), n + 1
            seen.add(guid)
            coding = SubElement(sel, "Coding", {"guid": guid, "creatingUser": coder_guids[c.coder_id],
                                                "creationDateTime": xml_datetime(c.created_at)})
            SubElement(coding, "CodeRef", {"targetGUID": code_guids[c.code_id]})
            if c.memo.strip():
                ref = notes.add(f"coding:{guid}", f"Memo on {code_names[c.code_id]} in {t.title}",
                                c.memo, c.coder_id, c.updated_at)
                SubElement(coding, "NoteRef", {"targetGUID": ref})
