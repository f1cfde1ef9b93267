# Sourced by the test and benchmark scripts: make sure the local PostgreSQL is up, and export
# PRIVACY_DESK_TEST_POSTGRES_URL for the tests (or PRIVACY_DESK_TEST_POSTGRES=skip, loudly).
: "${PRIVACY_DESK_TEST_POSTGRES_URL:=postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
export PRIVACY_DESK_TEST_POSTGRES_URL
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if pg_up; then
  echo "PostgreSQL is up: tests run on SQLite and PostgreSQL"
else
  export PRIVACY_DESK_TEST_POSTGRES=skip
  echo "########################################################################"
  echo "# WARNING: PostgreSQL is not reachable on 127.0.0.1:5432 and could not  #"
  echo "# be started. The PostgreSQL half of the suite will be SKIPPED.         #"
  echo "########################################################################"
fi
