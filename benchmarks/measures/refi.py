"""REFI-QDA: the project exported as .qdpx and imported again into an empty project, against
ElementTree + zipfile reading and writing the same archive."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.timing import compare, runs
from consult_coder.access import Viewer
from consult_coder.errors import UserError
from consult_coder.refi import export_qdpx, import_qdpx
from consult_coder.storage import Project

BASELINE = "ElementTree + zipfile, the same archive"


def bare_roundtrip(data: bytes) -> bytes:
    """Read every member, parse project.qde, write it all back: what the format costs by itself."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename.endswith(".qde"):
                raw = ET.tostring(ET.fromstring(raw), encoding="utf-8", xml_declaration=True)
            dst.writestr(info.filename, raw)
    return out.getvalue()


def _export(project: Project) -> bytes:
    with project.session() as s:
        return export_qdpx(s, None, viewer=Viewer.everyone())


@measure("qdpx", rows=("qdpx.export", "qdpx.import"))
def qdpx(b: Bench) -> list[Row]:
    project = b.study("sqlite")
    data = _export(project)
    exp, base = compare(lambda _: _export(project), lambda _: bare_roundtrip(data), b.repeat())
    rows = [Row.timed("qdpx.export", f".qdpx export ({b.size.codings:,} codings)", exp, base, BASELINE,
                      note=f"{len(data) / 2**20:.1f} MB archive")]
    problem: list[str] = []

    def reimport(target: Project) -> Any:
        try:
            with target.session() as s:
                return import_qdpx(s, data, "bench", "project.qdpx")
        except UserError as exc:
            problem.append(str(exc))
            return None

    imp = runs(reimport, b.repeat(), setup=lambda: b.new_project("sqlite"))
    if problem:
        rows.append(Row.failed("qdpx.import", ".qdpx re-import of that export", f"refused: {problem[0]}"))
    else:
        rows.append(Row.timed("qdpx.import", ".qdpx re-import of that export into an empty project", imp,
                              base, BASELINE))
    return rows
