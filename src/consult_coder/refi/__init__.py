"""REFI-QDA exchange (NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette): codebooks (.qdc) and projects
(.qdpx, or a bare .qde), both ways.

    export_qdc(session) -> bytes
    export_qdpx(session, coder=None) -> bytes
    import_qdc(session, data, actor) -> ImportSummary
    import_qdpx(session, data, actor) -> ImportSummary   (a bare .qde works too)
    import_refi_file(session, path, actor) -> ImportSummary   (by extension: .qdc, .qdpx, .qde)

Imports write inside the caller's unit of work (``with project.session() as s``): all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from consult_coder.errors import UserError
from consult_coder.refi.codebook_qdc import export_qdc, import_qdc
from consult_coder.refi.project_qdpx import export_qdpx, import_qde, import_qdpx
from consult_coder.refi.summary import ImportSummary

REFI_EXTENSIONS = (".qdc", ".qdpx", ".qde")


def import_refi_file(session: Session, path: str | Path, actor: str) -> ImportSummary:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REFI_EXTENSIONS:
        raise UserError(f"{path.name}: not a REFI-QDA file (expected {', '.join(REFI_EXTENSIONS)})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if suffix == ".qdc":
        return import_qdc(session, data, actor, path.name)
    if suffix == ".qde":
        return import_qde(session, data, actor, path.name)
    return import_qdpx(session, data, actor, path.name)


__all__ = ["ImportSummary", "export_qdc", "export_qdpx", "import_qdc", "import_qde", "import_qdpx",
           "import_refi_file"]
