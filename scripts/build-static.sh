#!/usr/bin/env bash
# Writes the page as a folder any plain static host serves as it is, from any sub-path
# (e.g. https://example.edu/course/cnn/), with no special headers:
#   ./scripts/build-static.sh [--no-build] [OUT_DIR]        (default OUT_DIR: dist/)
# It builds the engine (scripts/build-wasm.sh; --no-build uses the www/pkg/ and www/pkg-lab/ already
# there), copies www/ into OUT_DIR and adds the service worker's precache list
# (scripts/build-static.mjs), so that after one visit the page works offline.
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."

build=1
out=""
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    -*) echo "error: unknown option $arg (try --help)" >&2; exit 2 ;;
    *)
      if [ -n "$out" ]; then echo "error: one OUT_DIR only (got $out and $arg)" >&2; exit 2; fi
      out=$arg ;;
  esac
done
# A given OUT_DIR is read from where the command was run, like any path argument; the default is
# the project's dist/ (in .gitignore), wherever it was run from.
case "$out" in
  "") out="$PWD/dist" ;;
  /*) ;;
  *) out="$caller/$out" ;;
esac

if [ "$build" = 1 ]; then
  ./scripts/build-wasm.sh
fi

exec node scripts/build-static.mjs "$out"
