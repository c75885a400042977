#!/usr/bin/env bash
# Benchmarks: an in-memory database (unless MONGODB_URI is set) and a bench binary in an
# optimised build, printing ratios measured in one run.
#   tools/bench.sh                    ingestion: events/s through /v1/batch vs raw insert_many
#   tools/bench.sh bench_customer360  the customer 360 page's p95 at 100,000 profiles vs a static file
#   tools/bench.sh bench_campaigns    campaign delivery msg/s to the SMTP sink and a webhook receiver
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh
BIN="${1:-bench_ingest}"
tools/setup.sh
if [[ -z "${MONGODB_URI:-}" ]]; then
  mkdir -p data
  start_mongo "data/$BIN-mongo.log" 0 --memory
  trap 'stop_pid "$MONGO_PID"' EXIT
  export MONGODB_URI="$MONGO_URI"
fi
if [[ "$BIN" == bench_campaigns ]]; then
  tools/setup.sh test
  mkdir -p data
  start_smtp_sink "data/$BIN-smtp.log" "data/$BIN-mail.jsonl"
  trap 'stop_pid "$SMTP_PID"; [[ -n "${MONGO_PID:-}" ]] && stop_pid "$MONGO_PID"' EXIT
  export BENCH_SMTP_PORT="$SMTP_PORT"
fi
RUST_LOG="${RUST_LOG:-warn}" cargo run --profile server-release --features ssr --bin "$BIN"
