"""Import transcripts into a project: parse every file first, then write them all in one unit of work.

A batch with any unreadable file writes nothing and says which file and why, in one line. A file
whose stored text is already in the project (same content hash) is reported as skipped, not added
twice. A participants CSV, when given, is upserted in the same unit of work and links files to
participants. :func:`preview_files` parses without writing, reporting each file's problem instead of
raising, for the Import page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file
from consult_coder.importers.folder import link_participant, select_files
from consult_coder.importers.participants import ParticipantRow, id_key, parse_participants_csv
from consult_coder.model import Participant, Transcript, Turn

Progress = Callable[[int, int, str], None]  # (files done, files in total, file name)


@dataclass
class FileResult:
    """One file of a batch. ``status``: imported | skipped (already in the project) | error in an
    import; ok | duplicate | error in a preview."""

    name: str
    status: str
    message: str = ""
    parsed: ParsedTranscript | None = None
    participant_id: str | None = None
    transcript_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "error"


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # folder files that are no transcripts
    participants_added: list[str] = field(default_factory=list)
    participants_updated: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # earlier imports now linked to a participant

    @property
    def imported(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "imported"]

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "skipped"]

    def summary(self) -> str:
        turns = sum(len(f.parsed.turns) for f in self.imported if f.parsed)
        parts = [f"Imported {len(self.imported)} transcript(s) with {turns} turns"]
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)} already in the project")
        if self.participants_added or self.participants_updated:
            parts.append(f"participants: {len(self.participants_added)} added, "
                         f"{len(self.participants_updated)} updated")
        if self.ignored:
            parts.append(f"ignored {len(self.ignored)} other file(s)")
        return "; ".join(parts) + "."


@dataclass
class Preview:
    files: list[FileResult]
    participants: list[ParticipantRow] = field(default_factory=list)
    participants_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.participants_error is None and all(f.ok for f in self.files)


def import_paths(
    session: Session,
    paths: Iterable[Path | str],
    participants_csv: Path | str | None = None,
    actor: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    """Import files and folders (a participants.csv inside a folder is used unless one is given)."""
    selection = select_files(paths)
    csv_path = Path(participants_csv) if participants_csv else selection.participants_csv
    if not selection.files and csv_path is None:
        raise UserError("No transcript files found (looked for " + ", ".join(_suffixes()) + ")")
    files = [(p.name, _read(p)) for p in selection.files]
    csv_bytes = _read(csv_path) if csv_path else None
    csv_name = csv_path.name if csv_path else "participants.csv"
    report = import_files(session, files, csv_bytes, csv_name, actor=actor, progress=progress)
    report.ignored = selection.ignored
    return report


def import_files(
    session: Session,
    files: Sequence[tuple[str, bytes]],
    participants_csv_bytes: bytes | None = None,
    participants_csv_name: str = "participants.csv",
    actor: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    """Import in-memory files (e.g. browser uploads) as (name, bytes) pairs, all or nothing."""
    if not files and participants_csv_bytes is None:
        raise UserError("Nothing to import: choose transcript files or a participants CSV")
    rows = parse_participants_csv(participants_csv_bytes, participants_csv_name) \
        if participants_csv_bytes is not None else []
    results = _parse_all(files, progress)
    failed = [r for r in results if not r.ok]
    if failed:
        more = f" (and {len(failed) - 1} more file(s) with problems)" if len(failed) > 1 else ""
        raise UserError(f"{failed[0].message}{more}; nothing was imported")
    try:
        return _write(session, results, rows, participants_csv_name, actor)
    except IntegrityError:  # another import stored the same text between our check and our insert
        raise UserError("Another import wrote some of these transcripts at the same time; nothing was "
                        "imported: run the import again") from None


def preview_files(
    session: Session | None,
    files: Sequence[tuple[str, bytes]],
    participants_csv_bytes: bytes | None = None,
    participants_csv_name: str = "participants.csv",
    progress: Progress | None = None,
) -> Preview:
    """Parse without writing: each file ok, duplicate (already in the project ``session`` reads; with
    None, only duplicates within the batch) or error."""
    preview = Preview(files=_parse_all(files, progress))
    if participants_csv_bytes is not None:
        try:
            preview.participants = parse_participants_csv(participants_csv_bytes, participants_csv_name)
        except UserError as exc:
            preview.participants_error = str(exc)
    known: list[str] = []
    stored: dict[str, int] = {}
    if session is not None:
        known = list(session.scalars(select(Participant.id)))
        stored = _stored_hashes(session, [r.parsed for r in preview.files if r.parsed])
    seen: dict[str, str] = {}
    for r in preview.files:
        if r.parsed is None:
            continue
        try:
            r.participant_id = _participant_for(r.parsed, preview.participants, known, participants_csv_name)
        except UserError as exc:
            r.status, r.message = "error", str(exc)
            continue
        digest = r.parsed.content_hash
        if digest in stored:
            r.status, r.message = "duplicate", "already in the project: will be skipped"
        elif digest in seen:
            r.status, r.message = "duplicate", f"same text as {seen[digest]}: will be skipped"
        seen.setdefault(digest, r.name)
    return preview


def _parse_all(files: Sequence[tuple[str, bytes]], progress: Progress | None) -> list[FileResult]:
    results: list[FileResult] = []
    for done, (name, data) in enumerate(files, start=1):
        try:
            parsed = parse_file(name, data)
            found = f"{len(parsed.turns)} turns"
            results.append(FileResult(name, "ok", found, parsed, parsed.participant_id))
        except UserError as exc:
            results.append(FileResult(name, "error", str(exc)))
        except Exception as exc:  # a reader bug must still name the file, in one line
            results.append(FileResult(name, "error", f"{name}: could not be read ({type(exc).__name__})"))
        if progress:
            progress(done, len(files), name)
    return results


def _participant_for(
    parsed: ParsedTranscript, rows: list[ParticipantRow], known: list[str], csv_name: str
) -> str | None:
    pid = link_participant(parsed, rows, known)
    if pid is None or not rows:
        return pid
    listed = {id_key(r.id) for r in rows} | {id_key(k) for k in known}
    if id_key(pid) not in listed:
        raise UserError(f"{parsed.source_name}: participant {pid} is not in {csv_name}")
    return pid


def _stored_hashes(session: Session, parsed: list[ParsedTranscript]) -> dict[str, int]:
    hashes = [p.content_hash for p in parsed]
    if not hashes:
        return {}
    found = session.execute(
        select(Transcript.content_hash, Transcript.id).where(Transcript.content_hash.in_(hashes))
    )
    return {h: i for h, i in found}


def _write(
    session: Session, results: list[FileResult], rows: list[ParticipantRow], csv_name: str, actor: str
) -> ImportReport:
    report = ImportReport(files=results)
    existing = {p.id: p for p in session.scalars(select(Participant))}
    before = _upsert_participants(session, rows, existing, report)
    # Link every file before writing any, so an unknown participant aborts the whole batch.
    for r in results:
        assert r.parsed is not None
        r.participant_id = _participant_for(r.parsed, rows, list(existing), csv_name)
    stored = _stored_hashes(session, [r.parsed for r in results if r.parsed])
    new_in_batch: dict[str, FileResult] = {}
    for r in results:
        assert r.parsed is not None
        digest = r.parsed.content_hash
        if digest in stored:
            _skip(session, r, stored[digest], "already in the project", existing, report)
        elif digest in new_in_batch:
            first = new_in_batch[digest]
            _skip(session, r, first.transcript_id, f"same text as {first.name}", existing, report)
        else:
            _store(session, r, existing, report)
            new_in_batch[digest] = r
    if report.imported or report.participants_added or report.participants_updated or report.linked:
        _record(session, actor, report, before)
    return report


def _skip(session: Session, r: FileResult, transcript_id: int | None, why: str,
          existing: dict[str, Participant], report: ImportReport) -> None:
    """A file whose text is already stored: not added twice, but linked to its participant if it was not."""
    r.status, r.transcript_id, r.message = "skipped", transcript_id, why
    _link_if_unlinked(session, r, existing, report)


def _store(session: Session, r: FileResult, existing: dict[str, Participant], report: ImportReport) -> None:
    """A new transcript, and its participant if the project has not heard of them yet."""
    assert r.parsed is not None
    if r.participant_id and r.participant_id not in existing:
        existing[r.participant_id] = Participant(id=r.participant_id, group="", role="", age_band="",
                                                 attributes={})
        session.add(existing[r.participant_id])
        report.participants_added.append(r.participant_id)
    r.transcript_id = _add_transcript(session, r.parsed, r.participant_id)
    r.status, r.message = "imported", f"{len(r.parsed.turns)} turns"


def _record(session: Session, actor: str, report: ImportReport, before: dict[str, Any]) -> None:
    audit.transcripts_imported(
        session, actor,
        transcripts=[audit.ImportedTranscript(id=r.transcript_id, source_name=r.name,
                                              participant_id=r.participant_id) for r in report.imported],
        participants_before=before, participants_added=report.participants_added,
        participants_updated=report.participants_updated, linked=report.linked,
        skipped=[r.name for r in report.skipped],
    )


def _upsert_participants(
    session: Session, rows: list[ParticipantRow], existing: dict[str, Participant], report: ImportReport
) -> dict[str, Any]:
    """Add or update the CSV's participants; returns the updated ones' previous values (for audit)."""
    by_key = {id_key(pid): p for pid, p in existing.items()}
    before: dict[str, Any] = {}
    for row in rows:
        values = {"group": row.group, "role": row.role, "age_band": row.age_band}
        current = by_key.get(id_key(row.id))
        if current is None:
            current = Participant(id=row.id, attributes=dict(row.attributes), **values)
            session.add(current)
            existing[row.id] = by_key[id_key(row.id)] = current
            report.participants_added.append(row.id)
            continue
        attributes = {**(current.attributes or {}), **row.attributes}
        old = {"group": current.group, "role": current.role, "age_band": current.age_band,
               "attributes": dict(current.attributes or {})}
        if old != {**values, "attributes": attributes}:
            before[current.id] = old
            for key, value in values.items():
                setattr(current, key, value)
            current.attributes = attributes
            report.participants_updated.append(current.id)
    session.flush()
    return before


def _link_if_unlinked(
    session: Session, r: FileResult, existing: dict[str, Participant], report: ImportReport
) -> None:
    """A transcript imported before its participants CSV gets linked when the CSV comes."""
    transcript = session.get(Transcript, r.transcript_id) if r.transcript_id else None
    if transcript is None or transcript.participant_id or not r.participant_id:
        return
    if r.participant_id in existing:
        transcript.participant_id = r.participant_id
        r.message += f"; linked to participant {r.participant_id}"
        report.linked.append(r.name)


def _add_transcript(session: Session, parsed: ParsedTranscript, participant_id: str | None) -> int:
    transcript = Transcript(
        participant_id=participant_id,
        title=parsed.title[:255],
        text=parsed.text,
        content_hash=parsed.content_hash,
        source_name=parsed.source_name[:255],
        source_format=parsed.source_format,
        front_matter=parsed.front_matter,
    )
    transcript.turns = [
        Turn(index=i, speaker=t.speaker, speaker_kind=t.speaker_kind, start=t.start, end=t.end,
             cue_start=t.cue_start, cue_end=t.cue_end)
        for i, t in enumerate(parsed.turns)
    ]
    session.add(transcript)
    session.flush()
    return transcript.id


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


def _suffixes() -> list[str]:
    from consult_coder.importers import SUPPORTED

    return list(SUPPORTED)
