"""The command line of a team project: the lead manages accounts and blinding and reads the audit trail;
a coder who runs a command with their own account (``--user``) sees only their own layer while blind."""

from __future__ import annotations

import csv
import io
import json

import pytest

from consult_coder.cli import main
from consult_coder.storage import open_project
from tests.factories import BOB_MEMOS, BOB_ONLY_QUOTE, TEAM_PASSWORDS, build_team_study, document_text


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "team.sqlite")
    project = open_project(path)
    build_team_study(project)
    project.close()
    return path


def as_user(monkeypatch, login: str, password: str | None = None) -> list[str]:  # noqa: ANN001
    monkeypatch.setenv("CONSULT_CODER_PASSWORD", password or TEAM_PASSWORDS[login])
    return ["--user", login]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "docx", "qdpx"])
def test_a_coders_export_holds_only_her_layer(db, tmp_path, monkeypatch, capsys, kind):
    out = tmp_path / f"mine.{kind}"
    assert main(["export", kind, "--db", db, "-o", str(out), *as_user(monkeypatch, "alice")]) == 0
    assert "alice" in capsys.readouterr().out
    text = document_text(out.read_bytes(), kind)
    assert not any(marker in text for marker in BOB_MEMOS.values())
    if kind != "qdpx":  # the archive carries every transcript's text, but none of bob's codings
        assert BOB_ONLY_QUOTE not in text
    assert 'name="bob"' not in text
    for layer in ("bob", "union"):
        assert main(["export", kind, "--db", db, "--coder", layer, "-o", str(tmp_path / "x"),
                     *as_user(monkeypatch, "alice")]) == 1
        assert "blind" in capsys.readouterr().err


def test_the_lead_unblinds_and_then_the_coder_sees_everyone(db, tmp_path, monkeypatch, capsys):
    assert main(["blinding", "off", "--db", db, *as_user(monkeypatch, "alice")]) == 1
    assert "lead" in capsys.readouterr().err
    assert main(["blinding", "off", "--db", db, *as_user(monkeypatch, "lena")]) == 0
    assert main(["blinding", "--db", db]) == 0
    assert capsys.readouterr().out.strip().endswith("Blind coding is off")
    out = tmp_path / "all.csv"
    assert main(["export", "csv", "--db", db, "--coder", "union", "-o", str(out),
                 *as_user(monkeypatch, "alice")]) == 0
    assert BOB_ONLY_QUOTE in out.read_text(encoding="utf-8-sig")


def test_agreement_and_suggestions_as_a_blind_coder_are_refused(db, monkeypatch, capsys):
    both = ["--coders", "alice,bob", "--all-transcripts"]
    assert main(["agreement", "--db", db, *both, *as_user(monkeypatch, "alice")]) == 1
    assert "blind" in capsys.readouterr().err
    assert main(["suggest", "--evaluate", "--coder", "bob", "--db", db, *as_user(monkeypatch, "alice")]) == 1
    assert "blind" in capsys.readouterr().err
    assert main(["agreement", "--db", db, *both]) == 0  # the operator, who holds the database, sees all


def test_a_wrong_password_is_refused_in_one_line_and_counted(db, monkeypatch, capsys):
    for _ in range(4):
        assert main(["export", "csv", "--db", db, "-o", "x.csv",
                     *as_user(monkeypatch, "alice", "not-her-password")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "Error: Wrong login name or password."
    assert "try again in 30 seconds" in err[-1]


def test_the_lead_manages_accounts_and_reads_the_audit_trail(db, monkeypatch, capsys):
    # The one password in the environment is lena's, so carol's new password is lena's too here.
    assert main(["users", "add", "carol", "--db", db, *as_user(monkeypatch, "lena")]) == 0
    assert "Added coder carol" in capsys.readouterr().out
    assert main(["users", "list", "--db", db, "--format", "json", *as_user(monkeypatch, "lena")]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [u["login"] for u in listed] == ["alice", "bob", "carol", "lena"]
    assert "hash" not in json.dumps(listed) and "argon2" not in json.dumps(listed)
    assert main(["users", "list", "--db", db, *as_user(monkeypatch, "alice")]) == 1
    assert main(["audit", "--db", db, *as_user(monkeypatch, "alice")]) == 1
    assert "for the project's lead" in capsys.readouterr().err

    assert main(["audit", "--db", db, "--format", "csv", "--action", "user.add",
                 *as_user(monkeypatch, "lena")]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["actor"], r["entity_id"]) for r in rows][-1] == ("lena", "carol")
    assert json.loads(rows[-1]["after"])["role"] == "coder"
    assert main(["audit", "--db", db, "--actor", "bob", "--format", "json"]) == 0
    bobs = json.loads(capsys.readouterr().out)
    assert {e["action"] for e in bobs} >= {"coding.add", "memo.set"}
    assert main(["audit", "--db", db, "--since", "yesterday"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
