#!/usr/bin/env bash
# Loads the shipped linux-x64-gnu binary on Debian 11 (bullseye, glibc 2.31) under Node 20 and
# runs a smoke test there: append, query, archive, blob write and read.
# The root file system is made once with debootstrap (Debian's packages) and cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/nerve-store-native/rootfs-bullseye. Needs root (chroot).
# Uses this machine's Node 20 binary, which needs glibc 2.28.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${XDG_CACHE_HOME:-$HOME/.cache}/nerve-store-native"
rootfs="$cache/rootfs-bullseye"
binary="${1:-nerve-store.linux-x64-gnu.node}"

if [ "$(id -u)" != 0 ]; then echo "old-glibc-smoke: needs root (debootstrap, chroot)" >&2; exit 1; fi
node_bin="$(command -v node)"
case "$("$node_bin" --version)" in v20.*) ;; *) echo "old-glibc-smoke: needs Node 20 on PATH" >&2; exit 1 ;; esac

if [ ! -x "$rootfs/bin/sh" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  rm -rf "$rootfs.partial"
  debootstrap --variant=minbase bullseye "$rootfs.partial" http://deb.debian.org/debian >&2
  mv "$rootfs.partial" "$rootfs"
fi

work="$rootfs/opt/nerve-store-smoke"
rm -rf "$work"
mkdir -p "$work/bin" "$work/pkg"
cp "$node_bin" "$work/bin/node"
cp -r package.json index.js binding.js lib "$work/pkg/"
cp "$binary" "$work/pkg/nerve-store.linux-x64-gnu.node"
cat > "$work/smoke.js" <<'JS'
const { createLogStore, createBlobStore } = require('/opt/nerve-store-smoke/pkg');
const glibc = process.report.getReport().header.glibcVersionRuntime;
const dir = '/tmp/nerve-store-smoke';
require('fs').rmSync(dir, { recursive: true, force: true });
const logs = createLogStore(dir + '/logs.db');
const day = 86400000;
const old = Date.UTC(2020, 0, 1);
logs.append({ source: 'smoke', type: 'old', refId: null, payload: '{}', timestamp: old });
logs.append({ source: 'smoke', type: 'new', refId: null, payload: '{}', timestamp: old + 40 * day });
const archived = logs.archiveLogs({ now: old + 40 * day }).days.length;
const rows = logs.query({ source: 'smoke' }).map((e) => e.type);
logs.close();
const blobs = createBlobStore(dir + '/blobs');
const hash = blobs.write('smoke');
if (blobs.read(hash).toString() !== 'smoke' || archived < 1 || rows.join() !== 'new') throw new Error('smoke test failed');
console.log(`old-glibc-smoke: Node ${process.version} on glibc ${glibc}: loaded, appended, archived ${archived} day(s), queried ${rows.length} row, blob ${hash.slice(0, 12)}: ok`);
JS
grep PRETTY_NAME "$rootfs/etc/os-release" | cut -d= -f2 | tr -d '"' | sed 's/^/old-glibc-smoke: /'
chroot "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp /opt/nerve-store-smoke/bin/node /opt/nerve-store-smoke/smoke.js
rm -rf "$work"
