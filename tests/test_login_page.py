"""A team project shows a login form before anything of the project; a solo project opens at once."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from consult_coder.storage import open_project
from consult_coder.ui import render
from tests.factories import REPO, TEAM_PASSWORDS, build_export_study, build_team_study

APP = str(REPO / "app.py")


def everything_shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "text", "code",
                                  "info", "warning", "error") for e in getattr(at, kind)]
    parts += [str(d.value) for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def team_db(tmp_path, monkeypatch) -> str:
    db = str(tmp_path / "team.sqlite")
    project = open_project(db)
    build_team_study(project)
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    return db


def log_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="login_name").input(login)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def test_a_team_project_shows_only_the_login_form_until_a_login(team_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Login name", "Password"]
    shown = everything_shown(at)
    assert "Log in" in shown
    for words in ("Interviewer", "P01", "P22", "alice", "bob", "Trust"):
        assert words not in shown
    assert not at.sidebar.selectbox and not at.dataframe

    log_in(at, "alice", "a wrong password")
    assert "Wrong login name or password." in [render.shown(e.value) for e in at.error]
    assert [t.label for t in at.text_input] == ["Login name", "Password"]

    log_in(at, "alice", TEAM_PASSWORDS["alice"])
    assert not at.exception
    assert "P01" in everything_shown(at)  # the first page: participants and transcripts
    assert any("alice" in e.value for e in [*at.sidebar.caption, *at.sidebar.markdown])


def test_a_solo_project_opens_without_a_password(tmp_path, monkeypatch):
    db = str(tmp_path / "solo.sqlite")
    project = open_project(db)
    build_export_study(project)
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not [t for t in at.text_input if t.label == "Password"]
    assert "P01" in everything_shown(at)


def test_a_shared_database_without_accounts_says_how_to_make_the_lead(pg_server, monkeypatch):
    url = pg_server.new_database()
    project = open_project(url)
    build_export_study(project)
    project.close()
    monkeypatch.setenv("CONSULT_CODER_DB", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    shown = everything_shown(at)
    assert "consult-coder users add LOGIN --role lead" in shown
    assert "P01" not in shown and "Interviewer" not in shown
