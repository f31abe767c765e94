#!/usr/bin/env bash
# `make test`: set up (with Chromium), lint and check the formatting, then the whole suite on a
# throwaway PostGIS cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=1 scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/pytest "$@"
