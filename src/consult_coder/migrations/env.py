from alembic import context

from consult_coder.model import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds to alter
)
with context.begin_transaction():
    context.run_migrations()
