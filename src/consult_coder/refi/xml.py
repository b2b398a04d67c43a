"""Safe XML for REFI-QDA files: parsing that refuses entities, and matching by local element name.

Files come from many tools and versions (``urn:QDA-XML:project:1.0``, ``…:project:0:10``,
``…:codebook:0:4`` …), so elements are found by their local name whatever their namespace.
Parsing goes through defusedxml, so a "billion laughs" or an external entity never expands.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml import ElementTree as SafeET

from consult_coder.errors import UserError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_BOM = b"\xef\xbb\xbf"


def parse_xml(data: bytes, name: str) -> Element:
    """The root element of ``data``; one-line UserError naming ``name`` for anything unsafe or broken."""
    data = data.removeprefix(_BOM).lstrip()  # some tools write a BOM, some a blank line first
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden:
        raise UserError(f"{name}: XML entities are not allowed") from None
    except DefusedXmlException:
        raise UserError(f"{name}: external references in XML are not allowed") from None
    except ParseError as exc:
        line, column = exc.position
        raise UserError(f"{name}: not well-formed XML (line {line}, column {column + 1})") from None


def local(tag: object) -> str:
    """``{urn:QDA-XML:project:1.0}Code`` → ``Code`` (comments and processing instructions → "")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kids(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if local(c.tag) == name]


def kid(el: Element | None, name: str) -> Element | None:
    found = kids(el, name)
    return found[0] if found else None


def kid_text(el: Element | None, name: str) -> str:
    found = kid(el, name)
    return (found.text or "") if found is not None else ""


def guid_of(value: str | None) -> str:
    """GUIDs compare case-insensitively and may come in braces: one canonical form."""
    return (value or "").strip().strip("{}").upper()


def ref_guids(el: Element | None, name: str) -> list[str]:
    """The ``targetGUID`` of each ``<name>`` child (NoteRef, SourceRef, MemberSource …)."""
    return [g for g in (guid_of(c.get("targetGUID")) for c in kids(el, name)) if g]


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def xml_datetime(dt: datetime | None) -> str:
    """xsd:dateTime in UTC; the database may hand back naive datetimes (SQLite), which are UTC."""
    dt = dt or datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def colour_of(value: str | None) -> str | None:
    """``#ABC`` / ``#AaBbCc`` → ``#aabbcc``; anything else → None."""
    m = _COLOUR.match((value or "").strip())
    if not m:
        return None
    hexes = m.group(1)
    if len(hexes) == 3:
        hexes = "".join(ch * 2 for ch in hexes)
    return "#" + hexes.lower()


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def to_bytes(root: Element) -> bytes:
    """Indented UTF-8 with a declaration. Tags are written unqualified and the root carries the
    ``xmlns`` attribute, so every element is in the file's one default namespace. Control characters
    XML 1.0 cannot hold (a stray form feed from a Word export) are dropped from memos and names."""
    for el in root.iter():
        if el.text:
            el.text = _NOT_XML.sub("", el.text)
        for key, value in el.attrib.items():
            el.attrib[key] = _NOT_XML.sub("", value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
