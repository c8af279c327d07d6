#!/usr/bin/env bash
# Every check and test of the workspace: formatting, lints (with and without
# the HTTPS client), and all tests. Installs what a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
# shellcheck source=scripts/lib/postgres.sh
. scripts/lib/postgres.sh

ensure_rust
# oathtool: the independent implementation the CLI's codes are checked against.
ensure_packages oathtool:oathtool cc:gcc shellcheck:shellcheck

step() { echo; echo "== $*"; }

step "shellcheck"
shellcheck -x scripts/*.sh scripts/lib/*.sh .ci/run

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (all features, all targets)"
cargo clippy --workspace --all-targets --all-features -- -D warnings
step "clippy (core without the HTTPS client)"
cargo clippy -p ichie-core --all-targets --no-default-features -- -D warnings

step "PostgreSQL for the server tests (a throwaway cluster on 127.0.0.1)"
start_test_postgres
trap stop_test_postgres EXIT

step "tests (the server's on SQLite and on PostgreSQL)"
export ICHIE_REQUIRE_OATHTOOL=1 ICHIE_REQUIRE_POSTGRES=1
cargo test --workspace --all-features
step "core tests without the HTTPS client"
cargo test -p ichie-core --no-default-features --lib
