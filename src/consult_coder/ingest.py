"""Import transcripts into a project: every file of a batch in one transaction, all or nothing.

The import runs in two phases so coders can keep saving while it runs. First every file is read and
parsed (:data:`CHUNK` at a time) and spooled to a temporary file, writing nothing: on SQLite the
database is not locked while the slow part runs, and memory stays flat however many files a batch has.
Only then are the staged transcripts written, in one short transaction (bulk inserts, no parsing),
so the write lock a coder's save may wait for is held for a moment, not for the whole import; any
problem rolls the whole transaction back.
A batch with any unreadable file writes nothing and says which file and why, in one line. A file
whose stored text is already in the project (same content hash) is reported as skipped, not added
twice. A participants CSV, when given, is upserted in the same unit of work and links files to
participants. :func:`preview_files` parses without writing, reporting each file's problem instead of
raising, for the Import page.
"""

from __future__ import annotations

import gc
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import require_lead
from consult_coder.anonymity.redact import Choice
from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file
from consult_coder.importers.folder import ParticipantLinker, select_files
from consult_coder.importers.participants import ParticipantRow, id_key, parse_participants_csv
from consult_coder.limits import check_width, read_limited
from consult_coder.model import Participant, Transcript, Turn

Progress = Callable[[int, int, str], None]  # (files done, files in total, file name)
CHUNK = 50  # files parsed, then spooled, at a time; then written at a time: bounds the memory


@dataclass
class FileResult:
    """One file of a batch. ``status``: imported | skipped (already in the project) | error in an
    import; ok | duplicate | error in a preview."""

    name: str
    status: str
    message: str = ""
    parsed: ParsedTranscript | None = None  # kept by a preview; an import lets it go once written
    participant_id: str | None = None
    transcript_id: int | None = None
    turns: int = 0
    redacted: int = 0  # identifiers replaced before import

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
        turns = sum(f.turns for f in self.imported)
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
    files = _FilesOnDisk(selection.files)
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
    redactions: Mapping[str, Sequence[Choice]] | None = None,
) -> ImportReport:
    """Import in-memory files (e.g. browser uploads) as (name, bytes) pairs, all or nothing.

    ``redactions`` maps a file's name to the choices for the anonymity check's findings in it (as
    :func:`consult_coder.anonymity.scan_parsed` lists them for the preview): the file is imported with
    those identifiers replaced by placeholders."""
    require_lead(session, actor, "Importing transcripts")
    if not files and participants_csv_bytes is None:
        raise UserError("Nothing to import: choose transcript files or a participants CSV")
    rows = _parse_participants(participants_csv_bytes, participants_csv_name) \
        if participants_csv_bytes is not None else []
    try:
        return _import(session, files, rows, participants_csv_name, actor, progress, redactions or {})
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
            preview.participants = _parse_participants(participants_csv_bytes, participants_csv_name)
        except UserError as exc:
            preview.participants_error = str(exc)
    known: list[str] = []
    stored: dict[str, int] = {}
    if session is not None:
        known = list(session.scalars(select(Participant.id)))
        stored = _stored_hashes(session, [r.parsed for r in preview.files if r.parsed])
    linker = ParticipantLinker(preview.participants, known)
    seen: dict[str, str] = {}
    for r in preview.files:
        if r.parsed is None:
            continue
        try:
            r.participant_id = _participant_for(r.parsed, linker, bool(preview.participants),
                                                participants_csv_name)
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
    return [r for chunk in _parsed_chunks(files, progress) for r in chunk]


def _parsed_chunks(
    files: Sequence[tuple[str, bytes]], progress: Progress | None
) -> Iterator[list[FileResult]]:
    """Files read and parsed :data:`CHUNK` at a time (a file is only read when its turn comes)."""
    chunk: list[FileResult] = []
    for done, (name, data) in enumerate(files, start=1):
        chunk.append(_parse_one(name, data))
        del data
        if progress:
            progress(done, len(files), name)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_one(name: str, data: bytes) -> FileResult:
    try:
        parsed = parse_file(name, data)
        _check_fits(name, parsed)
    except UserError as exc:
        return FileResult(name, "error", str(exc))
    except Exception as exc:  # a reader bug must still name the file, in one line
        return FileResult(name, "error", f"{name}: could not be read ({type(exc).__name__})")
    return FileResult(name, "ok", f"{len(parsed.turns)} turns", parsed, parsed.participant_id,
                      turns=len(parsed.turns))


# PostgreSQL refuses a value longer than its column, SQLite stores it: the same one line on both,
# naming the file, before anything is written.

def _check_fits(name: str, parsed: ParsedTranscript) -> None:
    check_width(name, Transcript, "source_name", name, "the file name")
    for speaker in dict.fromkeys(t.speaker for t in parsed.turns):
        check_width(name, Turn, "speaker", speaker, f"the speaker name {speaker[:20]!r}…")


def _parse_participants(data: bytes, name: str) -> list[ParticipantRow]:
    rows = parse_participants_csv(data, name)
    for row in rows:
        for field_name, value, label in (("id", row.id, "participant_id"), ("role", row.role, "role"),
                                          ("age_band", row.age_band, "age_band")):
            check_width(f"{name} line {row.line}", Participant, field_name, value, label)
    return rows


def _participant_for(
    parsed: ParsedTranscript, linker: ParticipantLinker, has_rows: bool, csv_name: str
) -> str | None:
    """The transcript's participant (checked against the CSV when there is one). Once it is known, turns
    labelled with that participant's own id are marked as theirs (the one place that knows the id)."""
    pid = linker(parsed)
    if pid is not None:
        _own_label_is_the_participant(parsed, pid)
    if pid is None or not has_rows:
        return pid
    if id_key(pid) not in linker.spelled:  # the CSV's ids and the project's
        raise UserError(f"{parsed.source_name}: participant {pid} is not in {csv_name}")
    return pid


def _own_label_is_the_participant(parsed: ParsedTranscript, pid: str) -> None:
    """Turns labelled with the transcript's own participant id ("Q07:", "I12:") are that participant's,
    although "Q" and "I" with a number are usually the interviewer's labels."""
    key = id_key(pid)
    parsed.turns = [replace(t, speaker_kind="participant")
                    if t.speaker_kind == "interviewer" and id_key(t.speaker) == key else t
                    for t in parsed.turns]


def _stored_hashes(session: Session, parsed: list[ParsedTranscript]) -> dict[str, int]:
    hashes = [p.content_hash for p in parsed]
    if not hashes:
        return {}
    found = session.execute(
        select(Transcript.content_hash, Transcript.id).where(Transcript.content_hash.in_(hashes))
    )
    return {h: i for h, i in found}


def _import(
    session: Session, files: Sequence[tuple[str, bytes]], rows: list[ParticipantRow], csv_name: str,
    actor: str, progress: Progress | None, redactions: Mapping[str, Sequence[Choice]],
) -> ImportReport:
    """Parse and stage every file, then write them all; a problem found while parsing raises before
    anything is written, one while writing rolls the caller's transaction back."""
    report = ImportReport()
    existing = {p.id: p for p in session.scalars(select(Participant))}
    linker = ParticipantLinker(rows, list(existing))
    with tempfile.TemporaryFile(prefix="consult-coder-import-") as spool:
        # Phase 1: parse and stage, writing nothing to the project.
        _stage(files, progress, report, linker, bool(rows), csv_name, spool, redactions)
        # Phase 2: write what was staged, a chunk in memory at a time.
        before = _upsert_participants(session, rows, existing, report)
        new_in_batch: dict[str, FileResult] = {}
        spool.seek(0)
        for i in range(0, len(report.files), CHUNK):
            chunk = report.files[i:i + CHUNK]
            for r in chunk:
                r.parsed = pickle.load(spool)
            _write_chunk(session, chunk, existing, report, new_in_batch)
            for r in chunk:
                r.parsed = None  # written: the text need not stay in memory
    if report.imported or report.participants_added or report.participants_updated or report.linked:
        _record(session, actor, report, before)
    return report


def _stage(
    files: Sequence[tuple[str, bytes]], progress: Progress | None, report: ImportReport,
    linker: ParticipantLinker, has_rows: bool, csv_name: str, spool: IO[bytes],
    redactions: Mapping[str, Sequence[Choice]],
) -> None:
    """Parse every file and spool the parsed transcripts (our own data, to our own temporary file);
    on any problem keep parsing (to count the files with problems), then raise."""
    failed: list[FileResult] = []
    unlinked: UserError | None = None  # a file whose participant is not in the CSV
    for chunk in _parsed_chunks(files, progress):
        report.files += chunk
        failed += [r for r in chunk if not r.ok]
        if failed or unlinked:
            continue
        try:
            for r in chunk:
                assert r.parsed is not None
                r.participant_id = _participant_for(r.parsed, linker, has_rows, csv_name)
        except UserError as exc:
            unlinked = exc
            continue
        for r in chunk:
            if r.name in redactions and r.parsed is not None:
                r.parsed = _redacted(r, redactions[r.name])
            pickle.dump(r.parsed, spool, protocol=pickle.HIGHEST_PROTOCOL)
            r.parsed = None  # staged: the text need not stay in memory
        gc.collect(1)  # the Word reader leaves reference cycles: free them chunk by chunk
    if failed:
        more = f" (and {len(failed) - 1} more file(s) with problems)" if len(failed) > 1 else ""
        raise UserError(f"{failed[0].message}{more}; nothing was imported")
    if unlinked:
        raise unlinked


def _redacted(r: FileResult, choices: Sequence[Choice]) -> ParsedTranscript:
    from consult_coder.anonymity import redact_parsed, scan_parsed

    assert r.parsed is not None
    findings = scan_parsed(r.parsed)
    if len(findings) != len(choices):
        raise UserError(f"{r.name}: the anonymity check now finds {len(findings)} identifiers, not "
                        f"{len(choices)}; preview the file again; nothing was imported")
    r.redacted = sum(1 for c in choices if c is not False)
    return redact_parsed(r.parsed, findings, choices)


def _write_chunk(
    session: Session, chunk: list[FileResult], existing: dict[str, Participant], report: ImportReport,
    new_in_batch: dict[str, FileResult],
) -> None:
    digests = {id(r): r.parsed.content_hash for r in chunk if r.parsed}
    stored = _stored_hashes(session, [r.parsed for r in chunk if r.parsed])
    fresh: list[FileResult] = []
    twins: list[FileResult] = []  # the same text as a file of this chunk, whose row is not written yet
    for r in chunk:
        parsed = r.parsed
        assert parsed is not None
        digest = digests[id(r)]
        if digest in new_in_batch and new_in_batch[digest].transcript_id is None:
            r.status, r.message = "skipped", f"same text as {new_in_batch[digest].name}"
            twins.append(r)
            continue
        if digest in stored or digest in new_in_batch:
            r.status = "skipped"
            r.transcript_id = stored.get(digest) or new_in_batch[digest].transcript_id
            r.message = "already in the project" if digest in stored else \
                f"same text as {new_in_batch[digest].name}"
            _link_if_unlinked(session, r, existing, report)
            continue
        if r.participant_id and r.participant_id not in existing:
            existing[r.participant_id] = Participant(id=r.participant_id, group="", role="", age_band="",
                                                     attributes={})
            session.add(existing[r.participant_id])
            report.participants_added.append(r.participant_id)
        r.status, r.message = "imported", f"{len(parsed.turns)} turns"
        new_in_batch[digest] = r
        fresh.append(r)
    if fresh:
        session.flush()  # participants first: transcripts refer to them
        ids = _add_transcripts(session, [(r.parsed, r.participant_id, digests[id(r)]) for r in fresh])
        for r, tid in zip(fresh, ids, strict=True):
            r.transcript_id = tid
    for r in twins:
        r.transcript_id = new_in_batch[digests[id(r)]].transcript_id
        _link_if_unlinked(session, r, existing, report)


def _imported(r: FileResult) -> audit.ImportedTranscript:
    item = audit.ImportedTranscript(id=r.transcript_id or 0, source_name=r.name,
                                    participant_id=r.participant_id)
    if r.redacted:
        item["identifiers_redacted"] = r.redacted
    return item


def _record(session: Session, actor: str, report: ImportReport, before: dict[str, Any]) -> None:
    audit.transcripts_imported(
        session, actor,
        transcripts=[_imported(r) for r in report.imported],
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


def _add_transcripts(
    session: Session, items: list[tuple[ParsedTranscript | None, str | None, str]]
) -> list[int]:
    """Insert transcripts and their turns in bulk (no ORM objects to keep); returns the new ids."""
    now = datetime.now(UTC)
    rows = [{
        "participant_id": participant_id, "title": parsed.title[:255], "text": parsed.text,
        "content_hash": digest, "source_name": parsed.source_name[:255],
        "source_format": parsed.source_format, "front_matter": parsed.front_matter, "imported_at": now,
    } for parsed, participant_id, digest in items if parsed is not None]
    ids = list(session.scalars(insert(Transcript).returning(Transcript.id, sort_by_parameter_order=True),
                               rows))
    turns = [
        {"transcript_id": tid, "index": i, "speaker": t.speaker, "speaker_kind": t.speaker_kind,
         "start": t.start, "end": t.end, "cue_start": t.cue_start, "cue_end": t.cue_end}
        for tid, (parsed, _, _) in zip(ids, items, strict=True) if parsed is not None
        for i, t in enumerate(parsed.turns)
    ]
    if turns:
        session.execute(insert(Turn), turns)
    return ids


class _FilesOnDisk(Sequence[tuple[str, bytes]]):
    """(name, bytes) pairs read only when asked for, so a batch never holds every file at once."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[str, bytes]:  # type: ignore[override]
        path = self.paths[i]
        return path.name, _read(path)


def _read(path: Path) -> bytes:
    """A regular file's bytes, its type and size checked against its format's limit first."""
    return read_limited(path)


def _suffixes() -> list[str]:
    from consult_coder.importers import SUPPORTED

    return list(SUPPORTED)
