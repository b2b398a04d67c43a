"""A project opens on SQLite or PostgreSQL, migrates itself, and keeps what is committed."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Participant, Transcript, Turn
from consult_coder.storage import open_project, to_url


def test_opening_applies_every_migration(project):
    tables = set(inspect(project.engine).get_table_names())
    assert {"participants", "transcripts", "turns", "codes", "coders", "codings", "memos",
            "events", "settings", "alembic_version"} <= tables


def test_reopening_keeps_data(db_url):
    first = open_project(db_url)
    with first.session() as s:
        s.add(Participant(id="P07", group="youth", role="", age_band="18-20",
                          attributes={"site": "north"}))
    first.close()
    again = open_project(db_url)
    with again.session() as s:
        p = s.get(Participant, "P07")
        assert (p.group, p.age_band, p.attributes) == ("youth", "18-20", {"site": "north"})
    again.close()


def test_offsets_and_non_bmp_text_round_trip(project):
    text = "Interviewer: Hi 👋\n\nP07: It’s fine 😊 really."
    with project.session() as s:
        t = Transcript(title="t", text=text, content_hash="h", source_name="t.txt", source_format="txt")
        t.turns.append(Turn(index=0, speaker="Interviewer", speaker_kind="interviewer", start=13, end=17))
        s.add(t)
        s.add(Code(id="empathy", name="Empathy"))
        s.add(Coder(name="amira"))
    with project.session() as s:
        t = s.scalars(select(Transcript)).one()
        coder = s.scalars(select(Coder)).one()
        s.add(Coding(transcript_id=t.id, start=29, end=40, code_id="empathy", coder_id=coder.id))
    with project.session() as s:
        t = s.scalars(select(Transcript)).one()
        c = s.scalars(select(Coding)).one()
        assert t.text == text
        assert t.text[t.turns[0].start:t.turns[0].end] == "Hi 👋"
        assert t.text[c.start:c.end] == "fine 😊 real"


def test_a_failed_unit_of_work_changes_nothing(project):
    with pytest.raises(RuntimeError), project.session() as s:
        s.add(Participant(id="P01", group="youth"))
        s.flush()
        raise RuntimeError("boom")
    with project.session() as s:
        assert s.scalars(select(Participant)).all() == []


def test_foreign_keys_are_enforced(project):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), project.session() as s:
        s.add(Coding(transcript_id=999, start=0, end=1, code_id="nope", coder_id=1))


def test_bad_location_is_one_clear_line(tmp_path):
    with pytest.raises(UserError) as err:
        open_project("mysql://nobody@localhost/x")
    assert "\n" not in str(err.value)
    with pytest.raises(UserError) as err:
        open_project("postgresql://nobody@127.0.0.1:1/none")
    assert str(err.value).startswith("Cannot open project at postgresql")


def test_plain_paths_mean_sqlite_files(tmp_path):
    assert to_url(str(tmp_path / "a.sqlite")).startswith("sqlite:///")
    assert to_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_migrations_match_the_model(project):
    """A schema change without its migration would fail here, on both backends."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from consult_coder.model import Base

    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
