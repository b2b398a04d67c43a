"""A hostile corpus: every file is refused with one line that names it and says what is wrong, and the
project is exactly as it was — on SQLite and on PostgreSQL.

The small files are in tests/fixtures/hostile/files (written by build_corpus.py there); files too large
to keep are made here, and the memory their import takes is measured (tracemalloc): a file is refused
by its size before it is read, or read in memory a small multiple of its size.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from consult_coder.codebook import apply_codebook, load_codebook_file
from consult_coder.errors import UserError
from consult_coder.ingest import import_files, import_paths
from consult_coder.limits import MAX_UPLOAD_MB, MB
from consult_coder.model import Base, Transcript
from consult_coder.refi import import_refi_file
from consult_coder.storage import Project, open_project
from tests.factories import in_session

HERE = Path(__file__).resolve().parent
FILES = HERE / "fixtures" / "hostile" / "files"
REPO = HERE.parent

# file → what its one-line error must say (the file's name is checked separately)
EXPECTED = {
    # plain-text transcripts
    "empty.txt": "the file is empty",
    "only_spaces.txt": "the file is empty",
    "binary.txt": "is not a text file",
    "pdf_renamed.txt": "is a PDF, not plain text",
    "docx_renamed.txt": "is a zip/Word (.docx) file, not plain text",
    "old_word_renamed.txt": "is an old Word/Office file",
    "no_speakers.txt": "no speaker turns found",
    "broken_utf16_bom.txt": "byte-order mark but is not valid utf-16",
    "speaker_label_only.txt": "no speaker turns found",
    "utf16_binary_noise.txt": "is not a text file",
    # Word
    "empty.docx": "the file is empty",
    "not_a_zip.docx": "is not a readable Word .docx file",
    "zip_without_document.docx": "is not a readable Word .docx file",
    "truncated.docx": "is not a readable Word .docx file",
    "no_text.docx": "the document has no text",
    "no_speakers.docx": "no speaker turns found",
    "old_word_renamed.docx": "is not a readable Word .docx file",
    # captions: a cue that would be dropped is a line-numbered error, not a silent loss
    "empty.vtt": "the file is empty",
    "no_header.vtt": "is not a valid WebVTT caption file",
    "broken_timing.vtt": "line 6: '00:00:03.000 -> 00:00:04.000' does not start a cue",
    "blank_line_in_cue.vtt": "line 9: 'And this second part would vanish.' does not start a cue",
    "no_speaker_names.vtt": "no speaker names found",
    "header_only.vtt": "has no caption text",
    "binary.vtt": "is not a text file",
    "long_voice_name.vtt": "is 200 characters long, more than the 128 a project can store",
    "empty.srt": "the file is empty",
    "not_subtitles.srt": "is not a valid SubRip (.srt) caption file",
    "missing_cue_number.srt": "line 5: '00:00:03,000 --> 00:00:04,000' does not start a cue",
    "broken_timing.srt": "line 5: '00:00:03,000 -> 00:00:04,000' does not start a cue",
    "no_speaker_names.srt": "no speaker names found",
    # participants sheets
    "participants_empty.csv": "the file is empty",
    "participants_header_only.csv": "has a header but no participants",
    "participants_missing_columns.csv": "line 1: missing column group, role, age_band",
    "participants_unclosed_quote.csv": "line 2: a quote opened on this row is never closed",
    "participants_swallowed_row.csv": "line 2: a quote in this row is not closed where it should be, so "
                                      "line 3",
    "participants_huge_field.csv": "line 2: a value is longer than 128 KB",
    "participants_long_role.csv": "line 2: role is 200 characters long, more than the 128",
    "participants_long_id.csv": "line 2: participant_id is 100 characters long, more than the 64",
    "participants_long_age_band.csv": "line 2: age_band is 40 characters long, more than the 32",
    "participants_listed_twice.csv": "line 3: participant P1 is listed twice (also line 2)",
    "participants_bad_group.csv": "line 2: group 'teachers' is not youth or clinician",
    "participants_extra_values.csv": "line 2: 7 values but 5 columns",
    "participants_binary.csv": "is not a text file",
    "participants_stray_quote.csv": "line 2: not valid CSV",
    # codebooks
    "alias_bomb.yaml": "aliases (*name) are not allowed",
    "deep_nesting.yaml": "nested more than 32 levels deep",
    "not_yaml.yaml": "line 2: not valid YAML",
    "python_object.yaml": "could not determine a constructor",
    "no_codes.yaml": "expected a mapping with a 'codes' list",
    "bad_code_id.yaml": "must be a lowercase slug",
    "long_code_name.yaml": "at most 255 characters",
    "too_many_patterns.yaml": "at most 500 per code",
    "parent_cycle.yaml": "codes are nested in a cycle",
    "binary.yaml": "is not a text file",
    "codebook_missing_columns.csv": "missing column(s) definition, name",
    "codebook_huge_field.csv": "line 2: a value is longer than 128 KB",
    "codebook_unclosed_quote.csv": "line 2: a quote opened on this row is never closed",
    # REFI-QDA
    "deep_nesting.qdc": "elements nested more than 256 deep",
    "billion_laughs.qdc": "XML entities are not allowed",
    "external_entity.qdc": "XML entities are not allowed",
    "not_xml.qdc": "not well-formed XML",
    "wrong_root.qdc": "not a REFI-QDA codebook",
    "no_codes.qdc": "the codebook has no codes",
    "deep_nesting.qde": "elements nested more than 256 deep",
    "billion_laughs.qde": "XML entities are not allowed",
    "not_xml.qde": "not well-formed XML",
    "path_traversal.qdpx": "refusing unsafe path '../../evil.txt'",
    "zip_bomb.qdpx": "like a zip bomb",
    "two_projects.qdpx": "more than one .qde file",
    "no_project.qdpx": "no project .qde file",
    "truncated.qdpx": "not a readable .qdpx",
}

GOOD_TRANSCRIPT = b"Interviewer: How was it?\n\nP01: It helped.\n\nInterviewer: Thanks.\n\nP01: Bye.\n"
GOOD_PEOPLE = b"participant_id,group,role,age_band\nP01,youth,young person,14-17\n"


def import_any(project: Project, path: Path) -> object:
    """Import a file the way the app and the CLI would, by its kind."""
    suffix = path.suffix.lower()
    if suffix in (".txt", ".docx", ".vtt", ".srt"):
        return in_session(project, import_paths, [path], actor="mallory")
    if suffix == ".csv" and path.name.startswith(("participants", "many_participants", "huge_participants")):
        return in_session(project, import_paths, [], participants_csv=path, actor="mallory")
    if suffix in (".yaml", ".yml", ".csv"):
        book = load_codebook_file(path)
        with project.session() as s:
            return apply_codebook(s, book, "mallory")
    with project.session() as s:
        return import_refi_file(s, path, "mallory")


def snapshot(project: Project) -> dict[str, object]:
    """Row counts of every table, and every transcript's text: what "unchanged" is compared on."""
    with project.session() as s:
        counts = {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        texts = sorted(s.execute(select(Transcript.id, Transcript.content_hash, Transcript.text)).all())
    return {"counts": counts, "texts": texts}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """One project per backend holding a transcript, a participant and a codebook already, shared by
    the module's tests: each refused file must leave it exactly as it was."""
    if request.param == "sqlite":
        location = str(tmp_path_factory.mktemp("hostile") / "project.sqlite")
    else:
        location = request.getfixturevalue("pg_server").new_database()
    project = open_project(location)
    in_session(project, import_files, [("P01_consultation.txt", GOOD_TRANSCRIPT)], GOOD_PEOPLE, actor="setup")
    with project.session() as s:
        apply_codebook(s, load_codebook_file(REPO / "codebooks" / "working_alliance.yaml"), "setup")
    yield project
    project.close()


def assert_refused(project: Project, run: Callable[[], object], name: str, expected: str) -> None:
    before = snapshot(project)
    with pytest.raises(UserError) as err:
        run()
    message = str(err.value)
    assert expected in message, message
    assert name in message, f"the error does not name the file: {message}"
    assert "\n" not in message and "Traceback" not in message
    assert snapshot(project) == before, f"{name} changed the project"


def test_the_corpus_and_its_table_agree() -> None:
    assert sorted(p.name for p in FILES.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 60
    kinds = {Path(n).suffix for n in EXPECTED}
    assert kinds >= {".txt", ".docx", ".vtt", ".srt", ".csv", ".yaml", ".qdc", ".qde", ".qdpx"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_refused_in_one_line_and_changes_nothing(seeded: Project, name: str) -> None:
    assert_refused(seeded, lambda: import_any(seeded, FILES / name), name, EXPECTED[name])


# --- What is not a regular file ------------------------------------------------------------------

def test_a_pipe_a_device_and_a_folder_are_refused_before_anything_is_read(seeded: Project,
                                                                          tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")  # reading it would never end
    folder = tmp_path / "folder.qdc"
    folder.mkdir()
    assert_refused(seeded, lambda: import_any(seeded, fifo), "pipe.txt", "is a pipe, not a regular file")
    assert_refused(seeded, lambda: import_any(seeded, zero), "zero.txt", "is a device, not a regular file")
    assert_refused(seeded, lambda: import_any(seeded, folder), "folder.qdc", "is a folder, not a file")
    codebook_pipe = tmp_path / "codebook.yaml"
    os.mkfifo(codebook_pipe)
    assert_refused(seeded, lambda: import_any(seeded, codebook_pipe), "codebook.yaml", "is a pipe")


def test_an_upload_with_an_overlong_name_is_refused(seeded: Project) -> None:
    name = "P01_" + "x" * 300 + ".txt"
    assert_refused(seeded, lambda: in_session(seeded, import_files, [(name, GOOD_TRANSCRIPT)]), name[:40],
                   "the file name is 308 characters long, more than the 255")


# --- Large files, made here; memory measured ---------------------------------------------------------

def _sparse(path: Path, size: int) -> Path:
    """A file that reports ``size`` bytes without taking the disk: refused by its size, never read."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def _lines(path: Path, line: str, count: int) -> Path:
    path.write_text(line * count, encoding="utf-8")
    return path


def _people(path: Path, count: int) -> Path:
    rows = "".join(f"P{i},youth,young person,14-17\n" for i in range(count))
    path.write_text("participant_id,group,role,age_band\n" + rows, encoding="utf-8")
    return path


def _many_cues(path: Path, count: int) -> Path:
    def stamp(i: int, ms: str) -> str:
        return f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{ms}"

    speakers = ("P01", "Interviewer")
    cues = "".join(f"{stamp(i, '000')} --> {stamp(i, '500')}\n<v {speakers[i % 2]}>word {i}\n\n"
                   for i in range(count))
    path.write_text("WEBVTT\n\n" + cues, encoding="utf-8")
    return path


def _docx_with(path: Path, extra: dict[str, bytes]) -> Path:
    import io
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("Interviewer: Hello?")
    document.add_paragraph("P01: Hi.")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, data in extra.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def _codebook(path: Path, codes: int, definition: str = "d") -> Path:
    data = {"codes": [{"id": f"c{i}", "name": f"Code {i}", "definition": definition} for i in range(codes)]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _inline_qde(path: Path, chars: int) -> Path:
    text = ("Interviewer: how was it\n\nP01: fine, thanks " * (chars // 40 + 1))[:chars]
    path.write_text('<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources><TextSource '
                    'guid="1F8A1907-7E42-4739-8610-A676B4D1B69F" name="doc"><PlainTextContent>' + text
                    + "</PlainTextContent></TextSource></Sources></Project>", encoding="utf-8")
    return path


LARGE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "huge.txt": (lambda p: _sparse(p, 12 * MB), "larger than the 10 MB a .txt file may be"),
    "huge.docx": (lambda p: _sparse(p, 60 * MB), "larger than the 50 MB a .docx file may be"),
    "huge.qdc": (lambda p: _sparse(p, 65 * MB), "larger than the 64 MB a .qdc file may be"),
    "huge_participants.csv": (lambda p: _sparse(p, 6 * MB), "larger than the 5 MB a .csv file may be"),
    "huge_codebook.yaml": (lambda p: _sparse(p, 3 * MB), "larger than the 1 MB a .yaml file may be"),
    "many_lines.txt": (lambda p: _lines(p, "P01: ok\n", 250_000), "has more than 200,000 lines"),
    "many_turns.txt": (lambda p: _lines(p, "Interviewer: so?\nP01: yes.\n", 11_000),
                       "more than 20,000 speaker turns"),
    "many_cues.vtt": (lambda p: _many_cues(p, 21_000), "more than 20,000 speaker turns"),
    "many_participants.csv": (lambda p: _people(p, 10_001), "more than 10,000 participants"),
    "many_codes.yaml": (lambda p: _codebook(p, 2_001), "more than 2,000 codes"),
    "unzips_to_100MB.docx": (lambda p: _docx_with(p, {"word/media/image1.png": b"\0" * (100 * MB)}),
                             "like a zip bomb"),
    "xml_part_bomb.docx": (lambda p: _docx_with(p, {"customXml/item9.xml": b"<a>" + b" " * 70 * MB}),
                           "unpacks to"),
    "huge_inline_source.qde": (lambda p: _inline_qde(p, 11 * MB),
                               "more than the 10,485,760 a transcript may have"),
}


@pytest.mark.parametrize("name", sorted(LARGE))
def test_a_large_file_is_refused_in_bounded_memory(seeded: Project, tmp_path: Path, name: str) -> None:
    make, expected = LARGE[name]
    path = make(tmp_path / name)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        assert_refused(seeded, lambda: import_any(seeded, path), name, expected)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\n{name}: {size / MB:.1f} MB file, peak Python heap {peak / MB:.1f} MB")
    # Refused by its size before reading costs nearly nothing; anything read costs a small multiple
    # (caption files the most: webvtt-py makes an object of every cue; and a small YAML file costs
    # more, as PyYAML makes one of every scalar, hence its 1 MB limit).
    assert peak < max(30 * size, 16 * MB), f"{name}: {peak / MB:.0f} MB for a {size / MB:.1f} MB file"


def test_the_upload_limit_matches_the_largest_file_the_app_takes() -> None:
    import tomllib

    from consult_coder import limits

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    uploadable = [limits.MAX_TEXT_TRANSCRIPT_BYTES, limits.MAX_DOCX_BYTES, limits.MAX_TABLE_BYTES,
                  limits.MAX_CODEBOOK_BYTES, limits.MAX_QDC_BYTES]
    assert all(limit <= MAX_UPLOAD_MB * MB for limit in uploadable)


def test_an_overlong_name_for_the_audit_trail_is_the_same_one_line_on_both_backends(seeded: Project) -> None:
    before = snapshot(seeded)
    new_file = [("P02_consultation.txt", GOOD_TRANSCRIPT.replace(b"P01", b"P02"))]
    with pytest.raises(UserError, match="name recorded in the audit trail: it is 200 characters long"):
        in_session(seeded, import_files, new_file, actor="a" * 200)
    assert snapshot(seeded) == before
