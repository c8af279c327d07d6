#!/usr/bin/env bash
# The apps' JVM tests (apps/): the shared service layer, state holders and
# Compose UI (JUnit 5, runComposeUiTest, headless), the desktop app's unlock,
# and the screenshots in docs/screenshots/. Generates the Kotlin bindings and
# the host library with scripts/bindings.sh; installs what a fresh Debian
# machine lacks (JDK 17, Maven, Noto CJK fonts for the Japanese screens).
#
# The end-to-end UI test activates against a real ichie-server when the
# variables of scripts/bindings-test.sh are set (ICHIE_SERVER_URL,
# ICHIE_CA_PEM, ICHIE_LINK, ICHIE_PASSWORD, ICHIE_USER, ICHIE_VERIFIER_KEY);
# without them it is skipped, unless ICHIE_REQUIRE_SERVER=1.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust
ensure_packages java:openjdk-17-jdk-headless mvn:maven fc-list:fontconfig
if ! fc-list :lang=ja family | grep -q .; then
  echo "== installing fonts-noto-cjk (Japanese screens)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi

target=${CARGO_TARGET_DIR:-$PWD/target}
export CARGO_TARGET_DIR=$target

echo "== bindings (host library + Kotlin)"
scripts/bindings.sh

echo "== apps: shared + desktop (JUnit 5)"
mvn -q -B -f apps/pom.xml -Dichie.target.dir="$target" -Dkotlin.compiler.daemon=false \
  -Dskiko.renderApi=SOFTWARE clean test
grep -h "Tests run" apps/shared/target/surefire-reports/*.txt apps/desktop/target/surefire-reports/*.txt
echo "screenshots: $(find docs/screenshots -name '*.png' | sort | tr '\n' ' ')"
