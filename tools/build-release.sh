#!/usr/bin/env bash
# The optimised build `make run` serves and the Dockerfile ships: set up (run prerequisites),
# then a release server (target/server-release/enrich) and a size-optimised, wasm-opt'd site
# (target/site).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/tools/setup.sh" run
ensure_wasm_opt
cargo leptos build --release
