"""The built front end (`app/static`): where it is served from, and what to say when it is missing.

`node frontend/build.mjs` copies Leaflet, Swagger UI, our ES modules and styles into `app/static`;
the wheel carries them (setup.py builds them when they are missing). An install without them
says so in French, on every page and for every asset, instead of serving a map whose files are
all 404. Standard library only: setup.py reads this module before anything is installed.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
BUILT_ASSETS = (
    "js/main.js",
    "js/map.bundle.js",
    "css/base.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/swagger-ui/swagger-ui-bundle.js",
)
"""Files that `node frontend/build.mjs` writes, relative to `STATIC_DIR`."""
BUILD_COMMAND = "cd frontend && npm ci && node build.mjs"


def missing_assets(static_dir: Path = STATIC_DIR) -> list[str]:
    """The built files absent from `static_dir`."""
    return [name for name in BUILT_ASSETS if not (static_dir / name).is_file()]


def frontend_missing(static_dir: Path = STATIC_DIR) -> str | None:
    """What to tell the user when the front end is not built (None: it is)."""
    if not missing_assets(static_dir):
        return None
    return (
        "Le front end n'est pas construit : la carte ne peut pas s'afficher. Depuis les sources, "
        f"lancez « scripts/setup.sh » (ou « {BUILD_COMMAND} »), puis, si qualiparc a été installé "
        "avec pip, réinstallez-le (« pip install . ») pour que le paquet contienne app/static."
    )
