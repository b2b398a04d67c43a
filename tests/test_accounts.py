"""Accounts of a team project: passwords kept only as argon2 hashes, wrong passwords back off, logins
expire, and the first account of a project is its lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult_coder import accounts
from consult_coder.access import actor_viewer
from consult_coder.audit import AuditFilter, audit_log
from consult_coder.errors import UserError
from consult_coder.model import User, utcnow
from consult_coder.storage import Project
from tests.factories import in_session

PASSWORD = "correct horse battery"


def lead_and_coder(project: Project) -> None:
    in_session(project, accounts.add_user, "lena", "lead", "setup", password="lena-lead-password")
    in_session(project, accounts.add_user, "alice", "coder", "lena", password=PASSWORD)


def test_a_password_is_stored_only_as_an_argon2_hash(project):
    lead_and_coder(project)
    with project.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.login == "alice"))
        events, _ = audit_log(s, actor_viewer(s, "lena"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not any(PASSWORD in repr(ev) or stored in repr(ev) for ev in events)
    assert in_session(project, accounts.authenticate, "alice", PASSWORD).account.coder == "alice"


def test_wrong_passwords_lock_the_account_for_longer_each_time(sqlite_project):
    project = sqlite_project
    lead_and_coder(project)
    now = utcnow()
    for _ in range(accounts.FREE_ATTEMPTS):
        outcome = in_session(project, accounts.authenticate, "alice", "not the password", now)
        assert outcome.account is None and outcome.message == "Wrong login name or password."
    outcome = in_session(project, accounts.authenticate, "alice", "still not it", now)
    assert "try again in 30 seconds" in outcome.message
    # While locked even the right password is refused, so guessing costs time.
    locked = in_session(project, accounts.authenticate, "alice", PASSWORD, now + timedelta(seconds=10))
    assert locked.account is None and "try again in 20 seconds" in locked.message
    later = now + timedelta(seconds=31)
    outcome = in_session(project, accounts.authenticate, "alice", "wrong again", later)
    assert "try again in 60 seconds" in outcome.message  # doubled
    assert in_session(project, accounts.authenticate, "alice", PASSWORD, later + timedelta(minutes=2)).account
    # An unknown name gets the same answer as a wrong password.
    assert in_session(project, accounts.authenticate, "nobody", PASSWORD).message == \
        "Wrong login name or password."
    with project.session() as s:
        failed, _ = audit_log(s, actor_viewer(s, "lena"), AuditFilter(actions=("user.login_failed",)))
    assert len(failed) == accounts.FREE_ATTEMPTS + 2


def test_logins_expire_when_idle_too_long_or_too_old_or_when_the_lead_changes_the_account(sqlite_project):
    project = sqlite_project
    lead_and_coder(project)
    start = utcnow()
    assert accounts.expired(start, start + timedelta(minutes=20), start + timedelta(minutes=40)) is None
    assert "without activity" in accounts.expired(start, start, start + accounts.IDLE_TIMEOUT
                                                  + timedelta(seconds=1))
    assert "log in again" in accounts.expired(start, start + timedelta(hours=10), start
                                              + accounts.ABSOLUTE_TIMEOUT + timedelta(minutes=1))
    account = in_session(project, accounts.authenticate, "alice", PASSWORD).account
    assert in_session(project, accounts.current_account, "alice", account.session_version) == account
    in_session(project, accounts.set_disabled, "alice", True, "lena")
    assert in_session(project, accounts.current_account, "alice", account.session_version) is None
    assert in_session(project, accounts.authenticate, "alice", PASSWORD).account is None


def test_the_first_account_is_the_lead_and_only_a_lead_manages_accounts(project):
    with pytest.raises(UserError, match="must be its lead"):
        in_session(project, accounts.add_user, "alice", "coder", "setup", password=PASSWORD)
    with pytest.raises(UserError, match="too short"):
        in_session(project, accounts.add_user, "lena", "lead", "setup", password="short")
    lead_and_coder(project)
    with pytest.raises(UserError, match="lead"):
        in_session(project, accounts.add_user, "eve", "lead", "alice", password=PASSWORD)
    with pytest.raises(UserError, match="active lead"):
        in_session(project, accounts.set_role, "lena", "coder", "lena")
    with project.session() as s:
        assert [u.login for u in accounts.list_users(s, actor_viewer(s, "lena"))] == ["alice", "lena"]
        with pytest.raises(UserError, match="lead"):
            accounts.list_users(s, actor_viewer(s, "alice"))


def test_a_shared_database_shows_nothing_until_it_has_a_lead(project):
    shared = project.engine.dialect.name == "postgresql"
    assert in_session(project, accounts.project_mode) == ("needs_lead" if shared else "solo")
    lead_and_coder(project)
    assert in_session(project, accounts.project_mode) == "team"
