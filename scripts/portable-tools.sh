#!/usr/bin/env bash
# Installs the pinned tools of the portable Linux build, once, outside the clone:
#   cargo-zigbuild (crates.io) and zig (PyPI `ziglang`), under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/nerve-store-native/.
# Prints the directory to prepend to PATH (it holds `cargo-zigbuild` and `zig`).
set -euo pipefail

CARGO_ZIGBUILD_VERSION=0.24.1
ZIGLANG_VERSION=0.17.0

cache="${XDG_CACHE_HOME:-$HOME/.cache}/nerve-store-native"
tools="$cache/portable-tools"
bin="$tools/bin"
mkdir -p "$bin"

have_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qF "$2"; }

if ! have_version "$bin/cargo-zigbuild" "$CARGO_ZIGBUILD_VERSION"; then
  echo "portable-tools: installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION" >&2
  cargo install cargo-zigbuild --version "$CARGO_ZIGBUILD_VERSION" --locked --root "$tools" --quiet >&2
fi

zigdir="$tools/ziglang-$ZIGLANG_VERSION"
if ! have_version "$zigdir/ziglang/zig" "$ZIGLANG_VERSION" && ! [ "$("$zigdir/ziglang/zig" version 2>/dev/null)" = "$ZIGLANG_VERSION" ]; then
  echo "portable-tools: installing zig $ZIGLANG_VERSION (PyPI ziglang)" >&2
  rm -rf "$zigdir.partial"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$zigdir.partial" "ziglang==$ZIGLANG_VERSION" >&2
  rm -rf "$zigdir"
  mv "$zigdir.partial" "$zigdir"
fi
ln -sf "$zigdir/ziglang/zig" "$bin/zig"

echo "$bin"
