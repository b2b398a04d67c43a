"""Check REFI-QDA files against the standard's own schemas (QDA-XML 1.0, bundled in ``schemas/``, MIT).

Every export can be checked before it leaves (``consult-coder export qdpx --check``), and any .qdpx,
.qde or .qdc file on demand (``consult-coder refi check FILE``). Files are read as they are
validated (lazily), so a large project is checked in bounded memory; entities are refused, and an
archive is opened with the same guards as an import.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO, Literal

import xmlschema

from consult_coder.errors import UserError
from consult_coder.refi.archive import is_zip, open_qdpx

SCHEMAS = Path(__file__).resolve().parent / "schemas"
Kind = Literal["project", "codebook"]
_FILES: dict[Kind, str] = {"project": "Project.xsd", "codebook": "Codebook.xsd"}
MAX_REPORTED = 5
REASON_CHARS = 160


@cache
def schema(kind: Kind) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / _FILES[kind]))


def schema_errors(kind: Kind, xml: bytes | BinaryIO, limit: int = MAX_REPORTED) -> list[str]:
    """Up to ``limit`` problems, one line each ("/Project/Sources/TextSource: …"); [] when valid."""
    source = io.BytesIO(xml) if isinstance(xml, bytes) else xml
    try:
        resource = xmlschema.XMLResource(source, lazy=True, defuse="always")
        errors = []
        for err in schema(kind).iter_errors(resource):
            reason = " ".join(str(err.reason or err.message).split())
            if len(reason) > REASON_CHARS:
                reason = reason[: REASON_CHARS - 1] + "…"
            errors.append(f"{err.path or '/'}: {reason}")
            if len(errors) >= limit:
                break
        return errors
    except (xmlschema.XMLResourceError, xmlschema.XMLSchemaException, SyntaxError) as exc:
        if type(exc).__name__ == "XMLResourceForbidden":  # its module moved between xmlschema versions
            return ["XML entities are not allowed"]
        return [f"not well-formed XML ({' '.join(str(exc).split())[:REASON_CHARS]})"]


@dataclass(frozen=True)
class SchemaCheck:
    name: str
    kind: Kind
    errors: list[str]

    @property
    def valid(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        what = f"REFI-QDA {self.kind} (QDA-XML 1.0 {_FILES[self.kind]})"
        if self.valid:
            return f"{self.name}: valid {what}"
        return "\n".join([f"{self.name}: not a valid {what}:", *(f"  {e}" for e in self.errors)])


def check_refi_file(path: str | Path, suffix: str | None = None) -> SchemaCheck:
    """Validate a .qdc, .qde or .qdpx file (the .qde inside the archive) against its schema;
    ``suffix`` says which when the file's own name does not (a temporary file)."""
    path = Path(path)
    suffix = (suffix or path.suffix).lower()
    if suffix not in (".qdc", ".qde", ".qdpx"):
        raise UserError(f"{path.name}: not a REFI-QDA file (expected .qdc, .qde or .qdpx)")
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if suffix == ".qdc":
        with open(path, "rb") as fh:
            return SchemaCheck(path.name, "codebook", schema_errors("codebook", fh))
    if not is_zip(path):
        with open(path, "rb") as fh:
            return SchemaCheck(path.name, "project", schema_errors("project", fh))
    # The lazy validator reads its source more than once: copy the .qde out (streamed, with the
    # import's size and ratio guards) to a temporary file it can rewind.
    with open_qdpx(path, path.name) as archive, archive.open_qde() as qde, tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(qde, copy, 1024 * 1024)
        copy.seek(0)
        return SchemaCheck(f"{path.name} ({archive.qde_name})", "project", schema_errors("project", copy))
