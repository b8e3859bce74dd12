#!/usr/bin/env bash
# Builds the engine for the browser into www/pkg/, installing what is missing first:
# the wasm32 target (rustup) and a wasm-bindgen CLI of exactly the version Cargo.lock pins.
# A second run reinstalls nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

target=wasm32-unknown-unknown
if ! rustup target list --installed | grep -qx "$target"; then
  echo "==> rustup target add $target"
  rustup target add "$target"
fi

# The CLI must match the wasm-bindgen crate byte for byte in version, or the bindings it generates
# do not fit the module; read the version from the lockfile rather than repeating it here.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then
  echo "error: no wasm-bindgen entry in Cargo.lock" >&2
  exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  echo "==> cargo install wasm-bindgen-cli --version $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

# simd128: every browser the page targets has it, and the matrix kernels use it when present.
echo "==> cargo build --release --target $target"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}" \
  cargo build --release --lib --target "$target"

echo "==> wasm-bindgen --target web --out-dir www/pkg"
wasm-bindgen "target/$target/release/cnn_playground.wasm" --target web --out-dir www/pkg --no-typescript
