"""A database URL's credentials never reach a screen or a log: masked wherever the location is printed."""

from __future__ import annotations

import pytest

from consult_coder.cli import main
from consult_coder.errors import UserError
from consult_coder.storage import mask_credentials, open_project

SECRETS = ("hunter2", "s3cr@t", "k3y-pass", "tok123")


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://alice:hunter2@db.example.org:5432/study",
     "postgresql://alice:***@db.example.org:5432/study"),
    ("postgresql://alice@db/study?sslmode=require&password=hunter2",
     "postgresql://alice@db/study?sslmode=require&password=***"),
    ("postgresql://alice:s3cr@t@db/study?sslpassword=k3y-pass&application_name=cc",
     "postgresql://alice:***@db/study?sslpassword=***&application_name=cc"),
    ("postgres://db/study?PASSWORD=hunter2&token=tok123", "postgres://db/study?PASSWORD=***&token=***"),
    ("host=db user=alice password='hunter2 x'", "host=db user=alice password=***"),
    ("/home/alice/project.sqlite", "/home/alice/project.sqlite"),
])
def test_every_credential_in_a_location_is_masked(url: str, shown: str):
    assert mask_credentials(url) == shown


def test_a_project_shows_its_location_without_the_password(pg_server):
    db = pg_server.new_database()  # the test server trusts local connections: any password opens it
    url = db.replace("postgres@", "postgres:hunter2@") + "?sslpassword=k3y-pass&password=tok123"
    project = open_project(url)
    try:
        assert not any(secret in project.location for secret in SECRETS)
        assert project.location.startswith("postgresql://postgres:***@127.0.0.1")
        assert not any(secret in repr(project) for secret in SECRETS)
    finally:
        project.close()


@pytest.mark.parametrize("url", [
    "postgresql://alice:hunter2@127.0.0.1:1/none?sslpassword=k3y-pass",
    "postgresql://alice:hunter2@127.0.0.1:notaport/none",
])
def test_errors_about_a_location_mask_its_credentials(url: str):
    with pytest.raises(UserError) as err:
        open_project(url)
    assert not any(secret in str(err.value) for secret in SECRETS)
    assert "\n" not in str(err.value)


def test_command_line_summaries_and_errors_mask_the_url(pg_server, capsys):
    db = pg_server.new_database().replace("postgres@", "postgres:hunter2@") + "?password=tok123"
    assert main(["demo", "--db", db]) == 0
    assert main(["transcripts", "--db", "postgresql://u:hunter2@127.0.0.1:1/x?password=tok123"]) == 1
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "postgres:***@127.0.0.1" in printed and "password=***" in printed
    assert not any(secret in printed for secret in SECRETS)
