"""``consult-coder backup`` and ``restore``: a project, its codings, accounts and audit trail round-trip
through one file on SQLite (the online backup API) and PostgreSQL (pg_dump), and a restore never
overwrites a project by accident."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from consult_coder import accounts
from consult_coder.access import actor_viewer
from consult_coder.audit import audit_log
from consult_coder.cli import main
from consult_coder.model import Coding, Transcript, User
from consult_coder.storage import open_project
from tests.factories import TEAM_PASSWORDS, build_team_study


def fingerprint(location: str) -> tuple:
    project = open_project(location)
    try:
        with project.session() as s:
            codings = sorted(s.execute(select(Coding.transcript_id, Coding.start, Coding.end, Coding.code_id,
                                              Coding.memo)).all())
            texts = sorted(s.scalars(select(Transcript.text)))
            logins = sorted(s.scalars(select(User.login)))
            events = audit_log(s, actor_viewer(s, "lena"))[1]
            bob = accounts.authenticate(s, "bob", TEAM_PASSWORDS["bob"]).account
        return codings, texts, logins, events, bob is not None
    finally:
        project.close()


def other_location(db_url: str, tmp_path: Path, pg_server) -> str:  # noqa: ANN001
    return str(tmp_path / "restored.sqlite") if "sqlite" in db_url or "://" not in db_url \
        else pg_server.new_database()


def test_backup_and_restore_round_trip_a_team_project(db_url, tmp_path, capsys, request):
    project = open_project(db_url)
    build_team_study(project)
    project.close()
    before = fingerprint(db_url)
    assert before[0] and before[2] == ["alice", "bob", "lena"] and before[4]

    backup = tmp_path / "team.backup"
    assert main(["backup", str(backup), "--db", db_url]) == 0
    assert capsys.readouterr().out.startswith("Backed up ")

    pg = request.getfixturevalue("pg_server") if db_url.startswith("postgresql") else None
    target = other_location(db_url, tmp_path, pg)
    assert main(["restore", str(backup), "--db", target]) == 0
    assert "Restored" in capsys.readouterr().out
    after = fingerprint(target)
    # The restore's own check of bob's password is one more audit event, on both sides alike.
    assert after == before[:3] + (before[3] + 1, True)


def test_a_restore_refuses_a_project_that_is_not_empty_and_changes_nothing(db_url, tmp_path, capsys):
    project = open_project(db_url)
    build_team_study(project)
    with project.session() as s:
        codings = s.scalar(select(func.count(Coding.id)))
    project.close()
    backup = tmp_path / "team.backup"
    assert main(["backup", str(backup), "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["restore", str(backup), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "already holds a project" in err and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["restore", str(backup), "--db", db_url, "--force"]) == 0
    project = open_project(db_url)
    with project.session() as s:
        assert s.scalar(select(func.count(Coding.id))) == codings
    project.close()


def test_a_file_that_is_not_a_backup_is_refused_in_one_line(tmp_path, capsys):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    target = tmp_path / "new.sqlite"
    assert main(["restore", str(junk), "--db", str(target)]) == 1
    assert "is not a consult-coder backup" in capsys.readouterr().err
    assert not target.exists()


def test_an_sqlite_backup_is_taken_while_a_writer_holds_the_project_open(tmp_path, capsys):
    db = str(tmp_path / "live.sqlite")
    project = open_project(db)
    build_team_study(project)
    with project.session() as s:  # an open connection in WAL mode, as the running app has
        s.scalar(select(func.count(Coding.id)))
        assert main(["backup", str(tmp_path / "copy.sqlite"), "--db", db]) == 0
    project.close()
    assert fingerprint(str(tmp_path / "copy.sqlite"))[0] == fingerprint(db)[0]
