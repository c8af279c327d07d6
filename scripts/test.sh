#!/usr/bin/env bash
# Every check and test of the workspace: formatting, lints (with and without
# the HTTPS client), all Rust tests (the server's on SQLite and PostgreSQL),
# and the Kotlin and Swift bindings' host tests. Installs what a fresh
# machine lacks (Debian packages, PostgreSQL, Maven artifacts, a Swift chroot).
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

# Everything the test runners print also goes to a log, summed up at the end.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
tested() { "$@" 2>&1 | tee -a "$log"; }

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
trap 'stop_test_postgres; rm -f "$log"' EXIT

step "tests (the server's on SQLite and on PostgreSQL)"
export ICHIE_REQUIRE_OATHTOOL=1 ICHIE_REQUIRE_POSTGRES=1
tested cargo test --workspace --all-features
step "core tests without the HTTPS client"
tested cargo test -p ichie-core --no-default-features --lib

step "Kotlin (JVM) and Swift (Linux) bindings and IchieKit, each activating against a real server"
tested scripts/bindings-test.sh

step "Android glue: compiled against android-all, unit tests, dexed with D8 and shrunk with R8"
tested scripts/android-glue-check.sh

# One closing line for all three languages: cargo's "test result: ok. N passed;
# N failed", Maven Surefire's per-class "Tests run: N, Failures: F, Errors: E",
# XCTest's "Executed N tests, with F failures" (only the suite totals) and the
# "N passed, F failed" line of scripts that run Maven quietly.
awk '
  /^test result: / { passed += $4; failed += $6 }
  /Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+, Time elapsed/ {
    line = $0; sub(/.*Tests run: /, "", line); gsub(",", "", line); split(line, f, " ")
    passed += f[1] - f[3] - f[5] - f[7]; failed += f[3] + f[5] }
  /^Test Suite .All tests. (passed|failed)/ { getline; passed += $2 - $5; failed += $5 }
  /^[0-9]+ passed, [0-9]+ failed$/ { passed += $1; failed += $3 }
  END { printf "total: %d passed, %d failed\n", passed, failed }
' "$log"
