#!/usr/bin/env bash
# tools/dist/rootfs.sh TARBALL — a clean Debian bookworm root file system for
# tests/dist/test_clean_system.py, as a tarball (the test unpacks a fresh copy
# per run). `debootstrap --variant=minbase` plus only python3, python3-venv,
# nodejs and ca-certificates: no compiler, no cmake, no libcurl/libcjson, no
# -dev package. Built once (a few minutes, from deb.debian.org) and cached:
# TARBALL (under the build directory) and a machine-wide copy in
# $LIGHT_ROOTFS_CACHE (default /var/cache/light-sdk, when writable) that
# later builds and other worktrees reuse. Prints the seconds debootstrap took
# when it ran. Must run as root (debootstrap, chroot).
set -euo pipefail
out=$1
SUITE=bookworm
MIRROR=${LIGHT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
INCLUDE=python3,python3-venv,nodejs,ca-certificates
# The cache key changes when the recipe does.
key=$(printf '%s %s %s v1' "$SUITE" "$INCLUDE" "$MIRROR" | sha256sum | cut -c1-12)
name="$SUITE-minbase-$key.tar"
cache=${LIGHT_ROOTFS_CACHE:-/var/cache/light-sdk}
[ -s "$out" ] && [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ] && exit 0
mkdir -p "$(dirname "$out")"
if [ -s "$cache/$name" ]; then
  cp "$cache/$name" "$out.tmp" && mv "$out.tmp" "$out" && echo "$key" > "$out.key"
  echo "rootfs: reused $cache/$name"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "rootfs: debootstrap missing (tools/install-deps.d/dist.sh installs it)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "rootfs: debootstrap needs root" >&2; exit 1; }
work=$(mktemp -d "$(dirname "$out")/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/root" "$MIRROR" > "$work/log" 2>&1 || {
  tail -20 "$work/log" >&2; echo "rootfs: debootstrap failed (log above)" >&2; exit 1; }
t1=$(date +%s)
# Same sources as a Debian 12 machine (security updates), and no apt caches in the tarball.
cat > "$work/root/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SRC
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" --numeric-owner -cf "$work/root.tar" .
mv "$work/root.tar" "$out"
echo "$key" > "$out.key"
if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then cp "$out" "$cache/$name.tmp" && mv "$cache/$name.tmp" "$cache/$name"; fi
echo "rootfs: debootstrap took $((t1 - t0)) s; $(du -h "$out" | cut -f1) tarball at $out"
