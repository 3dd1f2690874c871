"""The migrations build exactly the tables the ORM declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.case import Case
from app.store.schema import Base


def test_migrations_match_the_orm(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case, case.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The full-text index's virtual tables are SQLite's own and unknown to the ORM.
    relevant = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("items_fts"))
    ]
    assert relevant == []
