#!/usr/bin/env bash
# The whole check: lint, types, and the test suite on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
source scripts/postgres.sh
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
"$VENV/bin/pytest" "$@"
