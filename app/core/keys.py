"""The secret key that signs the CSRF tokens: never a default value.

It comes from `QUALIPARC_SECRET_KEY`, or else from the per-install file that `make run` writes in
the local state folder (`.qualiparc/secret_key`, mode 600). Without either, `qualiparc serve` and
the application refuse to start.
"""

from __future__ import annotations

import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from app.core.settings import get_settings

MIN_LENGTH = 32
KNOWN_KEYS = frozenset({"change-me-in-production", "changeme", "secret", "qualiparc"})
"""Published values (the old default among them) that must never sign anything."""
HOW_TO = (
    'Générez-en une avec : python -c "import secrets; print(secrets.token_urlsafe(48))" '
    "et passez-la dans QUALIPARC_SECRET_KEY. `make run` en crée une pour une installation locale."
)


class SecretKeyError(RuntimeError):
    """No usable secret key; the message is French and says how to set one."""


def ensure_local_key(path: Path | None = None) -> Path:
    """Create the per-install key file (mode 600) unless it exists; return its path."""
    path = path or get_settings().secret_key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path


@lru_cache
def _read_key_file(path: Path) -> str:
    if os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(
            f"La clé secrète {path} est lisible par d'autres comptes : chmod 600 {path}."
        )
    return path.read_text(encoding="utf-8").strip()


def _checked(key: str, origin: str) -> bytes:
    if key in KNOWN_KEYS or len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"La clé secrète ({origin}) est trop courte ou publique : il faut au moins "
            f"{MIN_LENGTH} caractères aléatoires. {HOW_TO}"
        )
    return key.encode()


def secret_key() -> bytes:
    """The configured key, else the local install's; `SecretKeyError` when there is none."""
    settings = get_settings()
    if settings.secret_key is not None:
        return _checked(settings.secret_key.get_secret_value(), "QUALIPARC_SECRET_KEY")
    if settings.secret_key_file.is_file():
        return _checked(_read_key_file(settings.secret_key_file), str(settings.secret_key_file))
    raise SecretKeyError(f"Aucune clé secrète : le serveur ne démarre pas sans elle. {HOW_TO}")
