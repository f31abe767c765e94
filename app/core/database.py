"""The engine: one pool per process, pointed at the configured or the local database."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine

from app.core.cluster import LocalCluster
from app.core.settings import get_settings


def sqlalchemy_url(url: str) -> str:
    """Accept a plain `postgresql://` URL and pick the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"URL de base de données non reconnue : {url!r} (attendu postgresql://…)")


def resolve_database_url() -> str:
    """The configured database, or the project-local cluster (started when needed)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    return LocalCluster(settings.cluster_dir).ensure()


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the resolved database)."""
    return create_engine(
        sqlalchemy_url(url or resolve_database_url()),
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
    )
