"""Alembic environment: migrates the database the app would use."""

from alembic import context
from sqlalchemy import create_engine, pool

from app.core.database import resolve_database_url, sqlalchemy_url
from app.models import Base

target_metadata = Base.metadata

IGNORED_TABLES = {"spatial_ref_sys"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in IGNORED_TABLES)


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or resolve_database_url()
    connectable = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
