#!/usr/bin/env bash
# The in-browser benchmark in one command, from a clean checkout:
#   bench/run.sh [--quick] [--contenders engine,engine-seq,tfjs-wasm,tfjs-wasm-tuned,tfjs-cpu,convnetjs]
#                [--nets cs231n,tiny,lecture]
# Installs the benchmark's own npm packages (bench/package-lock.json; tfjs and ConvNetJS stay out
# of the root package.json), builds the page's wasm and the benchmark's (scripts/build-wasm.sh
# --bench, simd128), installs Debian's chromium if /usr/bin/chromium is missing, then runs
# bench/run.mjs, which prints a markdown table and writes bench/results/latest.json and latest.md.
# About 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }

if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  step "npm ci (bench/)"
  (cd bench && npm ci --no-audit --no-fund >&2)
fi

step "wasm build (scripts/build-wasm.sh --bench)"
./scripts/build-wasm.sh --bench >&2

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  step "apt-get install chromium"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium >&2
fi

step "node bench/run.mjs $*"
exec node bench/run.mjs "$@"
