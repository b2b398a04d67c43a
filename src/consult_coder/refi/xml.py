"""Safe XML for REFI-QDA files: parsing that refuses entities, matching by local element name, and an
incremental writer.

Files come from many tools and versions (``urn:QDA-XML:project:1.0``, ``…:project:0:10``,
``…:codebook:0:4`` …), so elements are found by their local name whatever their namespace.
Parsing goes through defusedxml, so a "billion laughs" or an external entity never expands; large
projects are read as a stream of events (``iterparse``) rather than one tree.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml import ElementTree as SafeET

from consult_coder.errors import UserError
from consult_coder.limits import MAX_XML_DEPTH as MAX_DEPTH

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_BOM = b"\xef\xbb\xbf"


def parse_xml(data: bytes, name: str) -> Element:
    """The root element of ``data``; one-line UserError naming ``name`` for anything unsafe or broken."""
    data = data.removeprefix(_BOM).lstrip()  # some tools write a BOM, some a blank line first
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, DefusedXmlException, ParseError) as exc:
        raise _xml_error(exc, name) from None
    _check_depth(root, name)  # the readers walk code trees recursively
    return root


def _check_depth(root: Element, name: str) -> None:
    level = [root]
    for _ in range(MAX_DEPTH):
        level = [child for el in level for child in el]
        if not level:
            return
    raise UserError(f"{name}: elements nested more than {MAX_DEPTH} deep")


def _xml_error(exc: Exception, name: str) -> UserError:
    if isinstance(exc, EntitiesForbidden):
        return UserError(f"{name}: XML entities are not allowed")
    if isinstance(exc, DefusedXmlException):
        return UserError(f"{name}: external references in XML are not allowed")
    line, column = getattr(exc, "position", (0, 0))
    return UserError(f"{name}: not well-formed XML (line {line}, column {column + 1})")


def _skip_leading(stream: BinaryIO) -> BinaryIO:
    """Skip a BOM and blank lines before the XML declaration, as :func:`parse_xml` does."""
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
    while True:
        head = buffered.peek(64)[:64]  # type: ignore[attr-defined]
        skip = len(head) - len(head.removeprefix(_BOM).lstrip())
        if not skip:
            return buffered  # type: ignore[return-value]
        buffered.read(skip)


def iter_events(stream: BinaryIO, name: str) -> Iterator[tuple[str, Element, list[Element]]]:
    """``(event, element, ancestors)`` for each start and end, read as a stream.

    The caller removes what it has handled (``ancestors[-1].remove`` is not needed: an ended element
    is always its parent's last child, so ``del parent[-1]`` is constant time), keeping memory flat.
    """
    stack: list[Element] = []
    try:
        for event, elem in SafeET.iterparse(_skip_leading(stream), events=("start", "end"),
                                            forbid_dtd=False, forbid_entities=True, forbid_external=True):
            if event == "start":
                if len(stack) >= MAX_DEPTH:
                    raise UserError(f"{name}: elements nested more than {MAX_DEPTH} deep")
                yield event, elem, stack
                stack.append(elem)
            else:
                stack.pop()
                yield event, elem, stack
    except (EntitiesForbidden, DefusedXmlException, ParseError) as exc:
        raise _xml_error(exc, name) from None


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
    """GUIDs compare case-insensitively and may come in braces: one canonical (lower-case) form."""
    return (value or "").strip().strip("{}").lower()


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


def xml_datetime(dt: datetime) -> str:
    """xsd:dateTime in UTC; the database may hand back naive datetimes (SQLite), which are UTC."""
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


_PLAIN_ATTRIBUTE = re.compile('[^&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]*')
_PLAIN_TEXT = re.compile("[^&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]*")


def _attribute(value: str) -> str:
    """Quoted for an attribute; most values (GUIDs, numbers, dates) need nothing done."""
    return f'"{value}"' if _PLAIN_ATTRIBUTE.fullmatch(value) else quoteattr(_NOT_XML.sub("", value))


def _text(value: str) -> str:
    return value if _PLAIN_TEXT.fullmatch(value) else escape(_NOT_XML.sub("", value))


class XmlWriter:
    """Writes one XML document to a binary stream as it goes, indented two spaces per level like
    :func:`to_bytes`, so a project of a million codings never sits in memory as a tree."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=False)
        self.open: list[str] = []
        self.out.write("<?xml version='1.0' encoding='utf-8'?>")

    def _tag(self, tag: str, attrs: dict[str, str]) -> str:
        return " ".join([tag, *(f"{k}={_attribute(v)}" for k, v in attrs.items())])

    def start(self, tag: str, attrs: dict[str, str] | None = None) -> None:
        self.out.write(f"\n{'  ' * len(self.open)}<{self._tag(tag, attrs or {})}>")
        self.open.append(tag)

    def end(self) -> None:
        tag = self.open.pop()
        self.out.write(f"\n{'  ' * len(self.open)}</{tag}>")

    def leaf(self, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> None:
        head = f"\n{'  ' * len(self.open)}<{self._tag(tag, attrs or {})}"
        if text:
            self.out.write(f"{head}>{_text(text)}</{tag}>")
        else:
            self.out.write(f"{head} />")

    def element(self, el: Element) -> None:
        """A small tree built with ElementTree (the code book), written in place."""
        children = list(el)
        attrs = {k: v for k, v in el.attrib.items()}
        if not children:
            self.leaf(el.tag, attrs, el.text)
            return
        self.start(el.tag, attrs)
        for child in children:
            self.element(child)
        self.end()

    def close(self) -> None:
        while self.open:
            self.end()
        self.out.write("\n")
        self.out.flush()
        self.out.detach()
