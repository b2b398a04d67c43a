"""project_cmds: commands registered on the shared Typer app."""

from consult_coder.cli import app  # noqa: F401
