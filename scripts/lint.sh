#!/usr/bin/env bash
# `make lint`, also run by `make test` before the suite: lint, formatting, and the import contracts
# written in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-logo
