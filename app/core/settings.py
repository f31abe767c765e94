"""Runtime settings, read from the environment with the `QUALIPARC_` prefix."""

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCAL_STATE_DIR = PROJECT_ROOT / ".qualiparc"
"""What `make run` keeps for this checkout (ignored by git): the cluster and the secret key."""


class Settings(BaseSettings):
    """Everything an operator may tune; defaults suit a laptop."""

    model_config = SettingsConfigDict(env_prefix="QUALIPARC_", env_file=".env", extra="ignore")

    database_url: str | None = None
    """A plain `postgresql://user@host:port/db` URL; unset = the project-local cluster."""
    cluster_dir: Path = LOCAL_STATE_DIR / "pg"
    db_pool_size: int = 20
    """Connections each worker keeps open once opened; a request uses one at most (the worker
    keeps one more, its spare, for the second half of a large layer: app/core/database.py)."""
    db_max_overflow: int = 0
    """Extra connections a worker may open at a peak, closed when returned (each costs the
    database a new session: under a steady load of readers, opening and closing them took most
    of the time of a cached answer)."""
    db_pool_timeout: float = 30.0
    """Seconds a request waits for a connection before a 503 « serveur trop sollicité »."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_upload_mb: int = 20
    """Uploads above this size are refused before they are read."""
    max_body_kb: int = 1024
    """Request bodies without a file (JSON, forms) above this size are refused as they arrive."""
    max_parse_seconds: float = 30
    """An uploaded sheet whose reading and checking take longer is refused."""
    cache_mb: int = 64
    """Memory each worker gives to the compressed layers and tiles it keeps (app/core/cache.py)."""
    warm_url: str | None = None
    """The base URL the map is called by (`qualiparc serve` sets its own address): each worker,
    as it starts, asks itself the map page's first requests under it (app/main.py). Unset: it
    only packs the outlines."""
    tile_mode_threshold: int = 20_000
    """Above this many residences in the selection, the map draws vector tiles and clusters
    instead of one GeoJSON layer (`/api/meta` gives it, the zoom-0 tile counts the selection)."""
    tile_url: str | None = None
    """Optional online base map (e.g. IGN Plan or OpenStreetMap tiles); the map works without it."""
    tile_attribution: str = ""
    secret_key: SecretStr | None = None
    """Keys the CSRF tokens; no default: see app/core/keys.py (`make run` makes a local one)."""
    secret_key_file: Path = LOCAL_STATE_DIR / "secret_key"
    """The per-install key `make run` writes (mode 600), read when `secret_key` is unset."""
    secure_cookies: bool = False
    """Send cookies over HTTPS only: set it to true whenever the site is served over HTTPS."""
    session_idle_minutes: int = 120
    """A session unused this long ends."""
    session_max_hours: int = 12
    """A session ends this long after sign-in, used or not."""
    login_max_failures: int = 5
    """Failed sign-ins per e-mail address in `login_window_minutes` before a lock."""
    login_max_failures_per_address: int = 20
    """Failed sign-ins per client address (all e-mails) in the window before a lock."""
    login_window_minutes: int = 15
    login_lock_minutes: int = 15
    """The first lock; each further lock within a day doubles it (up to 24 h)."""
    data_dir: Path = PROJECT_ROOT / "data"
    reference_dir: Path = PROJECT_ROOT / "app" / "reference" / "decoupage-administratif"
    """The national reference `qualiparc import territory` reads, put there by the build."""


class SettingsError(ValueError):
    """A `QUALIPARC_…` variable that cannot be read; the message is French and names it."""


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached); `SettingsError` names every unreadable variable."""
    try:
        return Settings()
    except ValidationError as exc:
        from app.core.errors import validation_reason

        problems = " ; ".join(
            f"QUALIPARC_{'_'.join(map(str, error['loc'])).upper()} : "
            f"{validation_reason(dict(error))}"
            for error in exc.errors()
        )
        raise SettingsError(f"Réglage invalide : {problems}.") from None
