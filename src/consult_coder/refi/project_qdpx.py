"""REFI-QDA projects: export as ``.qdpx``, import a ``.qdpx`` archive or a bare ``.qde`` document."""

from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from consult_coder.errors import UserError
from consult_coder.importers.encoding import decode_text
from consult_coder.refi.archive import QdpxArchive, is_zip, open_qdpx, write_qdpx
from consult_coder.refi.project_import import apply_project
from consult_coder.refi.qde_read import RefiProject, read_project
from consult_coder.refi.qde_write import build_qde
from consult_coder.refi.summary import ImportSummary


def export_qdpx(session: Session, coder: str | None = None) -> bytes:
    """The project as a .qdpx zip; ``coder`` (a name, or "consensus") exports only that coder's codings
    and memos (shared memos always); None exports every coder's."""
    qde, sources = build_qde(session, coder)
    return write_qdpx(qde, sources)


def import_qdpx(session: Session, data: bytes, actor: str, name: str = "project.qdpx") -> ImportSummary:
    """Import a .qdpx archive, or a bare .qde document."""
    if not is_zip(data):
        return import_qde(session, data, actor, name)
    archive = open_qdpx(data, name)
    proj = read_project(archive.qde, archive.qde_name)
    texts = {}
    for src in proj.sources:
        if src.inline_text is not None:
            texts[src.guid] = src.inline_text
            continue
        texts[src.guid] = _archived_text(archive, src.plain_path, f"source {src.name!r}", name)
    for note in proj.notes.values():
        if note.plain_path and not note.text:
            note.text = _archived_text(archive, note.plain_path, f"note {note.name!r}", name).strip()
    summary = ImportSummary(name)
    _add_skipped_notes(proj, summary)
    apply_project(session, proj, texts, actor, "qdpx", summary)
    return summary


def _archived_text(archive: QdpxArchive, path: str, what: str, name: str) -> str:
    if not path:
        raise UserError(f"{name}: {what} has neither plain text in the archive nor inline text")
    if not path.startswith("internal://"):
        raise UserError(f"{name}: the text of {what} is outside the archive ({path})")
    data = archive.source(path)
    if data is None:
        file = PurePosixPath(path.split("://", 1)[1]).name
        raise UserError(f"{name}: {what}: its text file sources/{file} is missing from the archive")
    return decode_text(data, f"{name}: sources/{PurePosixPath(path).name}")


def import_qde(session: Session, data: bytes, actor: str, name: str = "project.qde") -> ImportSummary:
    """Import a bare .qde: codes, users, cases, notes, and the sources whose text is inline.

    A .qde on its own does not hold the files its sources point to, so those sources (and the codings
    on them) are skipped and listed in the summary rather than refusing the whole import.
    """
    proj = read_project(data, name)
    texts = {s.guid: s.inline_text for s in proj.sources if s.inline_text is not None}
    summary = ImportSummary(name)
    missing = [s for s in proj.sources if s.guid not in texts]
    if missing:
        codings = sum(len(sel.codings) for s in missing for sel in s.selections) + sum(
            len(s.codings) for s in missing)
        listed = ", ".join(repr(s.name) for s in missing[:3]) + (" …" if len(missing) > 3 else "")
        summary.notes.append(
            f"{len(missing)} text sources skipped, with {codings} codings: their text files are not in a "
            f"bare .qde (import the .qdpx to get them): {listed}")
    for note in proj.notes.values():
        if note.plain_path and not note.text:
            summary.notes.append(f"note {note.name!r} skipped: its text file is not in a bare .qde")
    _add_skipped_notes(proj, summary)
    apply_project(session, proj, texts, actor, "qde", summary)
    return summary


def _add_skipped_notes(proj: RefiProject, summary: ImportSummary) -> None:
    media = {k: n for k, n in proj.skipped.items() if k.endswith("Source")}
    if media:
        kinds = ", ".join(f"{n} {k.removesuffix('Source').lower()}" for k, n in sorted(media.items()))
        summary.notes.append(f"{sum(media.values())} non-text sources skipped ({kinds}): "
                             "only text is imported")
    if proj.skipped.get("Links") or proj.skipped.get("Graphs"):
        summary.notes.append("links and network graphs are not imported")
