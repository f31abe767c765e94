"""Apply the Alembic migrations from code (CLI, start-up, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from app.core.settings import PROJECT_ROOT


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


def upgrade(url: str | None = None) -> None:
    """Create PostGIS if needed, then migrate to the head revision."""
    from app.core.database import resolve_database_url, sqlalchemy_url

    url = url or resolve_database_url()
    engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at the head revision (for the readiness probe)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head
