"""suggestion scans keep what the patterns found, so one code's edit re-matches that code alone

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Old scans have no matches: the next refresh matches those transcripts again (derived data only).
    with op.batch_alter_table("suggestion_scans") as batch:
        batch.add_column(sa.Column("matches", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suggestion_scans") as batch:
        batch.drop_column("matches")
