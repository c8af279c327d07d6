#!/usr/bin/env bash
# Verification load figures: ichie-verify-load against a release
# ichie-server on 127.0.0.1, first on SQLite, then on a throwaway PostgreSQL
# cluster. Bounded: VERIFY_TOKENS tokens provisioned (default 5000; also the
# number of right codes), VERIFY_CONCURRENCY connections (default 16),
# VERIFY_REPLAY_ROUNDS replays of each accepted code (default 2),
# VERIFY_WRONG wrong codes (default 50000), at most 15 s per measured phase.
# VERIFY_ENGINES picks the databases (default "sqlite postgres");
# VERIFY_CACHE_TOKENS sets the server's verify_cache_tokens (default: as init
# writes it; 0 turns the key cache off).
# Prints the load average and one JSON report per database.
# The PostgreSQL cluster is the test one: fsync and synchronous_commit off,
# so its figures are an upper bound; SQLite runs as the server configures it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
# shellcheck source=scripts/lib/postgres.sh
. scripts/lib/postgres.sh
ensure_rust
ensure_packages python3:python3

tokens=${VERIFY_TOKENS:-5000}
concurrency=${VERIFY_CONCURRENCY:-16}
replay_rounds=${VERIFY_REPLAY_ROUNDS:-2}
wrong=${VERIFY_WRONG:-50000}
engines=${VERIFY_ENGINES:-sqlite postgres}
cache_tokens=${VERIFY_CACHE_TOKENS:-}

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

# run_verify LABEL [DATABASE_URL]
run_verify() {
  local label=$1 db=${2:-} dir="$work/$1" port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local args=(init "$dir" --listen "127.0.0.1:$port" --public-url "https://127.0.0.1:$port" --service-id bench --json)
  [ -n "$db" ] && args+=(--database-url "$db")
  "$bin/ichie-server" "${args[@]}" >"$work/$label-init.json"
  # One load generator on 127.0.0.1 is not an attacker: no rate limits.
  sed -i 's/^enabled = true$/enabled = false/' "$dir/ichie-server.toml"
  # The wrong-code phase sends many failures per token: lockout stays on,
  # with a limit it never reaches.
  sed -i 's/^max_verify_failures = 10$/max_verify_failures = 1000000000/' "$dir/ichie-server.toml"
  if [ -n "$cache_tokens" ]; then
    sed -i "s/^verify_cache_tokens = .*/verify_cache_tokens = $cache_tokens/" "$dir/ichie-server.toml"
  fi
  "$bin/ichie-server" serve --dir "$dir" --port-file "$work/$label.port" >"$work/$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/$label.port" ] && break; sleep 0.1; done
  echo "== $label: $(uptime)" >&2
  "$bin/ichie-verify-load" --url "https://127.0.0.1:$port" --ca "$dir/tls/ca.pem" \
    --admin-key "$(json_field admin_key <"$work/$label-init.json")" \
    --verifier-key "$(json_field verifier_key <"$work/$label-init.json")" \
    --tokens "$tokens" --concurrency "$concurrency" --replay-rounds "$replay_rounds" \
    --wrong "$wrong" --phase-seconds 15 --label "$label"
  echo "== $label done: $(uptime)" >&2
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

for engine in $engines; do
  case $engine in
    sqlite) run_verify sqlite ;;
    postgres)
      start_test_postgres
      "$(_pg_bindir)/psql" -q -h 127.0.0.1 -p "$ICHIE_TEST_PG_PORT" -U ichie -d ichie_test \
        -c 'DROP DATABASE IF EXISTS ichie_bench_verify' -c 'CREATE DATABASE ichie_bench_verify' >/dev/null
      run_verify postgres "postgres://ichie@127.0.0.1:$ICHIE_TEST_PG_PORT/ichie_bench_verify"
      ;;
    *) echo "unknown engine $engine (sqlite, postgres)" >&2; exit 2 ;;
  esac
done
