#!/usr/bin/env bash
# Ingestion benchmark: an in-memory database (unless MONGODB_URI is set) and the bench binary
# in an optimised build. Prints events/s through /v1/batch next to raw insert_many, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh
tools/setup.sh
if [[ -z "${MONGODB_URI:-}" ]]; then
  start_mongo data/bench-mongo.log 0 --memory
  trap 'stop_pid "$MONGO_PID"' EXIT
  export MONGODB_URI="$MONGO_URI"
fi
RUST_LOG="${RUST_LOG:-warn}" cargo run --profile bench-fast --features ssr --bin bench_ingest
