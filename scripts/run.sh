#!/usr/bin/env bash
# `make run`: set up, make this install's secret key (.qualiparc/secret_key, mode 600), start the
# local PostGIS (unless QUALIPARC_DATABASE_URL is set), migrate,
# load the demo territory into an empty database, serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/qualiparc local-key >/dev/null
.venv/bin/qualiparc migrate
.venv/bin/qualiparc demo --if-empty
exec .venv/bin/qualiparc serve --host "${QUALIPARC_HOST:-127.0.0.1}" --port "${QUALIPARC_PORT:-8000}" \
  --workers "${QUALIPARC_WORKERS:-1}"
