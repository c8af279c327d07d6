# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the server's tests (sourced by scripts).
#
#   start_test_postgres   installs PostgreSQL if initdb is missing, starts a
#                         cluster in a temporary directory on 127.0.0.1:54329
#                         (trust auth, loopback only, fsync off), creates the
#                         role `ichie` and the database `ichie_test`, and
#                         exports ICHIE_TEST_POSTGRES_URL. Idempotent: a
#                         cluster already answering on the port is reused.
#   stop_test_postgres    stops the cluster this shell started and deletes it
#                         (for a trap: trap stop_test_postgres EXIT).

ICHIE_TEST_PG_PORT="${ICHIE_TEST_PG_PORT:-54329}"

# The directory of initdb/pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<ver>/bin.
_pg_bindir() {
  local found dir
  if found=$(command -v initdb 2>/dev/null); then
    dirname "$(readlink -f "$found")"
    return 0
  fi
  while IFS= read -r dir; do
    if [ -x "$dir/initdb" ]; then
      echo "$dir"
      return 0
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
  return 1
}

# Runs a command as the cluster owner: `postgres` when we are root (initdb
# refuses root), ourselves otherwise.
_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_test_postgres() {
  local bindir
  if ! bindir=$(_pg_bindir); then
    echo "== installing postgresql"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
    bindir=$(_pg_bindir) || { echo "error: no initdb after installing postgresql" >&2; return 1; }
  fi
  export ICHIE_TEST_POSTGRES_URL="postgres://ichie@127.0.0.1:${ICHIE_TEST_PG_PORT}/ichie_test"
  if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$ICHIE_TEST_PG_PORT"; then
    echo "== reusing the PostgreSQL already on 127.0.0.1:${ICHIE_TEST_PG_PORT}"
    return 0
  fi
  ICHIE_TEST_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ichie-pg.XXXXXX")
  export ICHIE_TEST_PG_DIR
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$ICHIE_TEST_PG_DIR"
  fi
  _pg_run "$bindir/initdb" -D "$ICHIE_TEST_PG_DIR/data" -U postgres -A trust -E UTF8 \
    --no-sync >"$ICHIE_TEST_PG_DIR/initdb.log" 2>&1 ||
    { cat "$ICHIE_TEST_PG_DIR/initdb.log" >&2; return 1; }
  _pg_run "$bindir/pg_ctl" -D "$ICHIE_TEST_PG_DIR/data" -l "$ICHIE_TEST_PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p ${ICHIE_TEST_PG_PORT} -c unix_socket_directories=${ICHIE_TEST_PG_DIR} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null ||
    { cat "$ICHIE_TEST_PG_DIR/server.log" >&2; return 1; }
  "$bindir/psql" -q -h 127.0.0.1 -p "$ICHIE_TEST_PG_PORT" -U postgres -d postgres \
    -c "CREATE ROLE ichie LOGIN CREATEDB" -c "CREATE DATABASE ichie_test OWNER ichie" >/dev/null
  echo "== PostgreSQL on 127.0.0.1:${ICHIE_TEST_PG_PORT} (${ICHIE_TEST_PG_DIR})"
}

stop_test_postgres() {
  local bindir
  [ -n "${ICHIE_TEST_PG_DIR:-}" ] && [ -d "$ICHIE_TEST_PG_DIR" ] || return 0
  bindir=$(_pg_bindir) || return 0
  _pg_run "$bindir/pg_ctl" -D "$ICHIE_TEST_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$ICHIE_TEST_PG_DIR"
  unset ICHIE_TEST_PG_DIR
}
