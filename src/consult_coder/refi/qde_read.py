"""Read a REFI-QDA project (``.qde``) into plain data, before anything touches the database.

A project of a million codings is a document of several hundred MB, so it is read as a stream, twice:
:func:`read_project` reads everything but the selections (users, the code tree, variables and cases,
the text sources' headers, notes, links and sets, counting the codings of each source), and
:func:`iter_selections` then hands over one selection at a time. Each element is dropped as soon as
it has been read, so memory stays flat whatever the size of the file.

Pictures, PDFs, audio, video and graphs are counted so the summary can say they were skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element

from consult_coder.errors import UserError
from consult_coder.refi.codes import RefiCode, read_codes
from consult_coder.refi.xml import (
    guid_of,
    iter_events,
    kid,
    kid_text,
    kids,
    local,
    parse_datetime,
    ref_guids,
)

VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
OpenStream = Callable[[], BinaryIO]  # a fresh stream of the .qde each time it is called


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
    whole_source: bool = False  # a Coding of the source itself: the whole text


@dataclass
class RefiSource:
    guid: str
    name: str
    plain_path: str  # internal://…, a bare name (qc), relative://…; "" when the text is inline
    inline_text: str | None
    description: str
    note_refs: list[str]
    created: datetime | None
    values: dict[str, str] = field(default_factory=dict)  # variable guid → value (MAXQDA, ours)
    codings: int = 0  # how many codings its selections hold (counted on the first reading)


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
class RefiSet:
    name: str
    sources: list[str]
    codes: list[str]


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
    links: list[tuple[str, str]] = field(default_factory=list)  # (origin guid, target guid)
    sets: list[RefiSet] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)  # notes on the project itself
    skipped: Counter[str] = field(default_factory=Counter)  # element kind → how many ignored


def _int(el: Element, attr: str, where: str) -> int:
    try:
        return int((el.get(attr) or "").strip())
    except ValueError:
        raise UserError(f"{where}: {attr} {el.get(attr)!r} is not a whole number") from None


def _value(vv: Element) -> str:
    for tag in VALUE_TAGS:
        found = kid(vv, tag)
        if found is not None:
            return (found.text or "").strip()
    return ""


def _values(el: Element) -> dict[str, str]:
    """``{variable guid: value}`` of an element's ``VariableValue`` children."""
    return {guid_of(ref.get("targetGUID")): _value(vv)
            for vv in kids(el, "VariableValue") if (ref := kid(vv, "VariableRef")) is not None}


# --- the first reading: everything but the selections --------------------------------------------

def _users(proj: RefiProject, el: Element, where: str) -> None:
    for user in kids(el, "User"):
        guid = guid_of(user.get("guid"))
        proj.users[guid] = (user.get("name") or user.get("id") or f"user {guid[:8]}").strip()


def _codebook(proj: RefiProject, el: Element, where: str) -> None:
    proj.codes = read_codes(kid(el, "Codes"), where)


def _variables(proj: RefiProject, el: Element, where: str) -> None:
    for var in kids(el, "Variable"):
        proj.variables[guid_of(var.get("guid"))] = (var.get("name") or "").strip()


def _cases(proj: RefiProject, el: Element, where: str) -> None:
    for case in kids(el, "Case"):
        proj.cases.append(RefiCase(guid_of(case.get("guid")), (case.get("name") or "").strip(),
                                   _values(case), ref_guids(case, "SourceRef")))


def _notes(proj: RefiProject, el: Element, where: str) -> None:
    for note in kids(el, "Note"):
        guid = guid_of(note.get("guid"))
        text = kid_text(note, "PlainTextContent").strip() or kid_text(note, "Description").strip()
        proj.notes[guid] = RefiNote(
            guid, (note.get("name") or "").strip(), text, guid_of(note.get("creatingUser")),
            parse_datetime(note.get("creationDateTime")),
            "" if text else (note.get("plainTextPath") or "").strip(),
        )


def _links(proj: RefiProject, el: Element, where: str) -> None:
    for link in kids(el, "Link"):
        origin, target = guid_of(link.get("originGUID")), guid_of(link.get("targetGUID"))
        if origin and target:
            proj.links.append((origin, target))


def _sets(proj: RefiProject, el: Element, where: str) -> None:
    for s in kids(el, "Set"):
        proj.sets.append(RefiSet((s.get("name") or "").strip(), ref_guids(s, "MemberSource"),
                                 ref_guids(s, "MemberCode")))


def _graphs(proj: RefiProject, el: Element, where: str) -> None:
    proj.skipped["Graphs"] += len(el)


def _note_ref(proj: RefiProject, el: Element, where: str) -> None:
    if guid := guid_of(el.get("targetGUID")):
        proj.note_refs.append(guid)


_SECTIONS: dict[str, Callable[[RefiProject, Element, str], None]] = {
    "Users": _users, "CodeBook": _codebook, "Variables": _variables, "Cases": _cases, "Notes": _notes,
    "Links": _links, "Sets": _sets, "Graphs": _graphs, "NoteRef": _note_ref,
}


def _source(proj: RefiProject, el: Element, codings: int) -> None:
    kind = local(el.tag)
    if kind != "TextSource":
        if kind:
            proj.skipped[kind] += 1
        return
    inline = kid(el, "PlainTextContent")
    proj.sources.append(RefiSource(
        guid=guid_of(el.get("guid")), name=el.get("name") or guid_of(el.get("guid")),
        plain_path=(el.get("plainTextPath") or "").strip(),
        inline_text=None if inline is None else (inline.text or ""), description=kid_text(el, "Description"),
        note_refs=ref_guids(el, "NoteRef"), created=parse_datetime(el.get("creationDateTime")),
        values=_values(el), codings=codings,
    ))


def _root(el: Element, where: str) -> RefiProject:
    if local(el.tag) != "Project":
        raise UserError(f"{where}: not a REFI-QDA project (the root element is <{local(el.tag)}>)")
    return RefiProject(name=(el.get("name") or "").strip(), origin=el.get("origin") or "")


def _in_sources(ancestors: list[Element]) -> bool:
    return len(ancestors) >= 2 and local(ancestors[1].tag) == "Sources"


def read_project(open_stream: OpenStream, where: str) -> RefiProject:
    """Everything but the selections; each source's codings are counted."""
    proj: RefiProject | None = None
    codings = 0
    with open_stream() as stream:
        for event, el, ancestors in iter_events(stream, where):
            depth = len(ancestors)
            if event == "start":
                if depth == 0:
                    proj = _root(el, where)
                codings = 0 if depth == 2 else codings
                continue
            if depth == 0 or proj is None:
                continue
            if depth == 3 and _in_sources(ancestors) and local(el.tag) in ("PlainTextSelection", "Coding"):
                codings += len(kids(el, "Coding")) if local(el.tag) == "PlainTextSelection" else 1
            elif depth == 2 and _in_sources(ancestors):
                _source(proj, el, codings)
            elif depth == 1:
                _SECTIONS.get(local(el.tag), lambda *_: None)(proj, el, where)
            else:
                continue
            del ancestors[-1][-1]  # read: drop it
    if proj is None:  # pragma: no cover - the parser refuses a document without a root
        raise UserError(f"{where}: empty document")
    return proj


# --- the second reading: selections, one at a time -----------------------------------------------

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


def _selection(el: Element, where: str) -> RefiSelection:
    return RefiSelection(
        guid_of(el.get("guid")), _int(el, "startPosition", where), _int(el, "endPosition", where),
        guid_of(el.get("creatingUser")), kid_text(el, "Description"), ref_guids(el, "NoteRef"),
        _codings(el, where),
    )


def _whole_source(el: Element, where: str) -> RefiSelection:
    holder = Element("PlainTextSelection")
    holder.append(el)
    return RefiSelection("", 0, 0, "", "", [], _codings(holder, where), whole_source=True)


def iter_selections(open_stream: OpenStream, where: str) -> Iterator[tuple[str, RefiSelection]]:
    """``(source guid, selection)`` for each text selection and each coding of a whole text source,
    in document order."""
    source, here = "", where
    with open_stream() as stream:
        for event, el, ancestors in iter_events(stream, where):
            depth = len(ancestors)
            if event == "start":
                if depth == 2 and _in_sources(ancestors):
                    is_text = local(el.tag) == "TextSource"
                    source = guid_of(el.get("guid")) if is_text else ""
                    here = f"{where}: source {(el.get('name') or source)!r}"
                continue
            kind = local(el.tag)
            if depth == 3 and source and _in_sources(ancestors) and kind == "PlainTextSelection":
                yield source, _selection(el, here)
            elif depth == 3 and source and _in_sources(ancestors) and kind == "Coding":
                yield source, _whole_source(el, here)
            if 1 <= depth <= 3:
                del ancestors[-1][-1]
