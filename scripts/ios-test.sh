#!/usr/bin/env bash
# IchieKit's tests on Linux (ios/IchieKit: the iOS app's service, view models
# and their XCTests). The SwiftUI sources in ios/IchieApp need a Mac: here
# they are only parsed (`swiftc -parse`, syntax, no type checking).
#
# Generates the Swift bindings and the host library (scripts/bindings.sh),
# prepares the Swift chroot (scripts/swift-toolchain.sh), copies the
# generated Ichie.swift and ichie_ffiFFI.h into the package (git-ignored) and
# runs `swift test` there, linking libichie_ffi.so with -L/-rpath from the
# cargo target directory (${CARGO_TARGET_DIR:-./target}).
#
# The one test against a real ichie-server reads ICHIE_SERVER_URL,
# ICHIE_CA_PEM, ICHIE_LINK, ICHIE_PASSWORD, ICHIE_USER, ICHIE_VERIFIER_KEY
# (as scripts/bindings-test.sh sets them; ICHIE_CA_PEM must lie under the
# repository or the target directory, which the chroot sees). Without them
# it is skipped, unless ICHIE_REQUIRE_SERVER=1.
#   scripts/ios-test.sh [extra `swift test` arguments, e.g. --filter StringsTests]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust

repo=$PWD
target=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_TARGET_DIR=$target
kit=$repo/ios/IchieKit

echo "== Swift bindings and the host library"
scripts/bindings.sh
echo "== Swift toolchain (chroot)"
scripts/swift-toolchain.sh
# Copied only when changed: bindings.sh rewrites them every time, and a new
# mtime would make SwiftPM compile the generated module again.
copy_if_changed() { cmp -s "$1" "$2" || cp "$1" "$2"; }
mkdir -p "$kit/Sources/Ichie" "$kit/Sources/IchieFFI"
copy_if_changed "$target/bindings/swift/Ichie.swift" "$kit/Sources/Ichie/Ichie.swift"
copy_if_changed "$target/bindings/swift/ichie_ffiFFI.h" "$kit/Sources/IchieFFI/ichie_ffiFFI.h"

echo "== IchieApp sources: syntax only (SwiftUI, UIKit and AVFoundation need a Mac)"
scripts/swift-toolchain.sh run "$repo/ios/IchieApp" sh -c 'swiftc -parse ./*.swift'

echo "== IchieKit tests"
lib=$target/debug
scripts/swift-toolchain.sh run "$kit" \
  swift test --disable-swift-testing --scratch-path "$target/ios-kit-build" \
  -Xlinker -L"$lib" -Xlinker -rpath -Xlinker "$lib" "$@"
