#!/usr/bin/env bash
# Server load figures: ichie-load against a release ichie-server on
# 127.0.0.1, first on SQLite, then on a throwaway PostgreSQL cluster.
# Bounded: LOAD_ACTIVATIONS tokens (default 1000), LOAD_CONCURRENCY clients
# (default 16), at most 120 s a run. Prints one JSON report per database.
# The PostgreSQL cluster is the test one: fsync and synchronous_commit off,
# so its figures are an upper bound; SQLite runs with its normal durability.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
# shellcheck source=scripts/lib/postgres.sh
. scripts/lib/postgres.sh
ensure_rust
ensure_packages python3:python3

activations=${LOAD_ACTIVATIONS:-1000}
concurrency=${LOAD_CONCURRENCY:-16}

cargo build --quiet --release -p ichie-server -p ichie-e2e
bin=$PWD/target/release
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  stop_test_postgres
  rm -rf "$work"
}
trap cleanup EXIT

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# run_load LABEL [DATABASE_URL]
run_load() {
  local label=$1 db=${2:-} dir="$work/$1" port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local args=(init "$dir" --listen "127.0.0.1:$port" --public-url "https://127.0.0.1:$port" --service-id bench --json)
  [ -n "$db" ] && args+=(--database-url "$db")
  "$bin/ichie-server" "${args[@]}" >"$work/$label-init.json"
  # One load generator on 127.0.0.1 is not an attacker: no rate limits.
  sed -i 's/^enabled = true$/enabled = false/' "$dir/ichie-server.toml"
  "$bin/ichie-server" serve --dir "$dir" --port-file "$work/$label.port" >"$work/$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/$label.port" ] && break; sleep 0.1; done
  "$bin/ichie-load" --url "https://127.0.0.1:$port" --ca "$dir/tls/ca.pem" \
    --admin-key "$(json_field admin_key <"$work/$label-init.json")" \
    --activations "$activations" --concurrency "$concurrency" --max-seconds 120 --label "$label"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

run_load sqlite
start_test_postgres
"$(_pg_bindir)/psql" -q -h 127.0.0.1 -p "$ICHIE_TEST_PG_PORT" -U ichie -d ichie_test \
  -c 'DROP DATABASE IF EXISTS ichie_bench' -c 'CREATE DATABASE ichie_bench' >/dev/null
run_load postgres "postgres://ichie@127.0.0.1:$ICHIE_TEST_PG_PORT/ichie_bench"
