"""``--user NAME``: run a command as a team project's account, seeing what that account may see.

Without it a command runs as the project's operator — whoever holds the database location holds the
whole project anyway — and sees everything. With it, the account's password is asked for (or read
from ``$CONSULT_CODER_PASSWORD``; never from the command line), failed attempts count towards the
account's back-off like the app's, and a coder sees only their own layer while coding is blind.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from consult_coder import accounts
from consult_coder.access import Viewer, actor_viewer
from consult_coder.errors import UserError
from consult_coder.storage import Project

OPERATOR = "cli"  # the audit trail's name for the command line's operator

UserOpt = Annotated[str | None, typer.Option(
    "--user", help="Act as this account of a team project (the password is asked for, or read from "
                   f"${accounts.PASSWORD_ENV}); a coder sees only their own layer while coding is blind")]


def password(prompt: str, confirm: bool = False) -> str:
    """From ``$CONSULT_CODER_PASSWORD`` if set, else asked for without echo (twice to set one)."""
    given = os.environ.get(accounts.PASSWORD_ENV)
    if given:
        return given
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def viewer_for(project: Project, user: str | None) -> Viewer:
    """Who the command runs as: the account (after its password), else the operator, who sees all."""
    if user is None:
        return Viewer.everyone(OPERATOR)
    secret = password(f"Password for {user}")
    with project.session() as s:  # committed even when refused: the failed attempt counts
        outcome = accounts.authenticate(s, user, secret)
    if outcome.account is None:
        raise UserError(outcome.message)
    with project.session() as s:
        return actor_viewer(s, outcome.account.coder)
