#!/usr/bin/env bash
# `make run`: set up, start the embedded database (unless MONGODB_URI is set), build and serve
# enrich on http://127.0.0.1:3000. Ctrl-C stops the app and the database it started.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/tools/setup.sh" run

MONGO_PID=""
cleanup() { [ -n "$MONGO_PID" ] && stop_pid "$MONGO_PID"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${MONGODB_URI:-}" ]; then
  mkdir -p data
  start_mongo data/mongo.log "${ENRICH_MONGO_PORT:-27017}" --data "$ROOT/data/enrich.mv"
  export MONGODB_URI="$MONGO_URI"
else
  log "using the MongoDB at MONGODB_URI"
fi

if [ "${RELEASE:-0}" = 1 ]; then
  ensure_wasm_opt() {
    # Release builds need wasm-opt; Debian's binaryen 108 breaks hydration, npm's 132 works.
    [ -x tools/node_modules/.bin/wasm-opt ] || (cd tools && npm install --no-audit --no-fund --no-save binaryen@132)
    export PATH="$ROOT/tools/node_modules/.bin:$PATH"
  }
  ensure_wasm_opt
  cargo leptos serve --release
else
  cargo leptos serve
fi
