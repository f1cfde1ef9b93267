#!/usr/bin/env bash
# The benchmarks: each prints its figures next to a baseline measured in the same run.
# No wall-clock thresholds: nothing here fails because the machine is slow.
#   VENV=.venv bash scripts/bench.sh          (make bench)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
source scripts/postgres.sh

run() {
  echo
  echo "=== bench.$1 ==="
  local start=$SECONDS
  "$VENV/bin/python" -m "bench.$1" "${@:2}"
  echo "=== bench.$1 took $((SECONDS - start)) s ==="
}

run deadline_cli
run startup
run console_ux
run deadlines
if [ "${PRIVACY_DESK_TEST_POSTGRES:-}" = skip ]; then
  echo "########################################################################"
  echo "# WARNING: PostgreSQL is not reachable: bench.list_overdue runs on      #"
  echo "# SQLite only. The PostgreSQL half is SKIPPED.                          #"
  echo "########################################################################"
  run list_overdue --no-postgres
else
  run list_overdue
fi
run slack_ack
run encryption
run sweep
