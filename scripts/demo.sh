#!/usr/bin/env bash
# The demo: a fresh vault in a temporary directory, a few tokens added the
# ways a user adds them, and the live code screen. Cleans up after itself.
#   DEMO_FRAMES=N   how many one-second refreshes of the screen (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust

cargo build --quiet -p ichie
ichie=$PWD/target/debug/ichie
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export ICHIE_VAULT="$work/tokens.vault"
# A passphrase in the environment is for scripts like this one; people are
# asked for it without echo.
export ICHIE_PASSPHRASE="demo passphrase"

echo "== ichie init"
"$ichie" init
echo "== ichie add <otpauth URI>   (RFC 6238's test seed, 8 digits)"
"$ichie" add 'otpauth://totp/RFC%206238:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&issuer=RFC%206238'
echo "== ichie add --issuer ... --account ... --secret ...   (a bank's 60 s token)"
"$ichie" add --issuer "みずほ銀行" --account taro --secret "JBSW Y3DP EHPK 3PXP" --period 60
echo "== ichie add <otpauth URI>   (SHA-256 token)"
"$ichie" add 'otpauth://totp/Example:dev?secret=KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ&algorithm=SHA256&issuer=Example'
echo "== ichie list"
"$ichie" list
echo "== ichie watch (${DEMO_FRAMES:-15} refreshes)"
"$ichie" watch --count "${DEMO_FRAMES:-15}"
