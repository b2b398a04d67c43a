"""Read a REFI-QDA project (``.qde``) into plain data, before anything touches the database.

Only what consult-coder can hold is read: users, the code tree, variables and cases, text sources
with their selections and codings, notes, and sets (ATLAS.ti's "gender: female" document groups).
Pictures, PDFs, audio, video, links and graphs are counted so the summary can say they were skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from consult_coder.errors import UserError
from consult_coder.refi.codes import RefiCode, read_codes
from consult_coder.refi.xml import guid_of, kid, kid_text, kids, local, parse_datetime, parse_xml, ref_guids

TEXT_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


@dataclass
class RefiCoding:
    guid: str
    code_guid: str
    user: str  # user guid, "" when the file does not say
    created: datetime | None
    note_refs: list[str]


@dataclass
class RefiSelection:
    guid: str
    start: int
    end: int
    user: str
    description: str
    note_refs: list[str]
    codings: list[RefiCoding]


@dataclass
class RefiSource:
    guid: str
    name: str
    plain_path: str  # internal://… or relative://…; "" when the text is inline
    inline_text: str | None
    description: str
    selections: list[RefiSelection]
    codings: list[RefiCoding]  # codings of the whole source
    note_refs: list[str]
    created: datetime | None


@dataclass
class RefiNote:
    guid: str
    name: str
    text: str
    user: str
    created: datetime | None
    plain_path: str = ""  # the text may be a file in sources/ instead of inline


@dataclass
class RefiCase:
    guid: str
    name: str
    values: dict[str, str]  # variable guid → value as text
    sources: list[str]


@dataclass
class RefiProject:
    name: str
    origin: str
    users: dict[str, str] = field(default_factory=dict)  # guid → name
    codes: list[RefiCode] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # guid → name
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: dict[str, RefiNote] = field(default_factory=dict)
    sets: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, member source guids)
    note_refs: list[str] = field(default_factory=list)  # notes on the project itself
    skipped: Counter[str] = field(default_factory=Counter)  # element kind → how many ignored

    @property
    def counts_crlf_as_one(self) -> bool:
        """ATLAS.ti counts a \\r\\n line ending as one character."""
        return "atlas.ti" in self.origin.casefold()


def _int(el: Element, attr: str, where: str) -> int:
    try:
        return int((el.get(attr) or "").strip())
    except ValueError:
        raise UserError(f"{where}: {attr} {el.get(attr)!r} is not a whole number") from None


def _codings(el: Element, where: str) -> list[RefiCoding]:
    found = []
    for c in kids(el, "Coding"):
        ref = kid(c, "CodeRef")
        code = guid_of(ref.get("targetGUID")) if ref is not None else ""
        if not code:
            raise UserError(f"{where}: a coding has no CodeRef")
        found.append(RefiCoding(guid_of(c.get("guid")), code, guid_of(c.get("creatingUser")),
                                parse_datetime(c.get("creationDateTime")), ref_guids(c, "NoteRef")))
    return found


def _text_source(el: Element, where: str) -> RefiSource:
    name = el.get("name") or guid_of(el.get("guid"))
    here = f"{where}: source {name!r}"
    inline = kid(el, "PlainTextContent")
    selections = []
    for sel in kids(el, "PlainTextSelection"):
        selections.append(RefiSelection(
            guid_of(sel.get("guid")), _int(sel, "startPosition", here), _int(sel, "endPosition", here),
            guid_of(sel.get("creatingUser")), kid_text(sel, "Description"), ref_guids(sel, "NoteRef"),
            _codings(sel, here),
        ))
    return RefiSource(
        guid=guid_of(el.get("guid")), name=name, plain_path=(el.get("plainTextPath") or "").strip(),
        inline_text=None if inline is None else (inline.text or ""), description=kid_text(el, "Description"),
        selections=selections, codings=_codings(el, here), note_refs=ref_guids(el, "NoteRef"),
        created=parse_datetime(el.get("creationDateTime")),
    )


def _value(vv: Element) -> str:
    for tag in TEXT_VALUE_TAGS:
        found = kid(vv, tag)
        if found is not None:
            return (found.text or "").strip()
    return ""


def read_project(data: bytes, where: str) -> RefiProject:
    root = parse_xml(data, where)
    if local(root.tag) != "Project":
        raise UserError(f"{where}: not a REFI-QDA project (the root element is <{local(root.tag)}>)")
    proj = RefiProject(name=root.get("name") or "", origin=root.get("origin") or "")
    for user in kids(kid(root, "Users"), "User"):
        guid = guid_of(user.get("guid"))
        proj.users[guid] = (user.get("name") or user.get("id") or f"user {guid[:8]}").strip()
    proj.codes = read_codes(kid(kid(root, "CodeBook"), "Codes"), where)
    for var in kids(kid(root, "Variables"), "Variable"):
        proj.variables[guid_of(var.get("guid"))] = (var.get("name") or "").strip()
    for case in kids(kid(root, "Cases"), "Case"):
        values = {guid_of(kid(vv, "VariableRef").get("targetGUID")): _value(vv)  # type: ignore[union-attr]
                  for vv in kids(case, "VariableValue") if kid(vv, "VariableRef") is not None}
        proj.cases.append(RefiCase(guid_of(case.get("guid")), (case.get("name") or "").strip(), values,
                                   ref_guids(case, "SourceRef")))
    for src in kid(root, "Sources") if kid(root, "Sources") is not None else []:
        kind = local(src.tag)
        if kind == "TextSource":
            proj.sources.append(_text_source(src, where))
        elif kind:
            proj.skipped[kind] += 1
    for note in kids(kid(root, "Notes"), "Note"):
        guid = guid_of(note.get("guid"))
        text = kid_text(note, "PlainTextContent").strip() or kid_text(note, "Description").strip()
        proj.notes[guid] = RefiNote(
            guid, (note.get("name") or "").strip(), text, guid_of(note.get("creatingUser")),
            parse_datetime(note.get("creationDateTime")),
            "" if text else (note.get("plainTextPath") or "").strip(),
        )
    for s in kids(kid(root, "Sets"), "Set"):
        proj.sets.append(((s.get("name") or "").strip(), ref_guids(s, "MemberSource")))
    proj.note_refs = ref_guids(root, "NoteRef")
    for kind in ("Links", "Graphs"):
        if kid(root, kind) is not None:
            proj.skipped[kind] += len(list(kid(root, kind)))  # type: ignore[arg-type]
    return proj
