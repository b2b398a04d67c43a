"""REFI-QDA exchange (NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette, qc): codebooks (.qdc) and projects
(.qdpx, or a bare .qde), both ways, checked against the standard's own schemas (bundled).

Every function takes the caller's open session (one unit of work: an import is all or nothing).

    export_qdc(session) -> bytes
    export_qdpx(session, coder=None, *, viewer) -> bytes;  write_qdpx_file(…, *, viewer) streams it
    import_qdc(session, data, actor, name) -> ImportSummary
    import_qdpx(session, data, actor, name) -> ImportSummary   (data: bytes or a path; a bare .qde too)
    import_qde(session, data, actor, name) -> ImportSummary
    import_refi_file(session, path, actor) -> ImportSummary    (by extension: .qdc, .qdpx, .qde)
    check_refi_file(path) -> SchemaCheck;  schema_errors(kind, xml) -> [one line per problem]
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from consult_coder.errors import UserError
from consult_coder.limits import MAX_QDC_BYTES, check_regular_file, read_limited
from consult_coder.refi.codebook_qdc import export_qdc, import_qdc
from consult_coder.refi.project_qdpx import export_qdpx, import_qde, import_qdpx, write_qdpx_file
from consult_coder.refi.summary import ImportSummary
from consult_coder.refi.validate import SchemaCheck, check_refi_file, schema_errors

REFI_EXTENSIONS = (".qdc", ".qdpx", ".qde")


def import_refi_file(session: Session, path: str | Path, actor: str) -> ImportSummary:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REFI_EXTENSIONS:
        raise UserError(f"{path.name}: not a REFI-QDA file (expected {', '.join(REFI_EXTENSIONS)})")
    check_regular_file(path)  # a pipe or a device would hang the reader
    if suffix == ".qdc":
        return import_qdc(session, _read_qdc(path), actor, path.name)
    if suffix == ".qde":
        return import_qde(session, path, actor, path.name)
    return import_qdpx(session, path, actor, path.name)


def _read_qdc(path: Path) -> bytes:
    return read_limited(path, MAX_QDC_BYTES)


__all__ = ["ImportSummary", "SchemaCheck", "check_refi_file", "export_qdc", "export_qdpx", "import_qdc",
           "import_qde", "import_qdpx", "import_refi_file", "schema_errors", "write_qdpx_file"]
