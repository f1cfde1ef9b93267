#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml's ranges (pip-tools, a dev dependency):
#   requirements/app.txt  what the server image installs (deploy/Dockerfile)
#   requirements/dev.txt  that plus the dev tools, what `make install` and CI install
# Pass --upgrade to move every pin to the newest release the ranges allow.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
common=(--quiet --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe)
"$VENV/bin/pip-compile" "${common[@]}" "$@" -o requirements/app.txt pyproject.toml
"$VENV/bin/pip-compile" "${common[@]}" "$@" --extra dev -o requirements/dev.txt pyproject.toml
