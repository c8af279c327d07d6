#!/usr/bin/env bash
# The criterion benchmarks of the core: codes per algorithm (next to totp-rs,
# bare ring and bare RustCrypto HMACs) and vault open + list.
# Results: target/criterion/; figures are copied by hand into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust
cargo bench -p ichie-core --bench otp --bench vault -- "$@"
