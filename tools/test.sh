#!/usr/bin/env bash
# `make test`: set up, then formatting and lints, unit and integration tests against a real
# MongoDB-wire server started here on a free port, then Playwright in Debian's Chromium, hydrated
# and with JavaScript disabled. Fails loudly if anything cannot start; nothing is skipped.
#   tools/test.sh                    everything (what `make test` and CI run)
#   tools/test.sh e2e [args…]        only the site build and Playwright, args passed to it
#                                    (e.g. `tools/test.sh e2e tests/segments.spec.ts`), for iterating
# With ENRICH_TEST_MONGODB_URI set (real MongoDB, e.g. mongo:8 as a replica set) no stand-in is
# started: every test makes a database of its own there, and Playwright one for its run.
source "$(dirname "$0")/lib.sh"
MODE="${1:-all}"
[ "$MODE" = e2e ] && shift
cd "$ROOT"
"$ROOT/tools/setup.sh" test

# A cold build of the tests, the server and the WASM bundle needs about 15 GB: say so up front
# rather than fail half-way with "No space left on device".
FREE_GB="$(df -Pk "$ROOT" | awk 'NR==2 {print int($4 / 1048576)}')"
[ "$FREE_GB" -ge 15 ] || die "only ${FREE_GB} GB free on the disk holding $ROOT; make test needs 15 GB"

WORK="$(mktemp -d)"
MONGO_PID=""; APP_PID=""; SMTP_PID=""
cleanup() {
  if [ -n "$APP_PID" ]; then stop_pid "$APP_PID"; fi
  if [ -n "$SMTP_PID" ]; then stop_pid "$SMTP_PID"; fi
  if [ -n "$MONGO_PID" ]; then stop_pid "$MONGO_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

step() { log "$*"; STEP_START=$SECONDS; }

# The server the tests use: ENRICH_TEST_MONGODB_URI's, else a stand-in started here.
start_database() {
  if [ -n "${ENRICH_TEST_MONGODB_URI:-}" ]; then
    MONGO_URI="$ENRICH_TEST_MONGODB_URI"
    log "testing on the MongoDB at ENRICH_TEST_MONGODB_URI (no stand-in started)"
  else
    start_mongo "$WORK/mongo.log" 0 --memory
  fi
}
done_step() { log "done in $((SECONDS - STEP_START)) s"; }

if [ "$MODE" != e2e ]; then
  step "formatting and lints"
  cargo fmt --all -- --check
  cargo clippy --all-targets --features ssr -- -D warnings
  cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings
  done_step

  start_database
  start_smtp_sink "$WORK/smtp.log" "$WORK/mail.jsonl"
  export ENRICH_TEST_SMTP_PORT="$SMTP_PORT" ENRICH_TEST_MAIL_LOG="$WORK/mail.jsonl"
  export ENRICH_TEST_MONGODB_URI="$MONGO_URI"
  # Crash-survival tests start (and kill) a stand-in of their own, whatever the suite runs on.
  export ENRICH_MONGO_SERVER_JAR="$MONGO_JAR"

  step "unit and integration tests"
  cargo test --features ssr --no-fail-fast
  done_step
else
  start_database
  start_smtp_sink "$WORK/smtp.log" "$WORK/mail.jsonl"
fi

step "building the site (server + WASM) for the browser tests"
cargo leptos build
done_step

step "Playwright: hydrated and JavaScript disabled"
PORT="$(free_port)"
# The metrics listener on a port of its own, as in production (a spec scrapes it).
METRICS_PORT="$(free_port)"
export ENRICH_METRICS_ADDR="127.0.0.1:$METRICS_PORT" E2E_METRICS_URL="http://127.0.0.1:$METRICS_PORT/metrics"
# A database of this run's own: on a shared server, an earlier run's data would leak in.
export MONGODB_URI="$MONGO_URI" ENRICH_DB="e2e_$(date +%s)_$$" ENRICH_FIELD_KEYS_FILE="$WORK/field-keys.txt"
# Campaign email goes to the SMTP sink; the journey reads what arrived from its log.
export ENRICH_SMTP_HOST=127.0.0.1 ENRICH_SMTP_PORT="$SMTP_PORT" ENRICH_SMTP_FROM="Shop <news@shop.test>"
export E2E_MAIL_LOG="$WORK/mail.jsonl"
# Retention may archive (Settings → Retention offers it only with a folder).
export ENRICH_RETENTION_ARCHIVE_DIR="$WORK/archive"
# One user per role, with a password made up for this run only.
export E2E_PASSWORD="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for role in admin marketer analyst support steward; do
  echo "$E2E_PASSWORD" | RUST_LOG=warn target/debug/enrich user add --email "$role@e2e.test" --role "$role" >/dev/null
done
ENRICH_DEMO_SHOP=true ENRICH_PUBLIC_URL="http://127.0.0.1:$PORT" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG="${RUST_LOG:-warn}" \
  target/debug/enrich >"$WORK/app.log" 2>&1 &
APP_PID=$!
wait_http "http://127.0.0.1:$PORT/healthz" 60 || { cat "$WORK/app.log" >&2; die "enrich did not become healthy"; }
(cd end2end && ENRICH_E2E_BASE_URL="http://127.0.0.1:$PORT" npx playwright test "$@") \
  || { log "app log:"; tail -50 "$WORK/app.log" >&2; exit 1; }
done_step
log "all tests passed"
