#!/usr/bin/env bash
# Sets everything up and serves the page: ./scripts/serve.sh [--port N]   (default http://127.0.0.1:8080/)
# build-wasm.sh builds both modules into www/ (pkg/ for the page, pkg-lab/ for the Lab's worker),
# and the server serves everything under www/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-wasm.sh
exec node scripts/server.mjs "$@"
