#!/usr/bin/env bash
# `make test`: set up (with Chromium, GDAL and QGIS), the static checks of scripts/lint.sh, then the
# whole suite on a throwaway PostGIS cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=1 WITH_GIS=1 scripts/setup.sh
scripts/lint.sh
exec .venv/bin/pytest "$@"
