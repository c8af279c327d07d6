#!/usr/bin/env bash
# Swift on Linux for the Swift bindings' tests: a Debian trixie chroot with
# `swiftlang` (Swift 6), libc6-dev and curl (the tests post codes with it), kept outside the repository in
# ${ICHIE_CACHE:-$HOME/.cache/ichie}/swift-trixie (~2.7 GB, ~65 s cold; a
# later run finds it ready).
#
#   scripts/swift-toolchain.sh                  prepare the chroot only
#   scripts/swift-toolchain.sh run DIR CMD...   run CMD in DIR inside the chroot
#
# For `run`, the repository and the cargo target directory are bind-mounted
# at their own paths, /proc and /dev/pts are mounted, and everything is
# unmounted again on every exit path. ICHIE_* and LD_LIBRARY_PATH variables
# are passed through; HOME is /root inside.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
. scripts/lib/setup.sh

repo=$PWD
target=${CARGO_TARGET_DIR:-$repo/target}
root=${ICHIE_CACHE:-$HOME/.cache/ichie}/swift-trixie
packages="swiftlang libc6-dev curl ca-certificates"
ready=$root/.ichie-swift-ready          # written last, holds $packages: the chroot is complete
bootstrapped=$root/.ichie-debootstrap-done
mirror=${ICHIE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    as_root umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Mounts (bind with --bind) and remembers the mount point for cleanup.
mount_at() {
  local point=$1
  shift
  as_root mkdir -p "$point"
  as_root mount "$@" "$point"
  mounted+=("$point")
}

no_mounts_below() {
  ! awk '{print $2}' /proc/mounts | grep -q "^$root/"
}

prepare() {
  [ "$(cat "$ready" 2>/dev/null)" = "$packages" ] && return 0
  ensure_packages debootstrap:debootstrap
  if [ ! -f "$bootstrapped" ]; then
    # A half-made chroot from an interrupted run: start over, but never
    # delete through a mount that is still there.
    no_mounts_below || { echo "error: something is still mounted below $root" >&2; return 1; }
    as_root rm -rf "$root"
    as_root mkdir -p "$root"
    echo "== debootstrap trixie into $root"
    as_root debootstrap --variant=minbase trixie "$root" "$mirror" >/dev/null
    as_root touch "$bootstrapped"
  fi
  as_root cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_at "$root/proc" -t proc proc
  mount_at "$root/dev/pts" --bind /dev/pts
  echo "== installing $packages in the chroot"
  as_root chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null && apt-get clean"
  cleanup
  echo "$packages" | as_root tee "$ready" >/dev/null
}

run() {
  local dir=$1
  shift
  mount_at "$root/proc" -t proc proc
  mount_at "$root/dev/pts" --bind /dev/pts
  mount_at "$root$repo" --bind "$repo"
  case "$target/" in
    "$repo"/*) ;;
    *) mount_at "$root$target" --bind "$target" ;;
  esac
  local vars=(HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8) name
  while IFS= read -r name; do
    vars+=("$name=${!name}")
  done < <(compgen -e | grep -E '^(ICHIE_|LD_LIBRARY_PATH$)' || true)
  # shellcheck disable=SC2016 # $1 and $@ are the inner shell's.
  as_root chroot "$root" /usr/bin/env -i "${vars[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$dir" "$@"
}

prepare
if [ "${1:-}" = run ]; then
  shift
  [ $# -ge 2 ] || { echo "usage: $0 run DIR CMD..." >&2; exit 2; }
  run "$@"
fi
