#!/usr/bin/env bash
# Builds the host library of the bindings (debug: uniffi-bindgen reads its
# metadata, which a stripped build lacks) and generates the Kotlin and Swift
# bindings into $CARGO_TARGET_DIR/bindings/{kotlin,swift} (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust

target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --quiet -p ichie-ffi -p ichie-uniffi-bindgen
# The host library's name: .dylib on macOS, .so elsewhere.
case "$(uname -s)" in
  Darwin) lib=$target/debug/libichie_ffi.dylib ;;
  *) lib=$target/debug/libichie_ffi.so ;;
esac
out=$target/bindings
rm -rf "$out/kotlin" "$out/swift"
for language in kotlin swift; do
  "$target/debug/uniffi-bindgen" generate "$lib" --language "$language" \
    --config uniffi.toml --no-format --out-dir "$out/$language" >/dev/null
done
echo "bindings: $out/kotlin $out/swift (library $lib)"
