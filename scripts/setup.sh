#!/usr/bin/env bash
# Prepare a fresh machine: system packages (PostGIS, Chromium for tests), the virtualenv, the front end.
# Idempotent: a second run only checks. WITH_BROWSER=1 also installs Chromium (for the tests);
# WITH_GIS=1 GDAL's command-line tools and QGIS's Python bindings (the OGC API's client tests);
# WITH_BENCH=1 wrk, the load generator of the bench's concurrent readers.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -f /usr/share/postgresql/15/extension/postgis.control ] || missing+=(postgresql-15 postgresql-15-postgis-3)
if [ "${WITH_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then missing+=(chromium); fi
if [ "${WITH_GIS:-0}" = 1 ]; then
  command -v ogrinfo >/dev/null || missing+=(gdal-bin)
  [ -f /usr/lib/qgis/plugins/libprovider_wfs.so ] && [ -d /usr/lib/python3/dist-packages/qgis/core ] \
    || missing+=(python3-qgis qgis-providers)
fi
if [ "${WITH_BENCH:-0}" = 1 ] && ! command -v wrk >/dev/null; then missing+=(wrk); fi
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installation des paquets système : ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Paquets système manquants. Lancez : sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Installation de l'environnement Python (.venv)…"
  if ! { .venv/bin/pip install -q --upgrade pip && .venv/bin/pip install -q -e ".[test]"; } \
      > .venv/install.log 2>&1; then
    cat .venv/install.log >&2
    exit 1
  fi
  rm -f .venv/.installed-* && touch "$stamp"
fi

lock_stamp="frontend/node_modules/.installed-$(sha1sum frontend/package-lock.json | cut -c1-12)"
if [ ! -f "$lock_stamp" ]; then
  echo "Installation des bibliothèques du front (npm)…"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$lock_stamp"
fi
node frontend/build.mjs

# The national administrative reference (npm @etalab/decoupage-administratif, pinned in
# reference/package.json), copied into app/reference where `import territory` reads it.
reference_stamp="reference/node_modules/.installed-$(sha1sum reference/package-lock.json | cut -c1-12)"
if [ ! -f "$reference_stamp" ]; then
  echo "Installation du référentiel administratif national (npm)…"
  (cd reference && npm ci --no-audit --no-fund --loglevel=error)
  touch "$reference_stamp"
fi
node reference/build.mjs >/dev/null
