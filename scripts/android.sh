#!/usr/bin/env bash
# Builds the Android libraries of the bindings and the Kotlin that goes with
# them, for the Android shell (android/):
#   android/app/src/main/jniLibs/<abi>/libichie_ffi.so   arm64-v8a, armeabi-v7a, x86_64
#   android/app/src/main/java/dev/ichie/ichie_ffi.kt     the generated bindings
# 16 KB pages (required by Google Play for Android 15+ targets): cargo-ndk
# 4.x passes -z max-page-size=16384 for NDK <= r27, NDK r28+ does it by
# default; the script checks every library with llvm-readelf afterwards.
#
# Needs: ANDROID_NDK_HOME (NDK r26+), cargo-ndk 4.x (`cargo install cargo-ndk`),
# and the Rust targets (`rustup target add aarch64-linux-android
# armv7-linux-androideabi x86_64-linux-android`). None of these exist on the
# project's CI machines, so this script is not part of scripts/test.sh.
#   ANDROID_API=N    minimum API level (default 26)
#   ANDROID_OUT=DIR  the Android app module (default android/app)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "android.sh: $*" >&2; exit 1; }

api=${ANDROID_API:-26}
app=${ANDROID_OUT:-android/app}
targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
cargo ndk --version >/dev/null 2>&1 || die "cargo-ndk not found: cargo install cargo-ndk"
if [ -z "${ANDROID_NDK_HOME:-}" ] || [ ! -d "$ANDROID_NDK_HOME" ]; then
  die "ANDROID_NDK_HOME must point at an Android NDK (r26 or newer)"
fi
installed=$(rustup target list --installed 2>/dev/null || true)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || die "Rust target $t missing: rustup target add $t"
done

target_dir=${CARGO_TARGET_DIR:-$PWD/target}

echo "== Kotlin bindings (from the host build: bindgen needs an unstripped library)"
scripts/bindings.sh
mkdir -p "$app/src/main/java"
cp -R "$target_dir/bindings/kotlin/." "$app/src/main/java/"

echo "== libichie_ffi.so for arm64-v8a, armeabi-v7a, x86_64 (API $api, profile mobile)"
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -P "$api" -o "$app/src/main/jniLibs" \
  build -p ichie-ffi --profile mobile

echo "== 16 KB page alignment"
readelf=$(find "$ANDROID_NDK_HOME/toolchains/llvm/prebuilt" -name llvm-readelf -type f 2>/dev/null | head -n 1)
[ -n "$readelf" ] || die "llvm-readelf not found in the NDK"
for so in "$app"/src/main/jniLibs/*/libichie_ffi.so; do
  # Every LOAD segment must be aligned to at least 0x4000 (the last column).
  while read -r align; do
    [ $((align)) -ge 16384 ] || die "$so has a LOAD segment aligned to $align (< 16 KB)"
  done < <("$readelf" -lW "$so" | awk '$1 == "LOAD" { print $NF }')
  echo "ok  $so ($(du -h "$so" | cut -f1))"
done
echo "done: the Android project can now be built with Gradle (see android/README.md)"
