"""Loading codings from a CSV file: quotes become offsets, bad files change nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult_coder.codings_io import load_codings_csv
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Event, Participant, Progress, Transcript
from consult_coder.storage import Project
from consult_coder.text import content_hash
from tests.factories import CODEBOOK, SAMPLE_DIR, in_session, stored_turns

TURNS = [
    ("Interviewer", "interviewer", "What helped most?"),
    ("P90", "participant", "Same time every week. And she didn’t judge me. Same time every week, honestly."),
    ("Interviewer", "interviewer", "And the room?"),
    ("P90", "participant", "Quiet, with a door that shut.\nNobody could hear us."),
]
HEADER = "source,code,quote,occurrence,memo\n"


def add_transcript(project: Project, name: str = "P90_consultation.txt", turns=TURNS) -> int:
    """A small transcript in stored form: ``Speaker: text`` per turn, turns split by a blank line."""
    text, rows = stored_turns(turns)
    with project.session() as s:
        if s.get(Participant, "P90") is None:
            s.add(Participant(id="P90", group="youth", role="young person", age_band="18-20"))
        for cid in ("regular_meetings", "non_judgement", "therapy_environment"):
            if s.get(Code, cid) is None:
                s.add(Code(id=cid, name=cid.replace("_", " ").title()))
        tr = Transcript(participant_id="P90", title=name, text=text, content_hash=content_hash(text),
                        source_name=name, source_format="txt")
        tr.turns = rows
        s.add(tr)
        s.flush()
        return tr.id


def load(project: Project, data: str | bytes, name: str = "coder_x.csv") -> int:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with project.session() as s:
        return load_codings_csv(s, raw, source_name=name, actor="tester")


def coded(project: Project) -> list[tuple[str, str, str, str, str]]:
    """(coder, code, coded text, origin, memo) for every coding, in order of creation."""
    with project.session() as s:
        rows = s.scalars(select(Coding).order_by(Coding.id))
        return [(c.coder.name, c.code_id, s.get(Transcript, c.transcript_id).text[c.start:c.end],
                 c.origin, c.memo) for c in rows]


def counts(project: Project) -> dict[str, int]:
    with project.session() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Coding, Coder, Event, Progress)}


def test_a_quote_is_coded_where_it_is_said_by_the_coder_the_file_is_named_after(sqlite_project):
    add_transcript(sqlite_project)
    n = load(sqlite_project, HEADER
             + "P90_consultation.txt,non_judgement,she didn’t judge me,,felt accepted\n"
             + "P90_consultation.txt,therapy_environment,\"Quiet, with a door that shut.\",1,\n")
    assert n == 2
    assert coded(sqlite_project) == [
        ("coder_x", "non_judgement", "she didn’t judge me", "manual", "felt accepted"),
        ("coder_x", "therapy_environment", "Quiet, with a door that shut.", "manual", ""),
    ]
    with sqlite_project.session() as s:
        assert s.scalars(select(Progress.status)).all() == ["in_progress"]  # the coder has started it


def test_occurrence_picks_which_repeat_of_the_words_is_coded(sqlite_project):
    tid = add_transcript(sqlite_project)
    load(sqlite_project, HEADER + "P90_consultation.txt,regular_meetings,Same time every week,2,\n")
    with sqlite_project.session() as s:
        c = s.scalars(select(Coding)).one()
        text = s.get(Transcript, tid).text
    first = text.index("Same time every week")
    assert c.start == text.index("Same time every week", first + 1)
    assert text[c.end:c.end + 9] == ", honestl"


def test_start_and_end_offsets_can_be_given_instead_of_a_quote(sqlite_project):
    add_transcript(sqlite_project)
    with sqlite_project.session() as s:
        text = s.scalars(select(Transcript.text)).one()
    start = text.index("Nobody")
    csv_text = f"source,code,start,end\nP90_consultation.txt,therapy_environment,{start},{start + 21}\n"
    load(sqlite_project, csv_text)
    assert coded(sqlite_project)[0][2] == "Nobody could hear us."


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_files_saved_by_excel_or_notepad_are_read(sqlite_project, encoding):
    add_transcript(sqlite_project)
    data = (HEADER + "P90_consultation.txt,non_judgement,she didn’t judge me,1,\r\n").encode(encoding)
    assert load(sqlite_project, data) == 1
    assert coded(sqlite_project)[0][2] == "she didn’t judge me"


def test_straightened_apostrophes_and_extra_spaces_still_find_the_curly_text(sqlite_project):
    add_transcript(sqlite_project)
    load(sqlite_project, HEADER + "P90_consultation.txt,non_judgement,she didn't   judge me,1,\n")
    assert coded(sqlite_project)[0][2] == "she didn’t judge me"


def test_a_code_name_and_a_file_name_without_extension_are_understood(sqlite_project):
    add_transcript(sqlite_project)
    load(sqlite_project, HEADER + "p90_consultation,Non Judgement,she didn’t judge me,1,\n")
    assert coded(sqlite_project)[0][1] == "non_judgement"


def test_a_coder_column_overrides_the_file_name(sqlite_project):
    add_transcript(sqlite_project)
    load(sqlite_project, "source,code,quote,coder\n"
                         "P90_consultation.txt,non_judgement,she didn’t judge me,coder_b\n")
    assert coded(sqlite_project)[0][0] == "coder_b"


def test_loading_the_same_file_twice_adds_nothing_and_each_load_is_audited(sqlite_project):
    add_transcript(sqlite_project)
    data = HEADER + "P90_consultation.txt,non_judgement,she didn’t judge me,1,\n"
    assert load(sqlite_project, data) == 1
    assert load(sqlite_project, data) == 0
    assert len(coded(sqlite_project)) == 1
    with sqlite_project.session() as s:
        events = s.scalars(select(Event).where(Event.action == "codings.import").order_by(Event.id)).all()
    assert [(e.actor, e.entity_id, e.payload["after"]["added"], e.payload["after"]["skipped"])
            for e in events] == [("tester", "coder_x.csv", 1, 0), ("tester", "coder_x.csv", 0, 1)]


def test_a_bad_row_writes_nothing_even_if_the_session_goes_on(project):
    """On both backends: the good first row is not kept, and the error names the file and line."""
    add_transcript(project)
    before = counts(project)
    data = (HEADER
            + "P90_consultation.txt,non_judgement,she didn’t judge me,1,\n"
            + "P90_consultation.txt,regular_meetings,every fortnight,1,\n")
    with project.session() as s, pytest.raises(UserError) as err:
        load_codings_csv(s, data.encode(), source_name="coder_a.csv", actor="tester")
        # the caller carries on and commits: still nothing may have been written
    assert str(err.value) == "coder_a.csv line 3: quote not found in P90_consultation.txt"
    assert counts(project) == before


@pytest.mark.parametrize(("row", "message"), [
    ("P91_consultation.txt,empathy,anything,1,", "line 2: no transcript named 'P91_consultation.txt'"),
    ("P90_consultation.txt,empathy,she didn’t judge me,1,", "line 2: no code 'empathy' in the codebook"),
    ("P90_consultation.txt,regular_meetings,Same time every week,3,",
     "line 2: quote occurs only 2 times in P90_consultation.txt, not 3 times"),
    ("P90_consultation.txt,regular_meetings,Same time every week,first,",
     "line 2: occurrence 'first' is not a whole number"),
    ("P90_consultation.txt,therapy_environment,\"What helped most?\n\nP90: Same\",1,",
     "line 2: quote in P90_consultation.txt is not inside one speaker's turn"),
    ("P90_consultation.txt,regular_meetings,Interviewer: What,1,",
     "line 2: quote in P90_consultation.txt is not inside one speaker's turn"),
])
def test_each_kind_of_bad_row_is_named(sqlite_project, row, message):
    add_transcript(sqlite_project)
    with pytest.raises(UserError, match="^coder_x.csv " + message.replace("?", r"\?")):
        load(sqlite_project, HEADER + row + "\n")
    assert coded(sqlite_project) == []


@pytest.mark.parametrize(("offsets", "message"), [
    ("40,40", "line 2: start 40 must be before end 40"),
    ("50,20", "line 2: start 50 must be before end 20"),
    ("10,9999", "line 2: offsets 10-9999 are outside P90_consultation.txt"),
    ("-1,5", "line 2: offsets -1-5 are outside P90_consultation.txt"),
    ("ten,20", "line 2: start and end must be whole numbers"),
])
def test_offsets_must_lie_inside_the_text_and_start_before_end(sqlite_project, offsets, message):
    add_transcript(sqlite_project)
    with pytest.raises(UserError, match="^coder_x.csv " + message):
        load(sqlite_project, f"source,code,start,end\nP90_consultation.txt,regular_meetings,{offsets}\n")


def test_several_bad_rows_are_counted_in_the_one_line(sqlite_project):
    add_transcript(sqlite_project)
    data = HEADER + "".join(f"P90_consultation.txt,empathy,x{i},1,\n" for i in range(3))
    with pytest.raises(UserError) as err:
        load(sqlite_project, data)
    assert str(err.value) == ("coder_x.csv line 2: no code 'empathy' in the codebook "
                              "(and 2 more rows with problems)")
    assert "\n" not in str(err.value)


def test_a_file_without_the_needed_columns_or_rows_is_refused(sqlite_project, tmp_path):
    add_transcript(sqlite_project)
    with pytest.raises(UserError, match="missing column code"):
        load(sqlite_project, "source,quote\nP90_consultation.txt,hello\n")
    with pytest.raises(UserError, match="has a header but no codings"):
        load(sqlite_project, HEADER)
    with pytest.raises(UserError, match="Cannot read codings file"), sqlite_project.session() as s:
        load_codings_csv(s, tmp_path / "nowhere.csv", actor="tester")


def test_an_archived_code_cannot_be_applied(sqlite_project):
    add_transcript(sqlite_project)
    with sqlite_project.session() as s:
        s.get(Code, "non_judgement").archived = True
    with pytest.raises(UserError, match="line 2: code 'Non Judgement' is archived"):
        load(sqlite_project, HEADER + "P90_consultation.txt,non_judgement,she didn’t judge me,1,\n")


def test_the_sample_codings_resolve_against_the_imported_sample_study(sqlite_project):
    """Every sample coding lands on a participant's words, exactly the quote the CSV gives."""
    from consult_coder.codebook import apply_codebook, load_codebook_file
    from consult_coder.ingest import import_paths

    with sqlite_project.session() as s:
        apply_codebook(s, load_codebook_file(CODEBOOK), "tester")
    in_session(sqlite_project, import_paths, [SAMPLE_DIR], participants_csv=SAMPLE_DIR / "participants.csv",
                 actor="tester")
    for path in sorted((SAMPLE_DIR / "codings").glob("*.csv")):
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        with sqlite_project.session() as s:
            assert load_codings_csv(s, path, actor="tester") == len(rows)
        with sqlite_project.session() as s:
            got = s.execute(select(Transcript.source_name, Coding.code_id, Coding.start, Coding.end,
                                   Transcript.id).join(Transcript).join(Coder)
                            .where(Coder.name == Path(path).stem).order_by(Coding.id)).all()
            for row, (source, code, start, end, tid) in zip(rows, got, strict=True):
                tr = s.get(Transcript, tid)
                assert (source, code, tr.text[start:end]) == (row["source"], row["code"], row["quote"])
                inside = [t.speaker_kind for t in tr.turns if t.start <= start and end <= t.end]
                assert inside == ["participant"], (path.name, row["quote"])
