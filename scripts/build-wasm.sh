#!/usr/bin/env bash
# Builds the engine for the browser, installing what is missing first:
# the wasm32 target (rustup) and a wasm-bindgen CLI of exactly the version Cargo.lock pins.
# A second run reinstalls nothing and rebuilds only what changed. Three modules come out of the crate:
#   www/pkg/      the page's, loaded at start (and by the training worker): the default features;
#   www/pkg-lab/  the Lab module, loaded by the Lab's worker when the Lab panel is first shown:
#                 the same exports plus the Lab's computations (feature `lab`, src/web/lab_jobs.rs).
#   www/pkg-bench/ the browser benchmark's (bench/): the page's exports plus the benchmark's handles
#                 (feature `bench`, src/web/bench.rs). Only with `--bench` (bench/run.sh passes it):
#                 the page and the tests never load it, so their builds need not wait for it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 1 ] || { [ $# -eq 1 ] && [ "$1" != "--bench" ]; }; then
  echo "usage: scripts/build-wasm.sh [--bench]" >&2
  exit 2
fi
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
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}"

# build OUT_DIR TARGET_DIR [CARGO_ARGS…]: one module. Each has its own target directory, because a
# cdylib's file name does not depend on the features: in one directory, every run would rebuild
# both. The name section only serves stack traces (panics still print their message through
# console_error_panic_hook), so it is left out: 25 KB gzipped.
build() {
  local out=$1 dir=$2
  shift 2
  echo "==> cargo build --release --lib --target $target --target-dir $dir $*"
  cargo build --release --lib --target "$target" --target-dir "$dir" "$@"
  echo "==> wasm-bindgen --target web --out-dir $out --remove-name-section"
  wasm-bindgen "$dir/$target/release/cnn_playground.wasm" --target web --out-dir "$out" \
    --no-typescript --remove-name-section
}

build www/pkg target
build www/pkg-lab target/lab --features lab
if [ $# -eq 1 ]; then
  build www/pkg-bench target/bench --features bench
fi
