"""Upgrade from empty == the models' metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import migrations
from storage.db import make_engine
from storage.models import Base


def test_upgrade_from_empty_matches_the_models_and_is_idempotent(database_factory):
    engine = make_engine(database_factory())
    assert migrations.current_revision(engine) is None
    assert migrations.upgrade(engine) is True
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert migrations.table_names(engine) >= set(Base.metadata.tables)
    assert migrations.upgrade(engine) is False
    engine.dispose()
