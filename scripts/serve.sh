#!/usr/bin/env bash
# Sets everything up and serves the page: ./scripts/serve.sh [--port N]   (default http://127.0.0.1:8080/)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-wasm.sh
exec node scripts/server.mjs "$@"
