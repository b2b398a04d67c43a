"""index events by actor and entity, for undo

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_actor_entity", "events", ["actor", "entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_events_actor_entity", table_name="events")
