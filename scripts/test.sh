#!/usr/bin/env bash
# Runs every test of the project: formatting, clippy (native and wasm), the native tests, the
# wasm build, the JS unit tests, and the browser tests in headless Chromium against the page served
# by scripts/server.mjs. Installs what it needs: the wasm target and wasm-bindgen CLI (via
# build-wasm.sh), Debian's chromium if /usr/bin/chromium is missing, and playwright-core (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Each step says when it began, so a slow run's log shows where the time went.
step() { printf '\n==> %s (%s)\n' "$*" "$(date -u +%T)"; }

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo test"
cargo test

# The wasm build (the target and CLI are installed here if missing).
step "wasm build"
./scripts/build-wasm.sh

# The page's pure modules (URL state, play/pause) need no browser; the exports of the two wasm
# builds are checked here too, so this comes after the build.
step "JS unit tests (node --test tests/js/)"
node --test --test-reporter=spec tests/js/

# src/web/ is compiled for wasm32 only, so lint it there too: the page's module (default
# features), the Lab module (`lab`) and the benchmark's (`bench`), as build-wasm.sh builds them.
for features in "" "--features lab" "--features bench"; do
  step "cargo clippy --lib --target wasm32-unknown-unknown $features -- -D warnings"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}" \
    cargo clippy --lib --target wasm32-unknown-unknown $features -- -D warnings
done

# The fast layers against the naive ones, compiled to wasm32 with simd128 and run in Node by
# wasm-bindgen-test-runner (installed with the wasm-bindgen CLI): covers the SIMD GEMM kernel.
step "cargo test --target wasm32-unknown-unknown --test fast_vs_naive"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}" \
  cargo test --target wasm32-unknown-unknown --test fast_vs_naive

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  step "apt-get install chromium chromium-driver"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium chromium-driver
fi

if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "browser tests (node --test tests/e2e/)"
node --test --test-reporter=spec --test-concurrency=1 tests/e2e/

step "all tests passed"
