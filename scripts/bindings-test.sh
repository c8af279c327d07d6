#!/usr/bin/env bash
# The bindings' host tests: generates the Kotlin and Swift bindings, starts a
# real ichie-server on 127.0.0.1 with TLS, issues tokens, and runs the Kotlin
# tests (JVM, Maven, JNA) and the Swift tests (Linux, in the chroot of
# scripts/swift-toolchain.sh). Each language activates its own token through
# the bindings, has its code accepted at /v1/verify, sees the revocation, and
# locks a second issuance with wrong passwords. Then the apps' JVM tests
# (scripts/apps-test.sh) and IchieKit's (scripts/ios-test.sh), whose screens
# and view models activate a token the same way.
#   ICHIE_SKIP_SWIFT=1   Kotlin only (no chroot)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust
ensure_packages python3:python3 curl:curl java:openjdk-17-jdk-headless mvn:maven

repo=$PWD
target=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_TARGET_DIR=$target

step() { echo; echo "== $*"; }

step "build the library, generate Kotlin and Swift"
scripts/bindings.sh
cargo build --quiet -p ichie-server
server_bin=$target/debug/ichie-server

# The server's directory lives under the target directory: the Swift chroot
# sees it there (bind mount), and a fresh one is made on every run.
work=$target/bindings-test
rm -rf "$work"
mkdir -p "$work"
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

step "start ichie-server"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=https://127.0.0.1:$port
"$server_bin" init "$work/server" --listen "127.0.0.1:$port" --public-url "$url" \
  --service-id demo-bank --json >"$work/init.json"
# Both suites activate from 127.0.0.1 against this one server: the
# per-address limits are for the internet, not for a test run.
sed -i 's/^enabled = true$/enabled = false/' "$work/server/ichie-server.toml"
json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
ca=$(json "$work/init.json" ca_pem_path)
ICHIE_LOG=warn "$server_bin" serve --dir "$work/server" --port-file "$work/port" \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  if curl -sf --cacert "$ca" "$url/v1/time" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -sSf --cacert "$ca" "$url/v1/time" >/dev/null
echo "listening at $url"

# Issues a token for user $1 with activation password $2; prints the link.
issue() {
  ICHIE_TEST_ACTIVATION_PASSWORD=$2 "$server_bin" admin --dir "$work/server" --json \
    issue --user "$1" --email "$1@example.com" --password-env ICHIE_TEST_ACTIVATION_PASSWORD \
    >"$work/issue-$1.json"
  json "$work/issue-$1.json" link
}

# Sets the environment the tests of language $1 read.
server_env() {
  export ICHIE_REQUIRE_SERVER=1 ICHIE_SERVER_URL=$url ICHIE_CA_PEM=$ca
  ICHIE_VERIFIER_KEY=$(json "$work/init.json" verifier_key)
  ICHIE_ADMIN_KEY=$(json "$work/init.json" admin_key)
  ICHIE_USER=$1-user
  ICHIE_PASSWORD=$(python3 -c 'import secrets; print(f"{secrets.randbelow(10**6):06d}")')
  ICHIE_LINK=$(issue "$ICHIE_USER" "$ICHIE_PASSWORD")
  ICHIE_LOCK_LINK=$(issue "$1-lock" 24681357)
  export ICHIE_VERIFIER_KEY ICHIE_ADMIN_KEY ICHIE_USER ICHIE_PASSWORD ICHIE_LINK ICHIE_LOCK_LINK
}

step "Kotlin (JVM) tests"
server_env kotlin
(cd bindings/kotlin && mvn -q -B -Dichie.target.dir="$target" test)
grep -h "Tests run" bindings/kotlin/target/surefire-reports/*.txt

step "The apps' Kotlin (service layer, state holders, Compose UI, desktop) against the same server"
server_env apps
scripts/apps-test.sh

if [ "${ICHIE_SKIP_SWIFT:-}" = 1 ]; then
  echo "Swift skipped (ICHIE_SKIP_SWIFT=1)"
  exit 0
fi

step "Swift (Linux) tests"
scripts/swift-toolchain.sh
mkdir -p bindings/swift/Sources/Ichie bindings/swift/Sources/IchieFFI
cp "$target/bindings/swift/Ichie.swift" bindings/swift/Sources/Ichie/Ichie.swift
cp "$target/bindings/swift/ichie_ffiFFI.h" bindings/swift/Sources/IchieFFI/ichie_ffiFFI.h
server_env swift
lib=$target/debug
scripts/swift-toolchain.sh run "$repo/bindings/swift" \
  swift test --disable-swift-testing --scratch-path "$target/swift-build" \
  -Xlinker -L"$lib" -Xlinker -rpath -Xlinker "$lib"

step "IchieKit (the iOS app's service and view models) on Linux, against the same server"
server_env ios
scripts/ios-test.sh
