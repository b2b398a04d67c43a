"""REFI-QDA codebooks (``.qdc``): the codes with their nesting, colours and descriptions."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import __version__
from consult_coder.errors import UserError
from consult_coder.model import Code
from consult_coder.refi.code_import import import_codes
from consult_coder.refi.codes import read_codes, write_codes
from consult_coder.refi.guids import export_code_guids
from consult_coder.refi.summary import ImportSummary
from consult_coder.refi.xml import CODEBOOK_NS, kid, local, parse_xml, to_bytes

ORIGIN = f"consult-coder {__version__}"


def export_qdc(session: Session) -> bytes:
    """The project's whole codebook (archived codes too, marked not codable) as a .qdc file."""
    codes = list(session.scalars(select(Code)))
    if not codes:
        raise UserError("The project has no codes to export")
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": ORIGIN})
    write_codes(root, codes, export_code_guids(session, [c.id for c in codes]))
    return to_bytes(root)


def import_qdc(session: Session, data: bytes, actor: str, name: str = "codebook.qdc") -> ImportSummary:
    """Add and update codes from a .qdc (any tool's)."""
    root = parse_xml(data, name)
    if local(root.tag) != "CodeBook":
        raise UserError(f"{name}: not a REFI-QDA codebook (the root element is <{local(root.tag)}>)")
    # Only Codes matter here; Sets (even the empty <Sets/> Taguette writes) are not needed.
    roots = read_codes(kid(root, "Codes"), name)
    if not roots:
        raise UserError(f"{name}: the codebook has no codes")
    summary = ImportSummary(name)
    result = import_codes(session, roots, actor)
    summary.codes_added, summary.codes_updated = len(result.added), len(result.updated)
    return summary
