#!/usr/bin/env bash
# Runs Ichie's cargo-fuzz targets (fuzz/fuzz_targets/*.rs) for a bounded time.
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh uri backup       # only these targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh # longer runs
#
# Environment:
#   FUZZ_SECONDS    fuzzing time per target in seconds (default 60)
#   FUZZ_SANITIZER  cargo fuzz --sanitizer value (default address)
#   FUZZ_RSS_MB     libFuzzer -rss_limit_mb (default 2048)
#
# cargo-fuzz needs nightly-only compiler flags; on a stable toolchain they are
# unlocked with RUSTC_BOOTSTRAP=1 (set below). The fuzz crate is its own
# workspace (excluded from the main one), so builds go to fuzz/target and
# never touch the workspace's target/. Seeds are written to fuzz/corpus/<target>/
# and crashes to fuzz/artifacts/<target>/ (both git-ignored).
#
# Exits non-zero when a target crashes (or fails to build); the artifact path
# and the command to reproduce it are printed.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-address}
rss_mb=${FUZZ_RSS_MB:-2048}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: FUZZ_SECONDS must be a positive whole number, not '$seconds'" >&2
    exit 2
fi

export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz not found; installing it" >&2
    cargo install cargo-fuzz --locked
fi

# A file of raw bytes given as printf escapes.
seed() {
    local dir=$1 name=$2 bytes=$3
    printf '%b' "$bytes" >"$dir/$name"
}

# A sealed-file header (67 bytes) plus an all-zero 16-byte tag: the smallest
# file the vault/backup parsers accept past the length check.
# $1 magic, $2 KDF id and the three u32 costs as printf escapes.
sealed_header() {
    printf '%s\x00\x01%b' "$1" "$2"
    # salt (16; zero-padded for a raw key), key check (16), nonce (12), tag (16)
    head -c 60 /dev/zero
}

# Writes a few valid-looking inputs into fuzz/corpus/<target>/ so the fuzzer
# starts from the interesting paths. Idempotent; found inputs stay alongside.
write_seeds() {
    local target=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    case $target in
        uri)
            seed "$dir" seed-totp 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example'
            seed "$dir" seed-hotp 'otpauth://hotp/bob?secret=GEZDGNBVGY3TQOJQ&counter=42'
            seed "$dir" seed-params 'otpauth://totp/ACME%20Co:john.doe%2Bx@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME+Co&algorithm=SHA512&digits=8&period=60'
            seed "$dir" seed-lenient 'OTPAUTH://TOTP/%E3%81%BF:%20taro?Secret=jbsw%20y3dp%20ehpk%203pxp&Algorithm=sha256&digits=7#frag'
            ;;
        migration)
            # Google Authenticator export with four tokens (from core's tests),
            # as the URI text and as the raw protobuf payload.
            local export='CiwKCkhlbGxvId6tvu8SEGFsaWNlQGdvb2dsZS5jb20aBkdvb2dsZSABKAEwAgo6ChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIaQUNNRSBDbzpqb2huLmRvZUBlbWFpbC5jb20aACACKAIwAgoyChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIJaG90cC11c2VyGgdFeGFtcGxlIAAoADABOAcKQwoUAAECAwQFBgcICQoLDA0ODxAREhMSFOOBv+OBmuOBu+mKgOihjDp0YXJvGg/jgb/jgZrjgbvpioDooYwgAygDMAIQARgBIAAo+dK0////////AQ=='
            local escaped=${export//+/%2B}
            escaped=${escaped//\//%2F}
            escaped=${escaped//=/%3D}
            seed "$dir" seed-uri "otpauth-migration://offline?data=$escaped"
            printf '%s' "$export" | base64 -d >"$dir/seed-payload"
            ;;
        vault)
            # Raw-key header (KDF id 0, zero costs) and a passphrase header
            # (KDF id 1, 8 KiB, 1 pass, 1 lane).
            sealed_header ICHIEVLT '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >"$dir/seed-raw"
            sealed_header ICHIEVLT '\x01\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00\x01' >"$dir/seed-argon2"
            ;;
        vault_payload)
            seed "$dir" seed-payload '{"payload_version":1,"clock_correction_ms":-1500,"tokens":[{"id":"00112233445566778899aabbccddeeff","spec":{"issuer":"Example","account":"alice","secret":"JBSWY3DPEHPK3PXP","params":{"algorithm":"SHA1","digits":6,"kind":{"type":"totp","step":30,"t0":0}}},"origin":{"type":"activated","base_url":"https://otp.example.com","token_id":"t1"},"state":"active"},{"id":"ffeeddccbbaa99887766554433221100","spec":{"account":"bob","secret":"GEZDGNBVGY3TQOJQ","params":{"algorithm":"SHA256","digits":8,"kind":{"type":"hotp","counter":7}}},"origin":{"type":"imported"},"state":"revoked"}]}'
            ;;
        backup)
            # Cheapest accepted Argon2id costs (8 KiB, 1 pass, 1 lane).
            sealed_header ICHIEBAK '\x01\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00\x01' >"$dir/seed-argon2"
            ;;
        *) ;;
    esac
}

# The value after "$2" on the last line of log $1 that has it.
last_field() {
    grep -oE "$2 *[^ ]+" "$1" | tail -n 1 | awk '{print $NF}'
}

if (($# > 0)); then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

log_dir=fuzz/target/fuzz-logs
mkdir -p "$log_dir"
failed=()
summary=()

for target in "${targets[@]}"; do
    write_seeds "$target"
    log=$log_dir/$target.log
    echo "==> fuzzing $target for ${seconds}s (log: $log)"
    status=ok
    if ! cargo fuzz run --sanitizer "$sanitizer" "$target" -- \
        -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -print_final_stats=1 \
        2>&1 | tee "$log"; then
        failed+=("$target")
        artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | awk '{print $NF}' || true)
        if [[ -n $artifact ]]; then
            status="CRASH $artifact"
            echo "!!! $target crashed; artifact: $artifact" >&2
            echo "!!! reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run $target $artifact" >&2
        else
            status="FAILED (no artifact; see $log)"
            echo "!!! $target failed without a crash artifact; see $log" >&2
        fi
    fi
    runs=$(last_field "$log" 'stat::number_of_executed_units:' || true)
    execs=$(last_field "$log" 'stat::average_exec_per_sec:' || true)
    cov=$(last_field "$log" 'cov:' || true)
    corp=$(last_field "$log" 'corp:' || true)
    files=$(find "fuzz/corpus/$target" -type f | wc -l)
    summary+=("$(printf '%-10s runs=%-10s exec/s=%-7s cov=%-6s corp=%-12s files=%-5s %s' \
        "$target" "${runs:-?}" "${execs:-?}" "${cov:-?}" "${corp:-?}" "$files" "$status")")
done

echo
echo "==> summary (${seconds}s per target, sanitizer $sanitizer)"
printf '%s\n' "${summary[@]}"

if ((${#failed[@]} > 0)); then
    echo "fuzz.sh: failed targets: ${failed[*]} (artifacts under fuzz/artifacts/)" >&2
    exit 1
fi
