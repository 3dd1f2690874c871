"""Alembic environment: always run in-process on a connection the case hands over."""

from __future__ import annotations

from alembic import context

from app.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
