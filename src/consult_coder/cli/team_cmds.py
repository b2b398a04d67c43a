"""``consult-coder users …``, ``blinding`` and ``audit``: a team project's accounts, its blind coding and
its audit trail, for the lead (or the operator who holds the database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from consult_coder import accounts, audit
from consult_coder.access import project_blind, set_blinding
from consult_coder.cli import DB_HELP, app
from consult_coder.cli.login import UserOpt, password, viewer_for
from consult_coder.errors import UserError
from consult_coder.storage import open_project

users_app = typer.Typer(help="Accounts of a team project: add, list, change role, disable, reset password.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
LoginArg = Annotated[str, typer.Argument(help="The account's login name")]


class Role(StrEnum):
    lead = "lead"
    coder = "coder"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


class LogFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _actor(project, user: str | None) -> str:  # noqa: ANN001 - a storage.Project
    return viewer_for(project, user).name


@users_app.command("add")
def add(login: LoginArg, role: Annotated[Role, typer.Option("--role", help="lead or coder")] = Role.coder,
        coder: Annotated[str | None, typer.Option(help="The coder the account codes as (default: the login)")]
        = None,
        email: Annotated[str | None, typer.Option(help="E-mail for the institution's sign-in (OIDC)")] = None,
        no_password: Annotated[bool, typer.Option(
            "--no-password", help="Log in only through the institution's sign-in (needs --email)")] = False,
        db: DbOpt = None, user: UserOpt = None) -> None:
    """Add an account; its password is asked for twice (or read from $CONSULT_CODER_PASSWORD)."""
    project = open_project(db)
    try:
        actor = _actor(project, user)
        secret = None if no_password else password(f"Password for {login}", confirm=True)
        with project.session() as s:
            made = accounts.add_user(s, login, role.value, actor, password=secret, email=email, coder=coder)
        typer.echo(f"Added {made.role} {made.login} (codes as {made.coder}) to {project.location}")
    finally:
        project.close()


@users_app.command("list")
def list_(db: DbOpt = None, user: UserOpt = None,
          format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table) -> None:
    """Every account: login, coder, role, sign-in, status, last login."""
    project = open_project(db)
    try:
        viewer = viewer_for(project, user)
        with project.session() as s:
            users = accounts.list_users(s, viewer)
    finally:
        project.close()
    rows = [{"login": u.login, "coder": u.coder, "role": u.role, "email": u.email or "",
             "password": u.has_password, "disabled": u.disabled, "failed_attempts": u.failed_attempts,
             "last_login": u.last_login_at.isoformat() if u.last_login_at else ""} for u in users]
    if format is ListFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} account(s)")
    for col in ("login", "coder", "role", "email", "password", "disabled", "failed_attempts", "last_login"):
        table.add_column(col)
    for r in rows:
        table.add_row(*(str(r[c]) for c in r))
    Console(highlight=False).print(table)


@users_app.command("set-role")
def set_role(login: LoginArg, role: Annotated[Role, typer.Argument(help="lead or coder")], db: DbOpt = None,
             user: UserOpt = None) -> None:
    """Make an account a lead or a coder (it is logged out everywhere)."""
    _change(db, user, lambda s, actor: accounts.set_role(s, login, role.value, actor),
            f"{login} is now a {role.value}", f"{login} was already a {role.value}")


@users_app.command("disable")
def disable(login: LoginArg, db: DbOpt = None, user: UserOpt = None) -> None:
    """Stop an account logging in (and log it out everywhere)."""
    _change(db, user, lambda s, actor: accounts.set_disabled(s, login, True, actor),
            f"{login} is disabled", f"{login} was already disabled")


@users_app.command("enable")
def enable(login: LoginArg, db: DbOpt = None, user: UserOpt = None) -> None:
    """Let a disabled account log in again (its failed attempts forgotten)."""
    _change(db, user, lambda s, actor: accounts.set_disabled(s, login, False, actor),
            f"{login} is enabled", f"{login} was already enabled")


@users_app.command("reset-password")
def reset_password(login: LoginArg, db: DbOpt = None, user: UserOpt = None) -> None:
    """Set a new password (asked for twice, or read from $CONSULT_CODER_PASSWORD); unlocks the account."""
    project = open_project(db)
    try:
        actor = _actor(project, user)
        secret = password(f"New password for {login}", confirm=True)
        with project.session() as s:
            accounts.reset_password(s, login, secret, actor)
    finally:
        project.close()
    typer.echo(f"New password set for {login}; it is logged out everywhere")


def _change(db: str | None, user: str | None, change, done: str, same: str) -> None:  # noqa: ANN001
    project = open_project(db)
    try:
        actor = _actor(project, user)
        with project.session() as s:
            changed = change(s, actor)
    finally:
        project.close()
    typer.echo(done if changed else same)


class Switch(StrEnum):
    on = "on"
    off = "off"


@app.command("blinding")
def blinding(state: Annotated[Switch | None, typer.Argument(help="on: coders see only their own work; "
                                                                  "off: everyone sees every coder's")] = None,
             db: DbOpt = None, user: UserOpt = None) -> None:
    """Show, or (a lead) switch, blind coding for the whole project; the switch is audited."""
    project = open_project(db)
    try:
        if state is None:
            with project.session() as s:
                typer.echo(f"Blind coding is {'on' if project_blind(s) else 'off'}")
            return
        actor = _actor(project, user)
        with project.session() as s:
            set_blinding(s, actor, state is Switch.on)
    finally:
        project.close()
    typer.echo(f"Blind coding is {state.value}")


def _day(value: str | None, option: str, after: bool = False) -> datetime | None:
    """A date given as YYYY-MM-DD: its first moment (UTC), or with ``after`` the first moment after it."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value!r}: give a date as YYYY-MM-DD") from None
    return datetime.combine(day + timedelta(days=1 if after else 0), time(0), tzinfo=UTC)


@app.command("audit")
def audit_cmd(
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD, UTC) on")] = None,
    until: Annotated[str | None, typer.Option(help="Up to and including this date (YYYY-MM-DD, UTC)")] = None,
    actor: Annotated[str | None, typer.Option(help="Only what this person did")] = None,
    action: Annotated[list[str] | None, typer.Option(help="Only these actions, e.g. coding.add (repeatable)")]
    = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many events (table and json), newest first")]
    = 50,
    format: Annotated[LogFormat, typer.Option("--format", help="table, csv (every matching event, "
                                                                "formula-safe) or json")] = LogFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file instead")] = None,
    db: DbOpt = None, user: UserOpt = None,
) -> None:
    """The audit trail (the lead's): who did what, when, with the values before and after."""
    unknown = [a for a in action or [] if a not in audit.ACTION_LABELS]
    if unknown:
        raise UserError(f"Unknown action {unknown[0]!r}: use one of {', '.join(audit.ACTION_LABELS)}")
    flt = audit.AuditFilter(actor, tuple(action or ()), _day(since, "--since"),
                            _day(until, "--until", after=True))
    project = open_project(db)
    try:
        viewer = viewer_for(project, user)
        with project.session() as s:
            if format is LogFormat.csv:
                data = audit.audit_csv(s, viewer, flt)
            else:
                events, total = audit.audit_log(s, viewer, flt, limit=limit)
    finally:
        project.close()
    if format is LogFormat.csv:
        _emit(data, output)
    elif format is LogFormat.json:
        rows = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "what": e.label,
                 "entity": e.entity, "entity_id": e.entity_id, "before": e.before, "after": e.after,
                 "details": e.details, "undone": e.undone} for e in events]
        _emit(json.dumps(rows, ensure_ascii=False, indent=2, default=str).encode(), output)
    else:
        _print_log(events, total)


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    from consult_coder.cli.export_cmds import write_atomically

    write_atomically(output, data)
    typer.echo(f"Wrote {output}")


def _print_log(events: list[audit.EventView], total: int) -> None:
    table = Table(title=f"{len(events)} of {total:,} event(s), newest first")
    for col in ("when (UTC)", "who", "what", "on", "before", "after"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.label, e.target, audit.readable(e.before, 120),
                      audit.readable(e.after, 120))
    Console(highlight=False).print(table, markup=False)
