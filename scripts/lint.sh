#!/usr/bin/env bash
# `make lint`, also run by `make test` before the suite: lint, formatting, the import contracts and
# the strict types, all configured in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-logo
.venv/bin/mypy
