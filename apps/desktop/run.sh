#!/usr/bin/env bash
# Starts Ichie's desktop app: builds the host library and the Kotlin bindings
# (scripts/bindings.sh), compiles apps/ and opens the window. Environment:
# see apps/desktop/README.md (ICHIE_VAULT, ICHIE_LANG, ICHIE_THEME, ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-$PWD/target}
scripts/bindings.sh >/dev/null
exec mvn -q -B -f apps/pom.xml -Dichie.target.dir="$target" -DskipTests -Dkotlin.compiler.daemon=false \
  clean compile exec:java
