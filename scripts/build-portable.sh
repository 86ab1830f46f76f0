#!/usr/bin/env bash
# The linux-x64-gnu addon that ships: built against glibc 2.17 with cargo-zigbuild and zig, so it
# loads on every glibc Linux from 2.17 on (RHEL 7/8, Amazon Linux 2, Ubuntu 18.04+, Debian 9+).
# `npm run build` stays a native build for development; `npm pack` (prepack) runs this script.
#
# Output: ./nerve-store.linux-x64-gnu.node (where binding.js looks first), checked by
# scripts/check-glibc.mjs. Cargo rebuilds only what changed, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "build-portable: builds on Linux x86_64 only (this is $(uname -s) $(uname -m))" >&2
  exit 1
fi

tools_bin="$(bash scripts/portable-tools.sh)"
export PATH="$tools_bin:$PATH"

# napi-rs's cross build (`-x`) runs `cargo zigbuild` (the pinned one above comes first on PATH);
# the `.2.17` suffix names the glibc version that zig links against. It also writes binding.js and
# binding.d.ts, which the package ships.
npx --no napi build --platform --release --features node \
  --target x86_64-unknown-linux-gnu.2.17 -x --js binding.js --dts binding.d.ts
node scripts/check-glibc.mjs nerve-store.linux-x64-gnu.node
