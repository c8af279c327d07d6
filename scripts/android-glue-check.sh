#!/usr/bin/env bash
# The Android glue (android/app/src/main/kotlin: IchieAndroid, Keystore vault
# key, clipboard, MainActivity — not the Compose UI) checked without the
# Android SDK: compiled with kotlin-maven-plugin against the framework classes
# of org.robolectric:android-all and the androidx AARs' classes.jar, together
# with the generated Kotlin bindings; JVM unit tests (JUnit 5) of the
# platform-independent parts; the classes dexed with D8 (min API 26) and the
# dex checked. No APK is built and nothing runs on Android (android/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_packages java:openjdk-17-jdk-headless javac:openjdk-17-jdk-headless mvn:maven unzip:unzip

repo=$PWD
target=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_TARGET_DIR=$target
check=$repo/android/glue-check
out=$check/target
mvn_args=(-B -q -Dkotlin.compiler.daemon=false)

die() { echo "android-glue-check: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

step "generate the Kotlin bindings"
scripts/bindings.sh
# A private copy: another script may regenerate target/bindings meanwhile.
rm -rf "$out/bindings"
mkdir -p "$out/bindings"
cp -R "$target/bindings/kotlin" "$out/bindings/"
[ -f "$out/bindings/kotlin/dev/ichie/ichie_ffi.kt" ] || die "no generated bindings"

step "fetch android-all, the androidx AARs and D8"
# Maven resolves all dependencies before a run's first plugin, so the AARs
# are copied by one run and their classes.jar used by the next.
(cd "$check" && mvn "${mvn_args[@]}" initialize)
for aar in "$out"/aar-files/*.aar; do
  name=$(basename "$aar" .aar)
  mkdir -p "$out/aar/$name"
  unzip -q -o "$aar" classes.jar -d "$out/aar/$name"
  [ -s "$out/aar/$name/classes.jar" ] || die "$aar has no classes.jar"
done

step "compile the glue and the bindings against android-all, run the unit tests"
(cd "$check" && mvn "${mvn_args[@]}" -Dichie.bindings.dir="$out/bindings" package)
jar=$out/ichie-android-glue.jar
[ -s "$jar" ] || die "no $jar"
reports=("$out"/surefire-reports/TEST-*.xml)
[ -f "${reports[0]}" ] || die "no test reports"
# Surefire fails the build on a failing test; this only counts them.
total=$(grep -ho '<testsuite [^>]*tests="[0-9]*"' "${reports[@]}" | sed 's/.*tests="//; s/"//' | awk '{ n += $1 } END { print n + 0 }')
[ "$total" -gt 0 ] || die "no unit test ran"
echo
echo "$total passed, 0 failed"

step "dex with D8 (min API 26)"
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
d8_args=(--release --min-api 26 --lib "$java_home")
IFS=: read -r -a classpath <<<"$(cat "$out/compile-classpath.txt")"
for entry in "${classpath[@]}"; do
  case $entry in
    */android-all-*.jar) d8_args+=(--lib "$entry") ;;
    *) d8_args+=(--classpath "$entry") ;;
  esac
done
rm -rf "$out/dex"
mkdir -p "$out/dex"
java -cp "$out/tools/r8.jar" com.android.tools.r8.D8 "${d8_args[@]}" \
  --output "$out/dex/glue.zip" "$jar"
unzip -l "$out/dex/glue.zip"
listing=$(unzip -Z1 "$out/dex/glue.zip")
grep -qx classes.dex <<<"$listing" || die "D8 produced no classes.dex"
unzip -q -o "$out/dex/glue.zip" classes.dex -d "$out/dex"
dex=$out/dex/classes.dex
[ "$(head -c 3 "$dex")" = dex ] || die "classes.dex is not a dex file"
# class_defs_size: the little-endian u32 at offset 0x60 of the header.
classes=$(od -An -t u4 -j 96 -N 4 --endian=little "$dex" | tr -d ' ')
jar_classes=$(unzip -Z1 "$jar" | grep -c '\.class$')
# D8 adds synthetic classes (lambdas, backported library calls), never drops one.
[ "$classes" -ge "$jar_classes" ] || die "dex has $classes classes, the jar $jar_classes"
for type in Ldev/ichie/IchieAndroid\; Ldev/ichie/android/MainActivity\; \
  Ldev/ichie/android/KeystoreVaultKey\; Ldev/ichie/android/SecureClipboard\; Ldev/ichie/IchieApp\;; do
  grep -qaF "$type" "$dex" || die "classes.dex lacks $type"
done
grep -qaF nativeInit "$dex" || die "classes.dex lacks IchieAndroid.nativeInit"
echo "ok  $dex: $classes classes ($jar_classes compiled), $(stat -c %s "$dex") bytes"

step "shrink with R8 and android/app/proguard-rules.pro (release rules)"
# Program: the glue, the bindings, JNA, coroutines, the Kotlin stdlib. The
# extra rules stand in for what AGP adds: the manifest's classes kept, and
# no warnings for the androidx classes this partial AAR set lacks.
r8_args=(--release --min-api 26 --lib "$java_home")
program=("$jar")
for entry in "${classpath[@]}"; do
  case $entry in
    */android-all-*.jar) r8_args+=(--lib "$entry") ;;
    */jna-*.jar | */kotlinx-coroutines-*.jar | */kotlin-stdlib-*.jar) program+=("$entry") ;;
    *) r8_args+=(--classpath "$entry") ;;
  esac
done
cat >"$out/agp-rules.pro" <<'RULES'
-keep class dev.ichie.android.MainActivity { <init>(); }
-keep class dev.ichie.android.IchieApplication { <init>(); }
-dontwarn androidx.**
RULES
rm -rf "$out/r8"
mkdir -p "$out/r8"
java -cp "$out/tools/r8.jar" com.android.tools.r8.R8 "${r8_args[@]}" \
  --pg-conf android/app/proguard-rules.pro --pg-conf "$out/agp-rules.pro" \
  --pg-map-output "$out/r8/mapping.txt" --output "$out/r8/app.zip" "${program[@]}" 2>"$out/r8/log.txt" \
  || { cat "$out/r8/log.txt" >&2; die "R8 failed"; }
for kept in dev.ichie.IchieAndroid dev.ichie.IchieApp dev.ichie.UniffiLib com.sun.jna.Native com.sun.jna.Structure; do
  grep -qxF "$kept -> $kept:" "$out/r8/mapping.txt" || die "R8 renamed or removed $kept"
done
unzip -q -o "$out/r8/app.zip" classes.dex -d "$out/r8"
grep -qaF nativeInit "$out/r8/classes.dex" || die "R8 renamed IchieAndroid.nativeInit"
echo "ok  $out/r8/classes.dex: $(stat -c %s "$out/r8/classes.dex") bytes, JNA, bindings and nativeInit kept"
