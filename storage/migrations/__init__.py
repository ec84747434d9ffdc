"""Alembic environment and versions; `upgrade(engine)` brings a database to the newest schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that use it: `siaga --help` and the tests' imports do without it.


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config that runs this package's migrations on `engine`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Migrate the database to head; tell whether anything had to change."""
    from alembic import command

    if current_revision(engine) == head_revision(engine):
        return False
    command.upgrade(alembic_config(engine), "head")
    return True


def table_names(engine: Engine) -> set[str]:
    """Return the tables present in the database."""
    return set(inspect(engine).get_table_names())
