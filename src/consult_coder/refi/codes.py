"""Codes in REFI-QDA XML: reading nested ``Code`` elements, writing them, and the description layout.

REFI-QDA gives a code one free-text ``Description``. Ours has a definition and three guidance fields,
so the description is the definition followed by labelled lines that :func:`parse_description`
reads back (and another tool's user can read as they are)::

    Warm, non-judgemental understanding of what the young person feels.

    When to use: the clinician names or reflects a feeling.
    When not to use: advice giving.
    Example: "That sounds really frightening."
    Patterns: ["sounds really frightening", [{"LEMMA": "hear"}, {"LOWER": "you"}]]
    Code id: empathy

REFI-QDA has no field for suggestion patterns, so they travel as that ``Patterns:`` line: one line of
JSON (see :mod:`consult_coder.suggestions.patterns`), written only when the code has patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement

from consult_coder.errors import UserError
from consult_coder.model import Code
from consult_coder.refi.xml import colour_of, guid_of, kid, kids, ref_guids
from consult_coder.suggestions.patterns import to_json

LABELS = {  # field → label, in the order written
    "when_to_use": "When to use",
    "when_not_to_use": "When not to use",
    "example": "Example",
    "patterns": "Patterns",
    "id": "Code id",
}
GUIDANCE = ("definition", "when_to_use", "when_not_to_use", "example")
_LABEL_LINE = re.compile(
    r"^[ \t]*(" + "|".join(re.escape(v) for v in LABELS.values()) + r")[ \t]*:[ \t]*", re.I | re.M
)
_FIELD_OF = {label.casefold(): key for key, label in LABELS.items()}


def _field_text(code: Code, key: str) -> str:
    if key == "id":
        return code.id
    if key == "patterns":
        return to_json(code.patterns) if code.patterns else ""
    return getattr(code, key) or ""


def compose_description(code: Code) -> str:
    labelled = [
        f"{label}: {value.strip()}" for key, label in LABELS.items() if (value := _field_text(code, key))
    ]
    return "\n\n".join(p for p in ((code.definition or "").strip(), "\n".join(labelled)) if p)


def parse_description(text: str) -> dict[str, str]:
    """``definition``, ``when_to_use``, ``when_not_to_use``, ``example``; maybe ``patterns`` and ``id``."""
    found = {key: "" for key in GUIDANCE}
    matches = list(_LABEL_LINE.finditer(text))
    found["definition"] = (text[: matches[0].start()] if matches else text).strip()
    for m, nxt in zip(matches, [*matches[1:], None], strict=False):
        key = _FIELD_OF[m.group(1).casefold()]
        value = text[m.end() : nxt.start() if nxt else len(text)].strip()
        if value and not found.get(key):
            found[key] = value
    return found


@dataclass
class RefiCode:
    guid: str
    name: str
    colour: str | None
    description: str | None  # None: the file has no Description (keep what the project has)
    codable: bool = True
    note_refs: list[str] = field(default_factory=list)
    children: list[RefiCode] = field(default_factory=list)


def read_codes(codes_el: Element | None, where: str) -> list[RefiCode]:
    """The code tree under a ``Codes`` element (any namespace)."""
    seen: set[str] = set()

    def read(el: Element, path: str) -> RefiCode:
        name = (el.get("name") or "").strip()
        if not name:
            raise UserError(f"{where}: a code under {path or 'the codebook'!r} has no name")
        guid = guid_of(el.get("guid"))
        if not guid:
            raise UserError(f"{where}: code {name!r} has no guid")
        if guid in seen:
            raise UserError(f"{where}: guid {guid} is used by more than one code (second: {name!r})")
        seen.add(guid)
        desc = kid(el, "Description")
        code = RefiCode(
            guid=guid,
            name=name,
            colour=colour_of(el.get("color")),
            description=None if desc is None else (desc.text or ""),
            codable=(el.get("isCodable") or "true").strip().lower() not in ("false", "0"),
            note_refs=ref_guids(el, "NoteRef"),
        )
        code.children = [read(child, f"{path}/{name}") for child in kids(el, "Code")]
        return code

    return [read(el, "") for el in kids(codes_el, "Code")]


def write_codes(
    parent: Element,
    codes: list[Code],
    guids: dict[str, str],
    note_refs: dict[str, list[str]] | None = None,
    archived_codable: bool = False,
) -> Element:
    """A ``Codes`` element holding ``codes`` nested by ``parent_id``, siblings by sort order.

    An archived code is not for new coding (``isCodable="false"``), except where its codings travel
    with it (``archived_codable``, in projects): other tools drop codings of a code that is not codable.
    Element order follows the schemas: Description, NoteRef* (project files only), then child Codes.
    """
    ids = {c.id for c in codes}
    children: dict[str | None, list[Code]] = {}
    for c in sorted(codes, key=lambda c: (c.sort_order, c.name.casefold(), c.id)):
        children.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    codes_el = SubElement(parent, "Codes")

    def put(into: Element, code: Code) -> None:
        codable = not code.archived or archived_codable
        attrs = {"guid": guids[code.id], "name": code.name, "isCodable": "true" if codable else "false"}
        if colour := colour_of(code.colour):
            attrs["color"] = colour
        el = SubElement(into, "Code", attrs)
        SubElement(el, "Description").text = compose_description(code)
        for target in (note_refs or {}).get(code.id, []):
            SubElement(el, "NoteRef", {"targetGUID": target})
        for child in children.get(code.id, []):
            put(el, child)

    for root in children.get(None, []):
        put(codes_el, root)
    return codes_el
