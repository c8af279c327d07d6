#!/usr/bin/env bash
# The demo, end to end on this machine: an Ichie server on an embedded SQLite
# database in a temporary directory, serving HTTPS on 127.0.0.1; a token
# issued to a user (the issuance e-mail lands in the server's outbox); the
# token activated with the CLI and the activation password (the seed never
# crosses the network); live codes; one code checked against the server, and
# the same code refused the second time. Stops everything it started.
#   DEMO_FRAMES=N   one-second refreshes of the code screen (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh
ensure_rust
ensure_packages curl:curl python3:python3

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

step "building ichie and ichie-server"
cargo build --quiet -p ichie -p ichie-server
bin=$PWD/target/debug
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port for the server (the activation link carries it).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="https://127.0.0.1:$port"

step "ichie-server init (keys, development CA, SQLite, API keys)"
"$bin/ichie-server" init "$work/server" --listen "127.0.0.1:$port" --public-url "$url" \
  --service-id demo-bank --json >"$work/init.json"
verifier_key=$(json_field verifier_key <"$work/init.json")
ca=$(json_field ca_pem_path <"$work/init.json")
echo "service demo-bank at $url, signing key $(json_field signing_key_id <"$work/init.json")"

step "ichie-server serve"
"$bin/ichie-server" serve --dir "$work/server" --port-file "$work/port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
curl -sS --cacert "$ca" "$url/v1/time"; echo

step "ichie-server admin issue  (user taro, activation password 4321)"
export DEMO_ACTIVATION_PASSWORD=4321
"$bin/ichie-server" admin --dir "$work/server" --json issue --user taro --email taro@example.com \
  --password-env DEMO_ACTIVATION_PASSWORD >"$work/issue.json"
link=$(json_field link <"$work/issue.json")
echo "activation link: $link"
echo "the issuance e-mail (no password in it) is in the outbox:"
grep -hE '^(To|Subject):|[Ss]ervice ID|[Uu]ser ID' "$work"/server/outbox/*.eml | head -n 4 | sed 's/^/    /'

step "the app's service directory knows demo-bank: its server and signing key"
directory="$work/app/services.json"
mkdir -p "$work/app"
printf '{"services":[{"service_id":"demo-bank","name":"Demo Bank","base_url":"%s","keys":[{"key_id":"%s","public_key":"%s"}]}]}\n' \
  "$url" "$(json_field signing_key_id <"$work/init.json")" "$(json_field signing_public_key <"$work/init.json")" >"$directory"
cat "$directory"

step "ichie activate --link …  (CPace under the password; the user types it, here it comes from the environment)"
export ICHIE_VAULT="$work/app/tokens.vault" ICHIE_PASSPHRASE="demo vault passphrase" ICHIE_SERVICE_DIRECTORY="$directory"
"$bin/ichie" init
forged="ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A9&service=demo-bank&user=taro&kid=evil&pk=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"
echo "a phishing link for demo-bank that points elsewhere is refused before anything is sent:"
if ICHIE_ACTIVATION_PASSWORD=$DEMO_ACTIVATION_PASSWORD "$bin/ichie" activate --link "$forged" --ca "$ca" 2>&1 | sed 's/^/    /'; then
  echo "the forged link was accepted" >&2; exit 1
fi
ICHIE_ACTIVATION_PASSWORD=$DEMO_ACTIVATION_PASSWORD "$bin/ichie" activate --link "$link" --ca "$ca"
"$bin/ichie" add 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example'

step "ichie watch (${DEMO_FRAMES:-10} refreshes)"
"$bin/ichie" watch --count "${DEMO_FRAMES:-10}"

step "POST /v1/verify  (the relying service checks a code, twice)"
code=$("$bin/ichie" code taro)
verify() {
  curl -sS --cacert "$ca" -H "Authorization: Bearer $verifier_key" -H 'Content-Type: application/json' \
    -d "{\"user_id\":\"taro\",\"code\":\"$code\"}" "$url/v1/verify"
  echo
}
echo "code $code, first use:  $(verify)"
echo "same code, second use: $(verify)"

step "ichie status"
"$bin/ichie" status --ca "$ca"
