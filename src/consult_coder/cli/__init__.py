"""The ``consult-coder`` command line: a thin layer over the domain core.

Each command group lives in its own module and registers itself on :data:`app`. Errors reach the
user as one line on stderr and a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import sys

import typer

from consult_coder.errors import UserError

app = typer.Typer(
    name="consult-coder",
    help="Code consultation transcripts offline: import, code, analyse, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DB_HELP = (
    "Project location: an SQLite file path or a postgresql:// URL. "
    "Default: $CONSULT_CODER_DB, else the embedded project file."
)


def _register() -> None:
    # Imported for their side effect of adding commands to ``app``.
    from consult_coder.cli import (  # noqa: F401
        agreement_cmds,
        anonymity_cmds,
        backup_cmds,
        codebook_cmds,
        export_cmds,
        project_cmds,
        refi_cmds,
        suggest_cmds,
        team_cmds,
    )


def main(argv: list[str] | None = None) -> int:
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except UserError as exc:
        typer.echo(f"Error: {exc}", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 130
    except Exception as exc:  # usage errors (typer's click) and anything unforeseen: still one line
        format_message = getattr(exc, "format_message", None)
        if callable(format_message):
            typer.echo(f"Error: {format_message()}".splitlines()[0], err=True)
            return int(getattr(exc, "exit_code", 2))
        typer.echo(f"Error: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
