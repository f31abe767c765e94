"""Runtime settings, read from the environment with the `QUALIPARC_` prefix."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator may tune; defaults suit a laptop."""

    model_config = SettingsConfigDict(env_prefix="QUALIPARC_", env_file=".env", extra="ignore")

    database_url: str | None = None
    """A plain `postgresql://user@host:port/db` URL; unset = the project-local cluster."""
    cluster_dir: Path = PROJECT_ROOT / ".qualiparc" / "pg"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_upload_mb: int = 20
    """Uploads above this size are refused before they are read."""
    max_body_kb: int = 1024
    """Request bodies without a file (JSON, forms) above this size are refused as they arrive."""
    max_parse_seconds: float = 30
    """An uploaded sheet whose reading and checking take longer is refused."""
    tile_url: str | None = None
    """Optional online base map (e.g. IGN Plan or OpenStreetMap tiles); the map works without it."""
    tile_attribution: str = ""
    secret_key: str = "change-me-in-production"
    secure_cookies: bool = False
    data_dir: Path = PROJECT_ROOT / "data"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
